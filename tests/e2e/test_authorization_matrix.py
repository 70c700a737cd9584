"""Every subject, every caller, own and other callback, granted and other route, against a real
`callbacks serve` on real NATS, each caller with its own signed token; the expected
outcomes are tests/e2e/authorization_table.py (written from DOMAIN.md, not the code).

A refused cell must record nothing. Cells whose expectation is the same for every target
are tried once; the others once per target (own / other, `billing` / `tech`)."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest

from adapters.messaging.table import SUBJECTS
from tests.e2e.authorization_table import CALLERS, EXPECTED, ROLES, expected
from tests.e2e.conftest import ServiceProcess
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from nats.aio.client import Client

    from adapters.messaging.nats_server import EmbeddedNatsServer

    # A payload builder: (scene, the caller's actor, own callback?, route) -> payload
    Build = Callable[["Scene", str, bool, str], Awaitable[tuple[str, dict[str, Any]]]]

pytestmark = [pytest.mark.e2e]

GRANTED, OTHER_ROUTE = "billing", "tech"
# The directory's users: the route-limited ones, and those who see every route.
USERS = {
    "adm-1": ("ADMIN", None),
    "sv-all": ("SUPERVISOR", None),
    "sv-bill": ("SUPERVISOR", [GRANTED]),
    "mon-all": ("MONITOR", None),
    "mon-bill": ("MONITOR", [GRANTED]),
}
AGENTS = {"kim": ["call"], "lee": ["call"], "boss": ["call", "assign"], "nocall": []}
_phones = itertools.count(1000)


@pytest.fixture(scope="module")
def service(
    nats_server: EmbeddedNatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    process = ServiceProcess.on_sqlite(tmp_path_factory.mktemp("authz"), nats_server.url, "az")

    async def directory() -> None:
        async with Scene(process, nats_server.url) as s:
            for agent_id, permissions in AGENTS.items():
                body = {"agent_id": agent_id, "name": agent_id, "permissions": permissions}
                await s.ok("admin.agent-upsert", body)
            for user, (role, routes) in USERS.items():
                await s.ok("admin.user-upsert", {"user": user, "role": role, "routes": routes})
            for route in (GRANTED, OTHER_ROUTE):  # registered: other routes are refused
                await s.ok("admin.route-upsert", _route(route))

    asyncio.run(directory())
    yield process
    process.kill()
    print(f"--- callbacks serve ({process.prefix}) ---\n{process.output()[-20000:]}")


class Scene:
    """One connection: sets the scene as the administrator (or an IVR, or an agent) and
    asks as any caller."""

    def __init__(self, service: ServiceProcess, url: str) -> None:
        self.service, self.url = service, url
        self.tokens = Tokens(Path(service.env["CALLBACKS_DATA_DIR"]))
        self.nc: Client | None = None

    async def __aenter__(self) -> Scene:
        self.nc = await nats.connect(self.url)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.nc is not None
        await self.nc.close()

    def headers(self, role: str) -> dict[str, str] | None:
        return None if role == "ANON" else self.tokens.headers(*CALLERS[role])

    async def ask(
        self, tail: str, body: dict[str, Any], headers: dict[str, str] | None
    ) -> dict[str, Any]:
        assert self.nc is not None
        msg = await self.nc.request(
            f"{self.service.prefix}.{tail}", json.dumps(body).encode(), timeout=10, headers=headers
        )
        return json.loads(msg.data)  # type: ignore[no-any-return]

    async def ok(self, tail: str, body: dict[str, Any], as_: tuple[str, str] | None = None) -> Any:
        headers = self.tokens.headers(*as_) if as_ else self.tokens.for_subject(tail)
        reply = await self.ask(tail, body, headers)
        assert reply.get("ok") is True, (tail, body, reply)
        return reply["data"]

    async def position(self) -> int:
        return int((await self.ok("query.health", {}))["log_position"])

    # -- callbacks in the states a verb needs, on a route, of an owner
    async def queued(self, route: str, ivr: str = "ivr-1") -> dict[str, str]:
        request_id = f"rq-{uuid.uuid4().hex[:12]}"
        body = {"request_id": request_id, "phone": phone(), "route": route}
        made = await self.ok("intake.request", body, (ivr, "IVR"))
        return {"callback_id": made["callback_id"], "request_id": request_id}

    async def routing(self, route: str, agent: str) -> str:
        made = (await self.queued(route))["callback_id"]
        await self.ok("admin.assign", {"callback_ids": [made], "agent_ids": [agent]})
        return made

    async def processing(self, route: str, agent: str) -> str:
        made = await self.routing(route, agent)
        await self.ok(f"agent.{agent}.dial", {"callback_id": made})
        return made

    async def scheduled(self, route: str, for_agent: str | None = None) -> str:
        body: dict[str, Any] = {
            "request_id": f"rq-{uuid.uuid4().hex[:12]}",
            "phone": phone(),
            "route": route,
            "desired_time": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        }
        if for_agent is None:
            return str((await self.ok("intake.request", body, ("ivr-1", "IVR")))["callback_id"])
        body["routing"] = {"agent": for_agent}
        return str((await self.ok("admin.create", body))["callback_id"])

    async def completed(self, route: str) -> str:
        made = (await self.queued(route))["callback_id"]
        await self.ok("admin.cancel", {"callback_ids": [made]})
        return made


def phone() -> str:
    return f"+82 10-4{next(_phones):04d}-0000"


def outcome(reply: dict[str, Any]) -> str:
    """ "ok", or the error code; a bulk reply's code is its one item's."""
    if not reply.get("ok"):
        return str(reply.get("error", {}).get("code"))
    data = reply["data"]
    for item in data.get("results", []):
        if not item["ok"]:
            return str(item["error"]["code"])
    for skipped in data.get("skipped", []):
        return str(skipped["reason"])
    return "ok"


def _agent_of(actor: str, own: bool) -> str:
    return actor if own and actor in AGENTS and AGENTS[actor] else "lee"


async def _new(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    body = {"request_id": f"new-{uuid.uuid4().hex[:12]}", "phone": phone(), "route": route}
    return "", body


async def _ivr_queued(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    ivr = actor if own and actor.startswith("ivr") else "ivr-2"
    return "", {"callback_id": (await s.queued(route, ivr))["callback_id"]}


async def _routing(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_id": await s.routing(route, _agent_of(actor, own))}


async def _processing(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_id": await s.processing(route, _agent_of(actor, own))}


async def _dialled(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    made = await s.processing(route, _agent_of(actor, own))
    return "", {"callback_id": made, "outcome": "NO_ANSWER"}


async def _to_assign(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    made = (await s.queued(route))["callback_id"]
    return "", {"callback_ids": [made], "agent_ids": ["lee"], "method": "MANUAL"}


async def _to_unassign(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_ids": [await s.routing(route, "lee")]}


async def _to_reschedule(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    return "", {"callback_id": await s.scheduled(route), "desired_time": later}


async def _to_cancel(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_ids": [(await s.queued(route))["callback_id"]]}


async def _to_recreate(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_id": await s.completed(route)}


async def _own_scheduled(s: Scene, actor: str, own: bool, route: str) -> str:
    """A scheduled callback routed to the caller (own) or to lee."""
    return await s.scheduled(route, for_agent=_agent_of(actor, own))


async def _own_reschedule(
    s: Scene, actor: str, own: bool, route: str
) -> tuple[str, dict[str, Any]]:
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    return "", {"callback_id": await _own_scheduled(s, actor, own, route), "desired_time": later}


async def _own_cancel(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_ids": [await _own_scheduled(s, actor, own, route)]}


async def _own_call_now(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_id": await _own_scheduled(s, actor, own, route)}


async def _one(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"callback_id": (await s.queued(route))["callback_id"]}


async def _nothing(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {}


async def _agent_upsert(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"agent_id": f"new-{uuid.uuid4().hex[:8]}", "name": "New"}


async def _user_upsert(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"user": f"mon-{uuid.uuid4().hex[:8]}", "role": "MONITOR"}


async def _password(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"user": actor if own else "lee", "password": "a new password"}


async def _search(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"request_id": (await s.queued(route))["request_id"]}


async def _rate(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    today = datetime.now(UTC).date()
    return "", {"from": str(today - timedelta(days=1)), "to": str(today), "by": "day"}


def _route(route: str) -> dict[str, Any]:
    # Seats enough for every scheduled callback the matrix makes (they share a slot).
    return {"route": route, "name": route.title(), "slot_capacity": 100_000}


async def _route_upsert(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", _route(route)


async def _hours(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    always = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return "", {"route": route, "weekly": always}


async def _slots(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    now = datetime.now(UTC)
    return "", {
        "route": route,
        "from": now.isoformat(),
        "to": (now + timedelta(hours=2)).isoformat(),
    }


async def _presence(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"logged_in": True}


SMS_SENDER, SMS_CATEGORY = "15881234", "az-notice"


async def _sms_set_up(s: Scene) -> None:
    """A sender and a second-level category, once per service (upserts are idempotent)."""
    await s.ok("admin.sms.sender-upsert", {"number": SMS_SENDER, "label": "main"})
    await s.ok("admin.sms.category-upsert", {"category_id": "az-top", "name": "Top"})
    body = {"category_id": SMS_CATEGORY, "name": "Notice", "parent_id": "az-top"}
    await s.ok("admin.sms.category-upsert", body)


def _sms_template(template_id: str) -> dict[str, Any]:
    return {
        "template_id": template_id,
        "category_id": SMS_CATEGORY,
        "type": "SMS",
        "name": "Reminder",
        "sender": SMS_SENDER,
        "body": "곧 연락드리겠습니다.",
    }


async def _sms_sender(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"number": f"0212{uuid.uuid4().int % 10**6:06d}", "label": "line"}


async def _sms_category(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    return "", {"category_id": f"c-{uuid.uuid4().hex[:8]}", "name": "New"}


async def _sms_template_new(
    s: Scene, actor: str, own: bool, route: str
) -> tuple[str, dict[str, Any]]:
    await _sms_set_up(s)
    return "", _sms_template(f"t-{uuid.uuid4().hex[:8]}")


async def _sms_delete(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    _, body = await _sms_template_new(s, actor, own, route)
    await s.ok("admin.sms.template-upsert", body)
    return "", {"template_ids": [body["template_id"]]}


async def _sms_send(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    """A send for a callback of the caller's (own) or lee's, on `route`."""
    await _sms_set_up(s)
    await s.ok("admin.sms.template-upsert", _sms_template("az-send"))
    return "", {
        "template_id": "az-send",
        "type": "SMS",
        "sender": SMS_SENDER,
        "recipients": "01012345678",
        "body": _sms_template("az-send")["body"],
        "callback_id": await s.routing(route, _agent_of(actor, own)),
    }


async def _sms_cancel(s: Scene, actor: str, own: bool, route: str) -> tuple[str, dict[str, Any]]:
    """A reserved message the calling agent sent about their own callback (own), else
    one a supervisor sent (an agent's or assigner's cancel skips it as `not_found`)."""
    _, body = await _sms_send(s, actor, own, route)
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body["reserve_at"] = later
    sender = (actor, "AGENT") if own and AGENTS.get(actor) else ("sv-all", "SUPERVISOR")
    sent = await s.ok("admin.sms.send", body, sender)
    return "", {"message_ids": [sent["messages"][0]["message_id"]]}


PAYLOADS: dict[str, Build] = {
    "intake.request": _new,
    "intake.cancel": _ivr_queued,
    "intake.abandon": _ivr_queued,
    "intake.slots": _slots,
    "agent.schedule": _new,
    "agent.dial": _routing,
    "agent.dial-result": _dialled,
    "agent.complete": _processing,
    "agent.finish": _routing,
    "agent.list": _nothing,
    "agent.pending": _nothing,
    "agent.upcoming": _nothing,
    "agent.reschedule": _own_reschedule,
    "agent.cancel": _own_cancel,
    "agent.call-now": _own_call_now,
    "agent.accept": _routing,
    "agent.reject": _routing,
    "admin.create": _new,
    "admin.assign": _to_assign,
    "admin.unassign": _to_unassign,
    "admin.reschedule": _to_reschedule,
    "admin.cancel": _to_cancel,
    "admin.recreate": _to_recreate,
    "admin.agent-upsert": _agent_upsert,
    "admin.user-upsert": _user_upsert,
    "admin.route-upsert": _route_upsert,
    "admin.hours-set": _hours,
    "admin.password-set": _password,
    "auth.whoami": _nothing,
    "query.health": _nothing,
    "query.get": _one,
    "query.history": _one,
    "query.list": _nothing,
    "query.search": _search,
    "query.assignment-summary": _nothing,
    "query.agent-counts": _nothing,
    "query.treatment-rate": _rate,
    "query.routes": _nothing,
    "query.slots": _slots,
    "cti.presence": _presence,
    "admin.sms.sender-upsert": _sms_sender,
    "admin.sms.category-upsert": _sms_category,
    "admin.sms.template-upsert": _sms_template_new,
    "admin.sms.template-delete": _sms_delete,
    "query.sms.templates": _nothing,
    "admin.sms.send": _sms_send,
    "admin.sms.cancel": _sms_cancel,
    "query.sms.messages": _nothing,
}


def tail_of(subject: str, role: str) -> str:
    family, _, verb = subject.partition(".")
    if family == "agent":  # an agent's own subjects; anyone else tries kim's
        actor = CALLERS.get(role, ("kim", ""))[0]
        return f"agent.{actor if actor in AGENTS else 'kim'}.{verb}"
    if family == "cti":
        return "cti.presence.kim"
    return subject


def targets(subject: str, role: str) -> list[tuple[bool, bool]]:
    """(own?, granted route?) to try: all four where the table says they differ."""
    if "?" not in EXPECTED[subject][role]:
        return [(True, True)]
    return [(own, granted) for own in (True, False) for granted in (True, False)]


async def _cell(s: Scene, subject: str, role: str, own: bool, granted: bool) -> str | None:
    actor = CALLERS.get(role, ("nobody", ""))[0]
    route = GRANTED if granted else OTHER_ROUTE
    _, body = await PAYLOADS[subject](s, actor, own, route)
    before = await s.position()
    reply = await s.ask(tail_of(subject, role), body, s.headers(role))
    after = await s.position()
    got, want = outcome(reply), expected(subject, role, own=own, granted=granted)
    where = f"{role} on {subject} ({'own' if own else 'other'}, {route})"
    if got != want:
        return f"{where}: expected {want}, got {reply}"
    if want != "ok" and after != before:
        return f"{where}: refused ({got}) but recorded {after - before} event(s)"
    return None


def test_every_subject_for_every_caller_and_target(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    assert set(PAYLOADS) == set(EXPECTED)
    # Every subject the service answers (auth.login takes no token: tests/e2e/test_identity).
    answered = {subject.name for subject in SUBJECTS if subject.handler is not None}
    assert set(EXPECTED) == answered - {"auth.login"}

    async def main() -> tuple[int, list[str]]:
        problems, tried = [], 0
        async with Scene(service, nats_server.url) as s:
            for subject in EXPECTED:
                for role in ROLES:
                    for own, granted in targets(subject, role):
                        tried += 1
                        problem = await _cell(s, subject, role, own, granted)
                        if problem is not None:
                            problems.append(problem)
        return tried, problems

    tried, problems = asyncio.run(main())
    assert problems == [], f"{len(problems)} of {tried} cells:\n" + "\n".join(problems)
    assert tried >= 390  # every subject, caller and differing target
