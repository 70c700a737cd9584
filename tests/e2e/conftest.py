"""`callbacks serve` as a subprocess, driven over NATS the way integrators drive it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest

from tests.e2e.reply_check import check_reply
from tests.serve_support import service_environment
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from nats.aio.client import Client

    from adapters.messaging.nats_server import EmbeddedNatsServer

READY = re.compile(r"listening on (nats://[\d.]+:\d+)")


class ServiceProcess:
    """One `callbacks serve`; its console output is kept for the test's report."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self.url: str | None = None
        self.prefix = env.get("CALLBACKS_PREFIX", "callbacks")

    @classmethod
    def on_sqlite(cls, tmp: Path, nats_url: str, stem: str, **settings: str) -> ServiceProcess:
        """A started service of its own: SQLite in `tmp`, a fresh prefix starting with `stem`."""
        env = service_environment(
            database_url=f"sqlite:///{tmp / 'events.sqlite'}",
            nats_url=nats_url,
            prefix=f"{stem}{uuid.uuid4().hex[:10]}",
            data_dir=str(tmp / "data"),
            timezone="Asia/Seoul",
            **settings,
        )
        return cls(env, tmp).start()

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.entrypoints.cli", "serve"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())
                if (m := READY.search(line)) is not None:
                    self.url = m.group(1)
                if "ready;" in line:
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout):
            self.kill()
            pytest.fail("callbacks serve did not become ready:\n" + "\n".join(self.lines[-40:]))
        return self

    def stop(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def output(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def service_env(
    database_url: str, nats_server: EmbeddedNatsServer, tmp_path: Path
) -> dict[str, str]:
    """Settings for a service on the shared test NATS, with a prefix of its own."""
    Tokens(tmp_path / "data")  # the service's signing key, made before it starts
    return service_environment(
        database_url=database_url,
        nats_url=nats_server.url,
        prefix=f"t{uuid.uuid4().hex[:10]}",
        data_dir=str(tmp_path / "data"),
        timezone="Asia/Seoul",
    )


@pytest.fixture
def launch(
    service_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start(**overrides: str) -> ServiceProcess:
        process = ServiceProcess({**service_env, **overrides}, tmp_path)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.kill()
        # Shown with the test's report if it failed (pytest prints captured output).
        print(f"--- callbacks serve ({process.prefix}) ---\n{process.output()}")


class Client_:  # noqa: N801  (apart from nats' Client; the e2e tests import this name)
    """An integrator's NATS client: requests with the envelope unwrapped. With `tokens`,
    each request carries the token of its subject's default caller (tests/tokens.py)
    unless it brings its own `Authorization` header."""

    def __init__(self, nc: Client, prefix: str, tokens: Tokens | None = None) -> None:
        self.nc, self.prefix, self.tokens = nc, prefix, tokens

    async def raw(
        self, subject: str, body: bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if self.tokens is not None and "Authorization" not in (headers or {}):
            headers = {**self.tokens.for_subject(subject), **(headers or {})}
        reply = await self.nc.request(f"{self.prefix}.{subject}", body, timeout=10, headers=headers)
        return json.loads(reply.data)  # type: ignore[no-any-return]

    async def ask(
        self, subject: str, body: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        return await self.raw(
            subject,
            json.dumps(body or {}).encode(),
            {k.replace("_", "-"): v for k, v in headers.items()} or None,
        )

    async def ok(
        self, subject: str, body: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        reply = await self.ask(subject, body, **headers)
        assert reply["ok"], reply
        check_reply(subject, reply["data"])
        return reply["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def client(nats_server: EmbeddedNatsServer, service_env: dict[str, str]) -> Any:
    nc = await nats.connect(nats_server.url)
    tokens = Tokens(Path(service_env["CALLBACKS_DATA_DIR"]))
    yield Client_(nc, service_env["CALLBACKS_PREFIX"], tokens)
    await nc.close()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
