"""HTTP in `callbacks serve`: every `/api` route answers exactly as its NATS subject.

One real service (embedded-style settings: SQLite, the test NATS, HTTP on a free port); each
case goes through NATS and through `POST /api/…` and the two envelopes are compared: the
same bytes for reads and refusals, the same envelope for writes once what legitimately
differs (the new callbacks' ids, log positions, times, the per-transport request values) is
masked. Also `/healthz`, `/metrics`, `/api/openapi.json` and a taken HTTP port."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import nats
import nats.errors
import pytest

from adapters.web.openapi import document
from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

# Who calls (one place: identity by headers today, by a token once that lands).
BOSS = {"Callbacks-Actor": "boss", "Callbacks-Role": "ADMIN"}
SUPERVISOR = {"Callbacks-Actor": "sv-han"}
MONITOR = {"Callbacks-Actor": "mon-yu", "Callbacks-Role": "MONITOR"}
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
        over_nats = await self.nats(subject, _via(body, "nats"), headers or {})
        status, over_http = await self.post(subject, _via(body, "http"), headers or {})
        assert over_nats["ok"] and status == 200, (subject, over_nats, over_http)
        assert _masked(over_http, "http") == _masked(over_nats, "nats"), (over_nats, over_http)
        return over_nats["data"], over_http["data"]


def _via(body: dict[str, Any], via: str) -> bytes:
    return json.dumps(body).replace("{via}", via).encode()


def _masked(value: Any, via: str) -> Any:
    if isinstance(value, dict):
        return {k: "<varies>" if k in _VARYING else _masked(v, via) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, via) for v in value]
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


async def test_every_case_answers_through_http_as_through_nats(both: Both) -> None:
    # The directory, through NATS only: both transports then act on the same agents.
    for agent_id in ("kim", "lee"):
        agent = {"agent_id": agent_id, "name": agent_id.title(), "permissions": ["call"]}
        assert (await both.nats("admin.agent-upsert", json.dumps(agent).encode(), BOSS))["ok"]

    # Writes: one callback per transport, taken through its life the same way.
    request = {"request_id": "par-{via}", "phone": "+82 10-7100-0001", "route": "r-{via}"}
    made = await both.alike("intake.request", request)
    ids = {"nats": made[0]["callback_id"], "http": made[1]["callback_id"]}
    assert ids["nats"] != ids["http"]

    def on_own(body: dict[str, Any]) -> dict[str, Any]:
        return {"callback_id": "{id}", **body}

    for subject, body, headers in [
        ("admin.assign", {"callback_ids": ["{id}"], "agent_ids": ["kim"]}, SUPERVISOR),
        ("agent.kim.dial", on_own({}), {}),
        ("agent.kim.dial-result", on_own({"outcome": "NO_ANSWER"}), {}),
        ("agent.kim.dial", on_own({}), {}),
        ("agent.kim.complete", on_own({}), {}),
    ]:
        nats_body = json.loads(json.dumps(body).replace("{id}", ids["nats"]))
        http_body = json.loads(json.dumps(body).replace("{id}", ids["http"]))
        over_nats = await both.nats(subject, json.dumps(nats_body).encode(), headers)
        status, over_http = await both.post(subject, json.dumps(http_body).encode(), headers)
        assert over_nats["ok"] and status == 200, (subject, over_nats, over_http)
        assert _masked(over_http, "http") == _masked(over_nats, "nats"), (over_nats, over_http)
    position = over_http["data"]["log_position"]

    # Reads of one state: the same bytes give the same envelope.
    for subject, body in [
        ("query.get", {"callback_id": ids["http"], "min_position": position}),
        ("query.history", {"callback_id": ids["nats"]}),
        ("query.list", {"route": "r-http"}),
        ("query.search", {"phone": "+82 10-7100-0001"}),
        ("query.assignment-summary", {"route": "r-nats"}),
        ("query.agent-counts", {}),
        ("query.treatment-rate", {"by": "month", "from": "2026-01-01", "to": "2027-12-31"}),
        ("agent.kim.list", {}),
        ("agent.kim.pending", {}),
    ]:
        status, reply = await both.same(subject, body)
        assert status == 200 and reply["ok"], (subject, reply)

    # Refusals: the same envelope, its code as the HTTP status.
    refusals: list[tuple[str, dict[str, Any] | bytes, dict[str, str], str, int]] = [
        ("intake.request", b"{not json", {}, "invalid_request", 400),
        (
            "intake.request",
            {"request_id": "x", "phone": "abc", "route": "r"},
            {},
            "invalid_request",
            400,
        ),
        ("query.list", {"colour": "red"}, {}, "invalid_request", 400),
        ("query.nope", {}, {}, "invalid_request", 400),  # an unknown verb of a family
        ("admin.create", {}, {}, "invalid_request", 400),  # no Callbacks-Actor
        ("admin.cancel", {"callback_ids": [ids["nats"]]}, MONITOR, "forbidden", 403),
        ("admin.agent-upsert", {"agent_id": "x", "name": "X"}, SUPERVISOR, "forbidden", 403),
        ("query.get", {"callback_id": str(uuid.uuid4())}, {}, "not_found", 404),
        ("agent.kim.dial", {"callback_id": ids["nats"]}, {}, "invalid_transition", 409),
    ]
    for subject, body, headers, code, http_status in refusals:
        status, reply = await both.same(subject, body, headers)
        assert (reply["ok"], reply["error"]["code"], status) == (False, code, http_status), (
            subject,
            reply,
        )


async def test_what_no_subject_answers_is_404_over_http_and_no_responders_over_nats(
    both: Both,
) -> None:
    for subject in ("intake.nope", "query.list.more", "agent.kim"):
        with pytest.raises(nats.errors.NoRespondersError):
            await both.nats(subject, b"{}", {})
        status, reply = await both.post(subject, b"{}", {})
        assert (status, reply["ok"], reply["error"]["code"]) == (404, False, "not_found")
    # A parameter that is no NATS token (a dot: more tokens) is no subject either.
    reply = await both.http.post("/api/agent/k.im/dial", content=b"{}")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    wrong_method = await both.http.get("/api/query/list")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "invalid_request"


async def test_header_names_in_any_case_and_a_body_over_the_limit(both: Both) -> None:
    # HTTP header names are case-insensitive: the caller is named however they are spelt.
    lower = {k.lower(): v for k, v in BOSS.items()}
    agent = {"agent_id": "choi", "name": "Choi"}
    status, reply = await both.post("admin.agent-upsert", json.dumps(agent).encode(), lower)
    assert (status, reply["ok"]) == (200, True), reply
    _, refused = await both.post("admin.agent-upsert", json.dumps(agent).encode(), {})
    assert refused["error"]["details"][0]["field"] == "(header Callbacks-Actor)", refused
    # NATS refuses such a message before sending it (max_payload); HTTP answers as the
    # table's parsing refuses a body over 1 MiB.
    status, reply = await both.post("query.list", b" " * (2 * 1024 * 1024), {})
    assert (status, reply["error"]["code"]) == (400, "invalid_request")
    assert reply["error"]["details"][0]["field"] == "(body)", reply


async def test_intake_submit_is_answered_by_the_streams_publish_ack_both_ways(
    both: Both,
) -> None:
    outcomes: list[dict[str, Any]] = []

    async def keep(msg: Any) -> None:
        outcomes.append(json.loads(msg.data))

    await both.nc.subscribe(f"{both.prefix}.notify.intake", cb=keep)
    body = {"request_id": "sub-{via}", "phone": "+82 10-7200-0001", "route": "submitted"}
    msg_id = {"Nats-Msg-Id": f"m-{uuid.uuid4().hex}"}
    over_nats = await both.nats("intake.submit", _via(body, "nats"), msg_id)
    status, over_http = await both.post("intake.submit", _via(body, "http"), {})
    assert status == 200 and set(over_http) == set(over_nats) == {"stream", "seq"}
    assert over_http["stream"] == over_nats["stream"] and over_http["seq"] > over_nats["seq"]
    # The same Nats-Msg-Id through HTTP: JetStream's dedup answers as it would on NATS.
    status, again = await both.post("intake.submit", _via(body, "nats"), msg_id)
    assert (status, again) == (200, {**over_nats, "duplicate": True})

    # What HTTP submitted became a callback, reported as the durable intake reports it.
    async def reported() -> bool:
        return any(o.get("request_id") == "sub-http" for o in outcomes)

    for _ in range(100):
        if await reported():
            break
        await anyio.sleep(0.05)
    assert await reported(), outcomes


async def test_every_subject_of_the_table_has_its_route_and_the_openapi_says_so(
    both: Both,
) -> None:
    from adapters.messaging.table import SUBJECTS

    served = (await both.http.get("/api/openapi.json")).json()
    assert served == json.loads(json.dumps(document(served["info"]["version"], both.prefix)))
    table = {"/api/" + s.pattern.replace(".", "/") for s in SUBJECTS}
    assert set(served["paths"]) == table  # and no route that is no subject of the table
    for path in sorted(table):
        concrete = path.replace("{agent_id}", "kim")
        reply = await both.http.post(concrete, content=b"{not json")
        assert "no subject answers" not in reply.text, path
        # A request subject answers with its envelope; intake.submit with the stream's ack.
        answered = reply.json()
        assert answered.get("ok") is False or set(answered) == {"stream", "seq"}, (path, answered)


async def test_healthz_and_metrics(both: Both) -> None:
    health = await both.http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    assert set(health.json()["checks"]) == {"accepting", "event_loop", "nats", "database"}
    await both.post("query.health", b"{}", {})
    metrics = await both.http.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    served = [
        line
        for line in metrics.text.splitlines()
        if line.startswith('callbacks_requests_total{subject="query.health"}')
    ]
    assert served and float(served[0].split()[-1]) >= 1, metrics.text[:2000]


def test_a_taken_http_port_is_one_line_naming_the_setting_and_exit_2(tmp_path: Path) -> None:
    env = service_environment(data_dir=str(tmp_path / "data"), embedded_nats_port="0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run(
            [sys.executable, "-m", "adapters.entrypoints.cli", "serve"],
            env={**env, "CALLBACKS_HTTP_PORT": str(port)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    lines = (ran.stdout + ran.stderr).strip().splitlines()
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert len(lines) == 1 and "CALLBACKS_HTTP_PORT" in lines[0] and str(port) in lines[0]
    assert "0 turns HTTP off" in lines[0] and "Traceback" not in ran.stderr
