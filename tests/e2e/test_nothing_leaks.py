"""Property, against a real `callbacks serve`: for random sequences of commands and reads by
random callers (agents, IVRs, a supervisor and a monitor granted one route), no reply to
a caller ever contains the id, the phone number or the state of a callback that caller
may not see.

Who may see what is restated here from DOMAIN.md, independently of the service: an agent
the callbacks assigned to them, an IVR the callbacks it submitted, a route-limited
supervisor or monitor the callbacks of their route. The truth (each callback's agent at
that moment) is read as the administrator before and after each step."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ServiceProcess
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Iterator

    from nats.aio.client import Client

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e]

AGENTS = ("kim", "lee")
IVRS = ("ivr-1", "ivr-2")
LIMITED = {"sv-bill": "SUPERVISOR", "mon-bill": "MONITOR"}
ROUTES = ("billing", "tech")
CALLERS = (*AGENTS, *IVRS, *LIMITED)
VERBS = {
    "agent": ("dial", "dial-result", "complete", "finish", "list", "pending", "schedule"),
    "ivr": ("intake.cancel", "intake.abandon", "intake.request"),
    "sv-bill": (
        "admin.assign",
        "admin.unassign",
        "admin.cancel",
        "admin.reschedule",
        "admin.recreate",
        "query.get",
        "query.history",
        "query.list",
        "query.search",
    ),
    "mon-bill": ("query.get", "query.history", "query.list", "query.search"),
}
_n = itertools.count(1)


@dataclass
class Known:
    """Every callback made by the setup: who submitted it, its route and phone."""

    submitter: dict[str, str] = field(default_factory=dict)
    route: dict[str, str] = field(default_factory=dict)
    phone: dict[str, str] = field(default_factory=dict)  # as given (national format)
    request_id: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def service(
    nats_server: EmbeddedNatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    process = ServiceProcess.on_sqlite(tmp_path_factory.mktemp("leaks"), nats_server.url, "lk")
    yield process
    process.kill()


class Wire:
    def __init__(self, service: ServiceProcess, nc: Client) -> None:
        self.service, self.nc = service, nc
        self.tokens = Tokens(Path(service.env["CALLBACKS_DATA_DIR"]))

    def as_(self, caller: str) -> dict[str, str]:
        if caller in AGENTS:
            return self.tokens.headers(caller, "AGENT")
        if caller in IVRS:
            return self.tokens.headers(caller, "IVR")
        if caller in LIMITED:
            return self.tokens.headers(caller, LIMITED[caller])
        return self.tokens.headers("admin", "ADMIN")

    async def ask(self, tail: str, body: dict[str, Any], caller: str) -> dict[str, Any]:
        msg = await self.nc.request(
            f"{self.service.prefix}.{tail}",
            json.dumps(body).encode(),
            timeout=10,
            headers=self.as_(caller),
        )
        return json.loads(msg.data)  # type: ignore[no-any-return]

    async def agents_now(self) -> dict[str, str | None]:
        """Each callback's agent now, as the administrator reads it."""
        head = (await self.ask("query.health", {}, "admin"))["data"]["log_position"]
        page = await self.ask("query.list", {"page_size": 250, "min_position": head}, "admin")
        return {i["callback_id"]: i["agent"] for i in page["data"]["items"]}


def may_see(caller: str, callback: str, known: Known, agent: str | None) -> bool:
    if caller in AGENTS:
        return agent == caller
    if caller in IVRS:
        return known.submitter[callback] == caller
    return known.route[callback] == "billing"


async def setup(w: Wire, known: Known) -> None:
    for agent in AGENTS:
        await w.ask("admin.agent-upsert", {"agent_id": agent, "name": agent}, "admin")
    for user, role in LIMITED.items():
        body = {"user": user, "role": role, "routes": ["billing"]}
        await w.ask("admin.user-upsert", body, "admin")
    for ivr, route, agent in itertools.product(IVRS, ROUTES, (*AGENTS, None)):
        n = next(_n)
        request_id, phone = f"leak-{uuid.uuid4().hex[:8]}", f"010-5{n:03d}-{n:04d}"
        body = {"request_id": request_id, "phone": phone, "route": route}
        made = (await w.ask("intake.request", body, ivr))["data"]
        callback = made["callback_id"]
        known.submitter[callback], known.route[callback] = ivr, route
        known.phone[callback], known.request_id[callback] = phone, request_id
        if agent is not None:
            await w.ask("admin.assign", {"callback_ids": [callback], "agent_ids": [agent]}, "admin")


def body_for(verb: str, callback: str, known: Known, pick: int) -> dict[str, Any]:
    one = {"callback_id": callback}
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    bodies: dict[str, dict[str, Any]] = {
        "dial-result": {**one, "outcome": "BUSY"},
        "list": {"page_size": 250},
        "pending": {},
        "schedule": {
            # a probe: someone's request id, or someone's phone on their route
            "request_id": known.request_id[callback] if pick % 2 else f"own-{uuid.uuid4()}",
            "phone": known.phone[callback],
            "route": known.route[callback],
        },
        "intake.request": {
            "request_id": known.request_id[callback] if pick % 2 else f"ivr-{uuid.uuid4()}",
            "phone": known.phone[callback],
            "route": known.route[callback],
        },
        "admin.assign": {"callback_ids": [callback], "agent_ids": [AGENTS[pick % 2]]},
        "admin.unassign": {"callback_ids": [callback]},
        "admin.cancel": {"callback_ids": [callback]},
        "admin.reschedule": {**one, "desired_time": later},
        "query.list": {"page_size": 250},
        "query.search": {"phone": known.phone[callback]},
    }
    return bodies.get(verb, one)


def leaks(
    reply: dict[str, Any], sent: str, caller: str, known: Known, hidden: set[str]
) -> list[str]:
    """What the reply says of hidden callbacks, beyond what the caller itself has sent (a
    phone it gave may be on a callback of its own, made by its own `schedule`)."""
    text = json.dumps(reply)
    flat = text.replace("-", "").replace(" ", "")
    found = []
    for callback in hidden:
        digits = known.phone[callback].replace("-", "")[1:]  # 10-5nnn-nnnn without the 0
        if (callback in text and callback not in sent) or (
            digits in flat and known.phone[callback] not in sent
        ):
            found.append(f"{caller} got {known.request_id[callback]} ({callback}): {text[:400]}")
    return found


steps = st.lists(
    st.tuples(st.sampled_from(CALLERS), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_no_reply_reveals_a_callback_its_caller_may_not_see(
    service: ServiceProcess, nats_server: EmbeddedNatsServer, steps: list[tuple[str, int, int]]
) -> None:
    async def main() -> list[str]:
        nc = await nats.connect(nats_server.url)
        try:
            w, known = Wire(service, nc), Known()
            await setup(w, known)
            ids = sorted(known.submitter)
            problems: list[str] = []
            sent = dict.fromkeys(CALLERS, "")
            for caller, which, pick in steps:
                callback = ids[which % len(ids)]
                kind = "agent" if caller in AGENTS else "ivr" if caller in IVRS else caller
                verb = VERBS[kind][pick % len(VERBS[kind])]
                tail = f"agent.{caller}.{verb}" if kind == "agent" else verb
                before = await w.agents_now()
                asked = body_for(verb, callback, known, pick)
                sent[caller] += json.dumps(asked)
                reply = await w.ask(tail, asked, caller)
                after = await w.agents_now()
                hidden = {
                    c
                    for c in ids
                    if not may_see(caller, c, known, before.get(c))
                    and not may_see(caller, c, known, after.get(c))
                }
                problems += leaks(reply, sent[caller], caller, known, hidden)
                if callback in hidden and reply.get("ok") is False:  # no state revealed
                    code = reply["error"]["code"]
                    if code not in ("not_found", "forbidden", "invalid_request"):
                        problems.append(f"{caller} {tail} on a hidden callback: {reply}")
            return problems
        finally:
            await nc.close()

    assert asyncio.run(main()) == []
