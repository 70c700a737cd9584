"""`callbacks demo`: start the service, play the script over NATS, stop the service."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import nats
import nats.errors

from adapters.demo.script import DemoError, run_demo
from adapters.demo.service import ChildService
from adapters.identity.key_file import KeyFile
from adapters.identity.tokens import issue
from adapters.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable


def main(
    out: TextIO,
    *,
    database_url: str | None = None,
    nats_url: str | None = None,
    prefix: str = "callbacks",
) -> int:
    with tempfile.TemporaryDirectory(prefix="callbacks-demo-") as tmp:
        service = ChildService(
            Path(tmp),
            database_url=database_url,
            nats_url=nats_url,
            prefix=prefix,
            # No window: a callback scheduled seconds ahead waits for the scheduler.
            settings={"CALLBACKS_DEFAULT_POLICY__WINDOW_SECONDS": "0"},
        )
        print(
            "callbacks demo: a scripted hour of a contact center, in a minute, over NATS", file=out
        )
        print(f"starting `callbacks serve` on {tmp} ...", file=out, flush=True)
        try:
            url = service.start()
            for line in service.lines:
                print(f"  | {line}", file=out)
            print(
                f"every step below is a request to the service: watch them with\n"
                f"  nats sub '{prefix}.>' -s {nats_url or url}",
                file=out,
                flush=True,
            )
            asyncio.run(_play(nats_url or url, prefix, out, _signer(Path(tmp))))
        except DemoError as e:
            print(f"callbacks demo: the service refused a step: {e}", file=out)
            return 1
        except (nats.errors.Error, TimeoutError) as e:
            print(f"callbacks demo: lost the service: {type(e).__name__} {e}", file=out)
            return 1
        except KeyboardInterrupt:
            print("\ncallbacks demo: interrupted", file=out)
            return 130
        finally:
            code = service.stop()
            print(
                f"\nthe service stopped (exit code {code}); its data directory is removed", file=out
            )
    return 0


def _signer(data_dir: Path) -> Callable[[str, str], str]:
    """Tokens signed with the key the demo's service made in its data directory."""
    settings = Settings.load(data_dir=data_dir)
    keys = KeyFile.of(settings)

    def sign(actor: str, role: str) -> str:
        return issue(
            keys.current(),
            actor=actor,
            role=role,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=3600,
        )

    return sign


async def _play(url: str, prefix: str, out: TextIO, sign: Callable[[str, str], str]) -> None:
    nc = await nats.connect(url, name="callbacks-demo")
    try:
        await run_demo(nc, out, prefix, sign)
    finally:
        await nc.close()
