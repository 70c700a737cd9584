"""HTTP beside NATS against one real `callbacks serve`: the same request both ways.

`served` starts one service per test module (SQLite, the test NATS, HTTP on a free port);
`both` sends a request through NATS and through `POST /api/…` and compares the envelopes.
Callers are named here once (identity by headers today, by a token once that lands)."""

from __future__ import annotations

import json
import re
import socket
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import nats
import pytest

from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from adapters.messaging.nats_server import EmbeddedNatsServer

# The callers of these tests: their `Authorization` headers, filled with tokens signed by
# the served service's key when `served` starts it (the same headers both ways).
BOSS: dict[str, str] = {}
SUPERVISOR: dict[str, str] = {}
MONITOR: dict[str, str] = {}
IVR: dict[str, str] = {}
KIM: dict[str, str] = {}
_CALLERS = (
    (BOSS, "boss", "ADMIN"),
    (SUPERVISOR, "sv-han", "SUPERVISOR"),
    (MONITOR, "mon-yu", "MONITOR"),
    (IVR, "ivr-1", "IVR"),
    (KIM, "kim", "AGENT"),
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})")
_VARYING = {"log_position", "views_position"}  # where each transport's write landed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(
    nats_server: EmbeddedNatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceProcess, str]]:
    tmp = tmp_path_factory.mktemp("http")
    port = free_port()
    env = service_environment(
        database_url=f"sqlite:///{tmp / 'events.sqlite'}",
        nats_url=nats_server.url,
        prefix=f"h{uuid.uuid4().hex[:10]}",
        data_dir=str(tmp / "data"),
        timezone="Asia/Seoul",
        http_port=str(port),
    )
    tokens = Tokens(tmp / "data")  # its key made before the service starts: both use it
    for headers, actor, role in _CALLERS:
        headers.update(tokens.headers(actor, role))
    service = ServiceProcess(env, tmp).start()
    yield service, f"http://127.0.0.1:{port}"
    service.kill()
    print(f"--- callbacks serve ({service.prefix}) ---\n{service.output()}")


class Both:
    """The same request through NATS and through HTTP."""

    def __init__(self, nc: nats.NATS, prefix: str, http: httpx.AsyncClient) -> None:
        self.nc, self.prefix, self.http = nc, prefix, http

    async def nats(self, subject: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        msg = await self.nc.request(
            f"{self.prefix}.{subject}", body, timeout=10, headers=headers or None
        )
        return json.loads(msg.data)  # type: ignore[no-any-return]

    async def post(
        self, subject: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        reply = await self.http.post(
            "/api/" + subject.replace(".", "/"), content=body, headers=headers
        )
        assert reply.headers["content-type"] == "application/json", reply.headers
        return reply.status_code, reply.json()

    async def same(
        self, subject: str, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Identical bytes both ways: identical envelopes (reads of one state, refusals)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        over_nats = await self.nats(subject, raw, headers or {})
        status, over_http = await self.post(subject, raw, headers or {})
        assert over_http == over_nats, (subject, over_nats, over_http)
        return status, over_http

    async def alike(
        self, subject: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A write, once per transport (`{via}` in a value: `nats` or `http`): the same
        envelope but for what each write legitimately made its own."""
        over_nats = await self.nats(subject, via(body, "nats"), headers or {})
        status, over_http = await self.post(subject, via(body, "http"), headers or {})
        assert over_nats["ok"] and status == 200, (subject, over_nats, over_http)
        assert masked(over_http, "http") == masked(over_nats, "nats"), (over_nats, over_http)
        return over_nats["data"], over_http["data"]


def via(body: dict[str, Any], via: str) -> bytes:
    return json.dumps(body).replace("{via}", via).encode()


def masked(value: Any, via: str) -> Any:
    if isinstance(value, dict):
        return {k: "<varies>" if k in _VARYING else masked(v, via) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, via) for v in value]
    if isinstance(value, str):
        return _TIME.sub("<time>", _UUID.sub("<id>", value.replace(via, "<via>")))
    return value


@pytest.fixture
async def both(served: tuple[ServiceProcess, str]) -> AsyncIterator[Both]:
    service, base = served
    nc = await nats.connect(service.url or "")
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        yield Both(nc, service.prefix, http)
    await nc.close()
