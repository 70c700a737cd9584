"""`callbacks health`: ready means the service answers `query.health` over NATS (or, with
`--process`, that the process on this host answers its /health)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import nats


async def _quiet(_: Exception) -> None:
    """nats-py would log each failed connection attempt; the verdict says it once."""


async def check(
    servers: list[str],
    prefix: str,
    timeout: float = 5.0,
    headers: dict[str, str] | None = None,
    **auth: str,
) -> tuple[bool, str]:
    """(ready?, what to print): asks `{prefix}.query.health` once, within `timeout`, with
    `headers` (a token). Answering `unauthenticated` is answering: ready, said so."""
    try:
        return await asyncio.wait_for(
            _ask(servers, prefix, timeout, auth, headers), timeout=timeout
        )
    except TimeoutError:
        return False, f"no answer from {prefix}.query.health within {timeout:g} s"


async def _ask(
    servers: list[str],
    prefix: str,
    timeout: float,
    auth: dict[str, str],
    headers: dict[str, str] | None,
) -> tuple[bool, str]:
    try:
        nc = await nats.connect(
            servers=servers,
            name="callbacks-health",
            connect_timeout=max(0.5, timeout / 2),
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,
            error_cb=_quiet,
            **auth,
        )  # 0 attempts would loop forever in nats-py
    except Exception as e:
        return False, f"cannot connect to NATS: {type(e).__name__}: {e}"
    try:
        reply = await nc.request(f"{prefix}.query.health", b"{}", timeout=timeout, headers=headers)
    except Exception as e:
        return False, f"{prefix}.query.health: {type(e).__name__}: {e}".rstrip(": ")
    finally:
        await nc.close()
    try:
        body: dict[str, Any] = json.loads(reply.data)
    except ValueError:
        return False, f"{prefix}.query.health answered something that is not JSON"
    if body.get("ok") and (body.get("data") or {}).get("status") == "ok":
        return True, json.dumps(body["data"], separators=(",", ":"))
    if (body.get("error") or {}).get("code") == "unauthenticated":
        return True, "answering (give CALLBACKS_SIGNING_KEYS_FILE to read its health)"
    return False, json.dumps(body.get("error") or body, separators=(",", ":"))


def check_process(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """(ready?, what to print): one process's `GET /health` (see process_health.py)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return True, response.read().decode()
    except urllib.error.HTTPError as e:  # 503: the body says which check failed
        return False, e.read().decode() or f"{url}: HTTP {e.code}"
    except OSError as e:
        return False, f"{url}: {type(e).__name__}: {e}"
