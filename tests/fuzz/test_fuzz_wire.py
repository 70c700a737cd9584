"""Fuzzing every request subject of CONTRACT.md against a real `callbacks serve`.

Thousands of malformed and boundary payloads, generated with hypothesis from the JSON
Schemas in schemas/json (see strategies.py), are sent over NATS request/reply, many at a
time. Every one must be answered with an envelope whose error code CONTRACT.md documents,
the service must stay up and keep answering, and no refused payload may record anything.
The counts per subject are printed in the terminal summary (conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import nats
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from nats.errors import MaxPayloadError
from nats.errors import TimeoutError as NatsTimeout

from tests.e2e.conftest import ServiceProcess
from tests.e2e.reply_check import check_reply
from tests.fuzz import strategies
from tests.fuzz.report import REPORT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hypothesis.strategies import SearchStrategy
    from nats.aio.client import Client

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DOCUMENTED = {
    "invalid_request",
    "not_found",
    "invalid_transition",
    "forbidden",
    "conflict",
    "unavailable",
}
ADMIN = {"Callbacks-Actor": "root-fuzz", "Callbacks-Role": "ADMIN"}
SV = {"Callbacks-Actor": "sv-fuzz"}
INVALID_DRAWS = (
    20  # hypothesis examples per subject; each yields 20 refusals (strategies.invalid_cases)
)
BOUNDARY_DRAWS = 11  # ... each yields 10 boundary requests
CONCURRENCY = 200
BIG = 64 * 1024  # bodies above this go a few at a time (the service's pending-bytes limit)
TIMEOUT = 10.0


# ---------------------------------------------------------------- one service for the module
@pytest.fixture(scope="module")
def service(
    nats_server: EmbeddedNatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    # Fuzzing the payloads: callers named by headers (CALLBACKS_AUTH=off).
    process = ServiceProcess.on_sqlite(
        tmp_path_factory.mktemp("fuzz"), nats_server.url, "fz", auth="off"
    )
    yield process
    alive = process.proc is not None and process.proc.poll() is None
    process.kill()
    if not alive:
        print(f"--- callbacks serve ({process.prefix}) ---\n{process.output()[-20000:]}")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Wire:
    """Requests with per-request outcome: the decoded envelope, or why there was none."""

    def __init__(self, nc: Client, prefix: str) -> None:
        self.nc, self.prefix = nc, prefix

    async def reply(
        self,
        tail: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> dict[str, Any] | str:
        try:
            msg = await self.nc.request(
                f"{self.prefix}.{tail}", body, timeout=timeout, headers=headers
            )
        except NatsTimeout:
            return "no reply (timeout)"
        except MaxPayloadError:
            return "refused by the NATS client: over max_payload"
        except Exception as e:
            return f"{type(e).__name__}: {e}"
        try:
            decoded = json.loads(msg.data)
        except ValueError:
            return f"reply is not JSON: {msg.data[:200]!r}"
        return (
            decoded if isinstance(decoded, dict) else f"reply is not an object: {msg.data[:200]!r}"
        )

    async def ok(
        self, tail: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        reply = await self.reply(tail, json.dumps(body or {}).encode(), headers)
        assert isinstance(reply, dict) and reply.get("ok") is True, (tail, body, reply)
        return reply["data"]


async def connect(service: ServiceProcess, nats_url: str) -> tuple[Client, Wire]:
    nc = await nats.connect(nats_url, max_reconnect_attempts=0)
    return nc, Wire(nc, service.prefix)


def envelope_problem(reply: dict[str, Any] | str, *, must_refuse: bool) -> str | None:
    """What is wrong with a reply, if anything (CONTRACT.md "Replies")."""
    if isinstance(reply, str):
        return reply
    if reply.get("ok") is True:
        if must_refuse:
            return "accepted a payload that its schema rules out"
        return (
            None
            if isinstance(reply.get("data"), dict) and set(reply) == {"ok", "data"}
            else "malformed ok envelope"
        )
    if reply.get("ok") is not False or set(reply) != {"ok", "error"}:
        return "not an envelope"
    error = reply["error"]
    if not isinstance(error, dict) or not {"code", "message", "details"} <= set(error):
        return "malformed error"
    if error["code"] not in DOCUMENTED:
        return f"undocumented code {error['code']!r}"
    if not isinstance(error["message"], str) or not error["message"].strip():
        return "no message"
    if error["code"] == "invalid_request" and not error["details"]:
        return "invalid_request without details"
    return None


# ---------------------------------------------------------------- seeding
async def seed(wire: Wire) -> dict[str, Any]:
    """Agents and callbacks in every state, so that a payload that slipped through would act."""
    await wire.ok("admin.agent-upsert", {"agent_id": "kim", "name": "Kim", "teams": ["t1"]}, ADMIN)
    await wire.ok("admin.agent-upsert", {"agent_id": "lee", "name": "Lee", "teams": ["t1"]}, ADMIN)
    await wire.ok(
        "admin.agent-upsert",
        {"agent_id": "boss", "name": "Boss", "teams": ["t1"], "permissions": ["call", "assign"]},
        ADMIN,
    )
    await wire.ok("cti.presence.kim", {"logged_in": True})
    ids = [
        (
            await wire.ok(
                "intake.request",
                {"request_id": f"seed-{n}", "phone": f"+82 10-5550-{n:04d}", "route": "billing"},
            )
        )["callback_id"]
        for n in range(6)
    ]
    later = await wire.ok(
        "intake.request",
        {
            "request_id": "seed-later",
            "phone": "0299990000",
            "route": "billing",
            "desired_time": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        },
    )
    await wire.ok("admin.assign", {"callback_ids": ids[:4], "agent_ids": ["kim"]}, SV)
    await wire.ok("agent.kim.dial", {"callback_id": ids[0]})  # PROCESSING
    await wire.ok("agent.kim.finish", {"callback_id": ids[1]})  # COMPLETED
    return {"ids": [*ids, later["callback_id"]]}


async def snapshot(wire: Wire) -> dict[str, Any]:
    health = await wire.ok("query.health")
    listed = await wire.ok("query.list", {"min_position": health["log_position"], "page_size": 1})
    counts = await wire.ok("query.agent-counts")
    return {
        "log_position": health["log_position"],
        "total": listed["total"],
        "counts": sorted(
            (a["agent_id"], a["incomplete"], a["logged_in"]) for a in counts["agents"]
        ),
    }


# ---------------------------------------------------------------- generation and sending
def generate(strategy_of: Any, names: list[str], draws: int) -> list[strategies.Case]:
    """Runs hypothesis over each subject's strategy (generation only: nothing to shrink)."""
    cases: list[strategies.Case] = []
    for name in names:

        @settings(
            max_examples=draws,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy_of(name))
        def collect(batch: list[strategies.Case]) -> None:
            cases.extend(batch)

        collect()
    unique: dict[tuple[str, bytes, str], strategies.Case] = {}
    for case in cases:
        unique.setdefault((case.tail, case.body, json.dumps(case.headers, sort_keys=True)), case)
    return list(unique.values())


async def generate_and_send(
    wire: Wire,
    strategy_of: Any,
    names: list[str],
    draws: int,
    *,
    with_bodies: bool = False,
) -> tuple[list[tuple[strategies.Case, dict[str, Any] | str]], list[strategies.Case], float]:
    """Generates every subject's payloads, then sends them (generating in a thread meanwhile
    was slower: the GIL). Returns the replies, the intake.submit cases (sent separately:
    JetStream) and the seconds spent generating."""
    started = time.monotonic()
    cases = generate(strategy_of, names, draws)
    if with_bodies:
        for name in names:
            cases += run_strategy(strategies.body_cases(name))
    spent = time.monotonic() - started
    submitted = [c for c in cases if c.name == "intake.submit"]
    return await send_all(wire, [c for c in cases if c.name != "intake.submit"]), submitted, spent


def run_strategy(strategy: SearchStrategy[list[strategies.Case]]) -> list[strategies.Case]:
    found: list[strategies.Case] = []

    @settings(
        max_examples=1,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(batch: list[strategies.Case]) -> None:
        found.extend(batch)

    collect()
    return found


async def send_all(
    wire: Wire, cases: list[strategies.Case]
) -> list[tuple[strategies.Case, dict[str, Any] | str]]:
    small = [c for c in cases if len(c.body) <= BIG]
    big = [c for c in cases if len(c.body) > BIG]
    results: list[tuple[strategies.Case, dict[str, Any] | str]] = []

    async def one(case: strategies.Case) -> tuple[strategies.Case, dict[str, Any] | str]:
        return case, await wire.reply(case.tail, case.body, case.headers)

    for lane, size in ((small, CONCURRENCY), (big, 6)):
        for start in range(0, len(lane), size):
            results += await asyncio.gather(*(one(c) for c in lane[start : start + size]))
    return results


async def submit_all(nc: Client, prefix: str, cases: list[strategies.Case]) -> list[str]:
    """intake.submit is JetStream: the publish ack is the receipt, the outcome comes on
    notify.intake."""
    js = nc.jetstream(timeout=10)
    outcomes: list[dict[str, Any]] = []

    async def keep(msg: Any) -> None:
        outcomes.append(json.loads(msg.data))

    sub = await nc.subscribe(f"{prefix}.notify.intake", cb=keep)
    problems: list[str] = []
    sent = 0
    for start in range(0, len(cases), 100):
        acks = await asyncio.gather(
            *(
                js.publish(f"{prefix}.intake.submit", c.body, headers=c.headers)
                for c in cases[start : start + 100]
            ),
            return_exceptions=True,
        )
        for case, ack in zip(cases[start : start + 100], acks, strict=True):
            if isinstance(ack, BaseException):
                problems.append(f"{case.short()}: no publish ack ({ack!r})")
            else:
                sent += 1
    deadline = time.monotonic() + 30
    while len(outcomes) < sent and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await sub.unsubscribe()
    if len(outcomes) != sent:
        problems.append(
            f"intake.submit: {sent} acknowledged, {len(outcomes)} outcomes on notify.intake"
        )
    for outcome in outcomes:
        code = (outcome.get("error") or {}).get("code")
        REPORT.codes[code or "ok"] += 1
        if outcome.get("ok") is not False or code not in DOCUMENTED:
            problems.append(f"intake.submit outcome {outcome}")
    return problems


def check(results: list[tuple[strategies.Case, dict[str, Any] | str]], *, phase: str) -> list[str]:
    problems = []
    for case, reply in results:
        REPORT.sent(phase, case.name)
        if isinstance(reply, dict):
            code = (reply.get("error") or {}).get("code") if reply.get("ok") is False else "ok"
            REPORT.codes[str(code)] += 1
            if code not in DOCUMENTED and code != "ok":
                REPORT.undocumented += 1
        else:
            REPORT.unanswered += 1
        problem = envelope_problem(reply, must_refuse=case.invalid)
        if problem is None and isinstance(reply, dict) and reply.get("ok"):
            try:
                check_reply(case.tail, reply["data"])
            except AssertionError as e:
                problem = f"reply does not match its schema: {e}"
            except Exception as e:
                problem = f"reply does not match its schema: {str(e)[:300]}"
        if problem is not None:
            shown = reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)[:400]
            problems.append(f"{problem}: {case.short()} -> {shown}")
    return problems


def alive(service: ServiceProcess) -> bool:
    return service.proc is not None and service.proc.poll() is None


# ---------------------------------------------------------------- the tests
def test_every_invalid_payload_is_refused_with_a_documented_code_and_records_nothing(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    async def main() -> tuple[list[str], dict[str, Any], dict[str, Any], int]:
        nc, wire = await connect(service, nats_server.url)
        try:
            seeded = await seed(wire)
            strategies.set_known_ids(seeded["ids"])
            names = [n for n, _, _ in strategies.SUBJECTS]
            before = await snapshot(wire)
            started = time.monotonic()
            results, submitted, generated = await generate_and_send(
                wire, strategies.invalid_cases, names, INVALID_DRAWS, with_bodies=True
            )
            problems = check(results, phase="invalid")
            problems += await submit_all(nc, service.prefix, submitted)
            REPORT.sent("invalid", "intake.submit", len(submitted))
            elapsed = time.monotonic() - started
            cases = [c for c, _ in results] + submitted
            REPORT.notes.append(
                f"invalid phase: {len(cases)} payloads generated in {generated:.1f} s, "
                f"sent and answered in {elapsed - generated:.1f} s"
            )
            await asyncio.sleep(0.2)
            after = await snapshot(wire)
            return problems, before, after, len(cases) if elapsed else 0
        finally:
            await nc.close()

    problems, before, after, n = run(main())
    REPORT.recorded_by_invalid = after["log_position"] - before["log_position"]
    if not alive(service):
        REPORT.crashes += 1
    assert alive(service), "callbacks serve exited during the fuzz run"
    assert n >= 7000
    assert problems == [], f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:30])
    assert after == before, "an invalid payload recorded something"


def test_boundary_payloads_are_answered_with_an_envelope_and_a_documented_code(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    async def main() -> list[str]:
        nc, wire = await connect(service, nats_server.url)
        try:
            if not strategies.KNOWN_IDS:
                strategies.set_known_ids((await seed(wire))["ids"])
            names = [n for n, _, _ in strategies.SUBJECTS if n != "intake.submit"]
            started = time.monotonic()
            results, _, generated = await generate_and_send(
                wire, strategies.boundary_cases, names, BOUNDARY_DRAWS
            )
            REPORT.notes.append(
                f"boundary phase: {len(results)} payloads generated in {generated:.1f} s, "
                f"sent and answered in {time.monotonic() - started - generated:.1f} s"
            )
            problems = check(results, phase="boundary")
            health = await wire.reply("query.health", b"{}", timeout=5)
            if not (isinstance(health, dict) and health.get("ok")):
                problems.append(f"query.health after the boundary run: {health}")
            return problems
        finally:
            await nc.close()

    problems = run(main())
    if not alive(service):
        REPORT.crashes += 1
    assert alive(service), "callbacks serve exited during the fuzz run"
    assert problems == [], f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:30])
    if "invalid" in REPORT.phases:  # (not when run alone)
        total = sum(REPORT.phases["invalid"].values()) + sum(REPORT.phases["boundary"].values())
        assert total >= 10_000, f"only {total} payloads sent"


# ---------------------------------------------------------------- the limits, one by one
def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


BULK_LIMITS = [
    # (subject tail, body, headers, expected code or "ok")
    ("admin.assign", {"callback_ids": _ids(1000), "agent_ids": ["kim"]}, SV, "ok"),
    ("admin.assign", {"callback_ids": _ids(1001), "agent_ids": ["kim"]}, SV, "invalid_request"),
    ("admin.assign", {"callback_ids": _ids(25_000), "agent_ids": ["kim"]}, SV, "invalid_request"),
    (
        "admin.assign",
        {"callback_ids": _ids(1), "agent_ids": [f"a{i}" for i in range(500)], "method": "EQUAL"},
        SV,
        "not_found",
    ),  # (500 agents not in the directory)
    (
        "admin.assign",
        {"callback_ids": _ids(1), "agent_ids": [f"a{i}" for i in range(501)], "method": "EQUAL"},
        SV,
        "invalid_request",
    ),
    ("admin.unassign", {"callback_ids": _ids(1000)}, SV, "ok"),
    ("admin.unassign", {"callback_ids": _ids(1001)}, SV, "invalid_request"),
    ("admin.cancel", {"callback_ids": _ids(1000)}, SV, "ok"),
    ("admin.cancel", {"callback_ids": _ids(1001)}, SV, "invalid_request"),
    ("admin.cancel", {"callback_ids": _ids(26_000)}, SV, "invalid_request"),
    ("query.agent-counts", {"agent_ids": [f"a{i}" for i in range(500)]}, None, "ok"),
    ("query.agent-counts", {"agent_ids": [f"a{i}" for i in range(501)]}, None, "invalid_request"),
    ("query.list", {"page_size": 250}, None, "ok"),
    ("query.list", {"page_size": 251}, None, "invalid_request"),
    (
        "admin.agent-upsert",
        {"agent_id": "z", "name": "Z", "teams": [f"t{i}" for i in range(51)]},
        ADMIN,
        "invalid_request",
    ),
    ("query.health", {"min_position": 2**63 - 1}, None, "ok"),  # waits 2 s, then answers
    ("query.health", {"min_position": 2**63}, None, "invalid_request"),
]


def test_bulk_and_size_limits(service: ServiceProcess, nats_server: EmbeddedNatsServer) -> None:
    async def main() -> list[str]:
        nc, wire = await connect(service, nats_server.url)
        problems = []
        try:
            for (
                tail,
                body,
                headers,
                expected,
            ) in BULK_LIMITS:  # one at a time: the times mean something
                raw = json.dumps(body).encode()
                started = time.monotonic()
                reply = await wire.reply(tail, raw, headers)
                took = time.monotonic() - started
                REPORT.sent("limits", tail)
                code = (
                    reply
                    if isinstance(reply, str)
                    else ("ok" if reply.get("ok") else reply["error"]["code"])
                )
                REPORT.notes.append(
                    f"limit: {tail} {_describe(body)} ({len(raw)} B) -> {code} in {took:.2f} s"
                )
                if code != expected:
                    problems.append(
                        f"{tail} {_describe(body)}: expected {expected}, got {str(reply)[:300]}"
                    )
            # Over NATS's max_payload: the client refuses to send it; sent raw, the server
            # refuses it and closes that connection. The service never sees it.
            over = b"{" + b" " * (nc.max_payload + 1) + b"}"
            refused = await wire.reply("intake.request", over)
            REPORT.sent("limits", "intake.request")
            REPORT.notes.append(f"limit: a body over max_payload ({nc.max_payload} B) -> {refused}")
            if "max_payload" not in str(refused):
                problems.append(f"over max_payload: {refused}")
            server_said = await asyncio.to_thread(
                _raw_publish,
                nats_server.url,
                f"{service.prefix}.intake.request",
                nc.max_payload + 1,
            )
            REPORT.sent("limits", "intake.request")
            REPORT.notes.append(f"limit: the same sent raw -> nats-server answers {server_said!r}")
            if "maximum payload" not in server_said.lower():
                problems.append(f"raw over max_payload: server said {server_said!r}")
            health = await wire.reply("query.health", b"{}", timeout=5)
            if not (isinstance(health, dict) and health.get("ok")):
                problems.append(f"query.health afterwards: {health}")
        finally:
            await nc.close()
        return problems

    problems = run(main())
    assert alive(service)
    assert problems == []


def test_a_body_with_very_many_refused_fields_still_gets_a_reply(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    async def main() -> dict[str, Any] | str:
        nc, wire = await connect(service, nats_server.url)
        try:
            body = json.dumps({f"k{i}": 0 for i in range(20_000)}).encode()
            REPORT.sent("limits", "intake.request")
            return await wire.reply("intake.request", body, timeout=1)
        finally:
            await nc.close()

    reply = run(main())
    assert alive(service)
    assert envelope_problem(reply, must_refuse=True) is None, reply


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_very_deep_json_still_gets_a_reply(
    service: ServiceProcess, nats_server: EmbeddedNatsServer, depth: int
) -> None:
    async def main() -> dict[str, Any] | str:
        nc, wire = await connect(service, nats_server.url)
        try:
            REPORT.sent("limits", "query.list")
            return await wire.reply("query.list", ("[" * depth + "]" * depth).encode(), timeout=1)
        finally:
            await nc.close()

    reply = run(main())
    assert alive(service)
    assert envelope_problem(reply, must_refuse=True) is None, reply


def _describe(body: dict[str, Any]) -> str:
    return (
        "{"
        + ", ".join(
            f"{k}: [{len(v)} items]" if isinstance(v, list) else f"{k}: {v!r}"
            for k, v in body.items()
        )
        + "}"
    )


def _raw_publish(url: str, subject: str, size: int) -> str:
    """PUB of `size` bytes on a plain socket, past the client's own check; the server's answer."""
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.recv(4096)  # INFO
        sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n')
        sock.recv(4096)  # PONG
        sock.sendall(f"PUB {subject} {size}\r\n".encode() + b"x" * size + b"\r\n")
        answer = b""
        try:
            while b"\r\n" not in answer or answer.startswith(b"PONG"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer = answer.removeprefix(b"PONG\r\n") + chunk
        except OSError as e:
            return f"connection closed ({e})"
        return answer.decode(errors="replace").strip()


def test_invalid_utf8_and_odd_headers_do_not_break_the_service(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    """Header bytes no client library would send: invalid UTF-8, no colon, huge."""
    odd_headers = [
        b"NATS/1.0\r\nCallbacks-Actor: \xff\xfe\r\n\r\n",
        b"NATS/1.0\r\nCallbacks-Role: \xc3\x28\r\nCallbacks-Actor: sv\r\n\r\n",
        b"NATS/1.0\r\nno colon here\r\n\r\n",
        b"NATS/1.0\r\nCallbacks-Actor: " + b"a" * 60_000 + b"\r\n\r\n",
        b"NATS/1.0 503\r\n\r\n",
        b"NATS/1.0\r\nCallbacks-Actor: \x00\x01\r\n\r\n",
        b"NATS/1.0\r\nCallbacks-Actor: sv" + "\u200f\U0001f642".encode() + b"\r\n\r\n",
        # (the body below is JSON)
        b"NATS/1.0\r\nContent-Type: application/json\r\nCallbacks-Actor: sv\r\n\r\n",
        b"NATS/1.0\r\nContent-Type: text/plain\r\nCallbacks-Actor: sv\r\n\r\n",
    ]
    subjects = [
        f"{service.prefix}.admin.cancel",
        f"{service.prefix}.query.health",
        f"{service.prefix}.intake.request",
        f"{service.prefix}.agent.kim.pending",
    ]
    bodies = [b'{"callback_ids": []}', b"{oops", b"\xff\xfe", b'{"a":' * 200 + b"0" + b"}" * 200]
    answers = asyncio.run(
        asyncio.to_thread(
            _raw_requests,
            nats_server.url,
            [(s, h, b) for s in subjects for h in odd_headers for b in bodies],
        )
    )
    for subject in subjects:
        REPORT.sent(
            "headers",
            subject.split(".", 1)[1].replace("agent.kim.", "agent."),
            len(odd_headers) * len(bodies),
        )
    problems = []
    seen: Counter[str] = Counter()
    for (subject, header), answer in answers:
        seen[answer if isinstance(answer, str) else answer.get("error", {}).get("code", "ok")] += 1
        problem = envelope_problem(answer, must_refuse=False)
        if problem is not None:
            problems.append(f"{subject} {header[:60]!r}: {problem}")

    REPORT.notes.append(
        "raw odd headers (invalid UTF-8, no colon, 60 KB, status line, Content-Type) "
        f"x odd bodies: {dict(seen)}"
    )

    async def healthy() -> dict[str, Any] | str:
        nc, wire = await connect(service, nats_server.url)
        try:
            return await wire.reply("query.health", b"{}", timeout=5)
        finally:
            await nc.close()

    health = run(healthy())
    assert alive(service)
    assert isinstance(health, dict) and health.get("ok"), health
    assert problems == [], "\n".join(problems)


def _raw_requests(
    url: str, requests: list[tuple[str, bytes, bytes]]
) -> list[tuple[tuple[str, bytes], dict[str, Any] | str]]:
    """HPUB each request with a reply subject on a plain socket; each reply, or why none."""
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    inbox = f"_INBOX.raw{uuid.uuid4().hex[:8]}"
    replies: dict[int, dict[str, Any] | str] = {}
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.recv(4096)
        sock.sendall(
            b'CONNECT {"verbose":false,"pedantic":false,"protocol":1,'
            b'"headers":true,"no_responders":true}'
            b"\r\n" + f"SUB {inbox}.* 1\r\nPING\r\n".encode()
        )
        buffer = b""
        while b"PONG\r\n" not in buffer:
            buffer += sock.recv(4096)
        buffer = b""
        for n, (subject, header, body) in enumerate(requests):
            sock.sendall(
                f"HPUB {subject} {inbox}.{n} {len(header)} {len(header) + len(body)}\r\n".encode()
                + header
                + body
                + b"\r\n"
            )
        deadline = time.monotonic() + 15
        sock.settimeout(0.5)
        while len(replies) < len(requests) and time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            buffer += chunk
            buffer = _parse_raw(buffer, inbox, replies, sock)
    return [((s, h), replies.get(n, "no reply (timeout)")) for n, (s, h, _) in enumerate(requests)]


def _parse_raw(buffer: bytes, inbox: str, replies: dict[int, Any], sock: socket.socket) -> bytes:
    while b"\r\n" in buffer:
        line, rest = buffer.split(b"\r\n", 1)
        parts = line.decode(errors="replace").split()
        if not parts:
            buffer = rest
            continue
        if parts[0] == "PING":
            sock.sendall(b"PONG\r\n")
            buffer = rest
            continue
        if parts[0] in ("MSG", "HMSG"):
            total = int(parts[-1])
            header_len = int(parts[-2]) if parts[0] == "HMSG" else 0
            if len(rest) < total + 2:
                return buffer
            payload, buffer = rest[:total], rest[total + 2 :]
            header, data = payload[:header_len], payload[header_len:]
            n = int(parts[1].rsplit(".", 1)[1])
            if b"503" in header.split(b"\r\n", 1)[0]:
                replies[n] = "no responders"
                continue
            try:
                replies[n] = json.loads(data)
            except ValueError:
                replies[n] = f"reply is not JSON: {data[:100]!r}"
            continue
        buffer = rest  # +OK, -ERR, INFO, PONG
        if parts[0] == "-ERR":
            replies.setdefault(-1, line.decode(errors="replace"))
    return buffer
