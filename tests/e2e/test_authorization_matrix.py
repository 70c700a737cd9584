"""Every (role, subject/verb) pair of CONTRACT.md against a real `callbacks serve`.

The table below is derived from CONTRACT.md's "Who may publish where" (and DOMAIN.md's
vocabulary), not from src/callback_domain/permissions.py:

| subject | allowed roles |
|---|---|
| intake.request (+ the additions intake.cancel / intake.abandon) | IVR |
| agent.{own id}.{verb}, every verb | AGENT (that agent only) |
| admin.create, .assign, .unassign | ADMIN, SUPERVISOR, ASSIGNER (agents with assign permission) |
| admin.reschedule, admin.cancel, admin.recreate | ADMIN, SUPERVISOR |
| admin.agent-upsert | ADMIN |
| query.{name}, every name | "monitors and above": ADMIN, SUPERVISOR, ASSIGNER, MONITOR |

Where CONTRACT.md's row is broader than this table (its admin.* row names supervisors and
agents with assign permission without splitting the verbs), the narrower reading follows
the sample NATS permissions (deploy/nats/permissions.conf: an assigner publishes only
admin.assign / admin.unassign) and the README ("an administrator registers agents"); the
disagreement is reported, not hidden.

How each role is expressed on the wire (the service takes identity from the subject and
the `Callbacks-Actor` / `Callbacks-Role` headers; NATS permissions decide who may publish
where, see test_permissions_config.py):

| role | intake.* | agent.{id}.* | admin.* | query.* |
|---|---|---|---|---|
| IVR | (the subject) | - | Role: IVR | Role: IVR |
| AGENT | - | the subject's id | Actor: a directory agent without `assign` | Role: AGENT |
| ASSIGNER | - | - | Actor: a directory agent with `assign` | Role: ASSIGNER |
| SUPERVISOR | - | - | Actor + Role: SUPERVISOR (the default) | Role: SUPERVISOR |
| ADMIN | - | - | Actor + Role: ADMIN | Role: ADMIN |
| MONITOR | - | - | Role: MONITOR | no header (the default), or Role: MONITOR |

"-" cells cannot be expressed to the service at all (the subject itself names the role):
only NATS permissions keep those callers out, and test_permissions_config.py checks them.
Allowed cells must work; every other cell must answer `forbidden` and record nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import nats
import pytest

from tests.e2e.conftest import ServiceProcess
from tests.e2e.reply_check import check_reply

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from nats.aio.client import Client

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e]

ROLES = ["ADMIN", "SUPERVISOR", "ASSIGNER", "AGENT", "MONITOR", "IVR"]
ADMIN_VERBS = ["create", "assign", "unassign", "reschedule", "cancel", "recreate", "agent-upsert"]
AGENT_VERBS = ["schedule", "dial", "dial-result", "complete", "finish", "list", "pending"]
QUERY_NAMES = [
    "health",
    "get",
    "list",
    "search",
    "history",
    "assignment-summary",
    "agent-counts",
    "treatment-rate",
]
INTAKE_VERBS = ["request", "cancel", "abandon"]
READERS = {"ADMIN", "SUPERVISOR", "ASSIGNER", "MONITOR"}

ALLOWED: dict[str, set[str]] = {
    **{f"intake.{v}": {"IVR"} for v in INTAKE_VERBS},
    **{f"agent.{v}": {"AGENT"} for v in AGENT_VERBS},
    "admin.create": {"ADMIN", "SUPERVISOR", "ASSIGNER"},
    "admin.assign": {"ADMIN", "SUPERVISOR", "ASSIGNER"},
    "admin.unassign": {"ADMIN", "SUPERVISOR", "ASSIGNER"},
    "admin.reschedule": {"ADMIN", "SUPERVISOR"},
    "admin.cancel": {"ADMIN", "SUPERVISOR"},
    "admin.recreate": {"ADMIN", "SUPERVISOR"},
    "admin.agent-upsert": {"ADMIN"},
    **{f"query.{n}": READERS for n in QUERY_NAMES},
}

ME = "kim"  # the agent of the AGENT role: may take callbacks, may not assign
OTHER = "lee"  # another agent
ASSIGNER = "boss"  # an agent with the assign permission
BOSS = {"Callbacks-Actor": "adm-root", "Callbacks-Role": "ADMIN"}  # sets the scene

# Known disagreements with CONTRACT.md (strict xfail: add an entry only with a reason).
KNOWN: dict[tuple[str, str], str] = {}


def wire(role: str, family: str) -> tuple[str | None, dict[str, str] | None] | None:
    """(the agent id of the subject, headers) that say `role` on `family`; None: cannot be said."""
    if family == "intake":
        return (None, None) if role == "IVR" else None
    if family == "agent":
        return (ME, None) if role == "AGENT" else None
    if family == "admin":
        return None, {
            "ADMIN": {"Callbacks-Actor": "adm-1", "Callbacks-Role": "ADMIN"},
            "SUPERVISOR": {"Callbacks-Actor": "sv-1", "Callbacks-Role": "SUPERVISOR"},
            "ASSIGNER": {"Callbacks-Actor": ASSIGNER},
            "AGENT": {"Callbacks-Actor": ME},
            "MONITOR": {"Callbacks-Actor": "mon-1", "Callbacks-Role": "MONITOR"},
            "IVR": {"Callbacks-Actor": "ivr-1", "Callbacks-Role": "IVR"},
        }[role]
    return None, (None if role == "MONITOR" else {"Callbacks-Role": role})


# ---------------------------------------------------------------- one service for the module
@pytest.fixture(scope="module")
def service(
    nats_server: EmbeddedNatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    process = ServiceProcess.on_sqlite(tmp_path_factory.mktemp("authz"), nats_server.url, "az")

    async def directory() -> None:
        async with Scene(process, nats_server.url) as s:
            await s.ok("admin.agent-upsert", {"agent_id": ME, "name": "Kim", "teams": ["t1"]}, BOSS)
            await s.ok(
                "admin.agent-upsert", {"agent_id": OTHER, "name": "Lee", "teams": ["t1"]}, BOSS
            )
            await s.ok(
                "admin.agent-upsert",
                {
                    "agent_id": ASSIGNER,
                    "name": "Boss",
                    "teams": ["t1"],
                    "permissions": ["call", "assign"],
                },
                BOSS,
            )

    asyncio.run(directory())
    yield process
    process.kill()
    print(f"--- callbacks serve ({process.prefix}) ---\n{process.output()[-20000:]}")


_phones = itertools.count(1000)


class Scene:
    """A connection that sets the scene (as ADMIN / IVR / the agents) and asks."""

    def __init__(self, service: ServiceProcess, url: str) -> None:
        self.service, self.url = service, url
        self.nc: Client | None = None

    async def __aenter__(self) -> Scene:
        self.nc = await nats.connect(self.url)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.nc is not None
        await self.nc.close()

    async def ask(
        self, tail: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        assert self.nc is not None
        msg = await self.nc.request(
            f"{self.service.prefix}.{tail}", json.dumps(body).encode(), timeout=10, headers=headers
        )
        return json.loads(msg.data)  # type: ignore[no-any-return]

    async def ok(
        self, tail: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        reply = await self.ask(tail, body, headers)
        assert reply.get("ok") is True, (tail, body, reply)
        return reply["data"]  # type: ignore[no-any-return]

    async def position(self) -> int:
        return int((await self.ok("query.health", {}))["log_position"])

    # -- callbacks in the states a verb needs
    async def queued(self) -> dict[str, str]:
        request_id = f"rq-{uuid.uuid4().hex[:12]}"
        made = await self.ok(
            "intake.request",
            {
                "request_id": request_id,
                "phone": f"+82 10-4{next(_phones):04d}-0000",
                "route": "billing",
            },
        )
        return {"callback_id": made["callback_id"], "request_id": request_id}

    async def scheduled(self) -> dict[str, str]:
        made = await self.ok(
            "intake.request",
            {
                "request_id": f"rq-{uuid.uuid4().hex[:12]}",
                "phone": f"+82 10-5{next(_phones):04d}-0000",
                "route": "billing",
                "desired_time": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            },
        )
        return {"callback_id": made["callback_id"]}

    async def routing(self, agent: str = ME) -> dict[str, str]:
        made = await self.queued()
        await self.ok(
            "admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": [agent]}, BOSS
        )
        return made

    async def processing(self, agent: str = ME) -> dict[str, str]:
        made = await self.routing(agent)
        await self.ok(f"agent.{agent}.dial", {"callback_id": made["callback_id"]})
        return made

    async def completed(self) -> dict[str, str]:
        made = await self.queued()
        await self.ok("admin.cancel", {"callback_ids": [made["callback_id"]]}, BOSS)
        return made


def _intake_fields() -> dict[str, Any]:
    return {
        "request_id": f"new-{uuid.uuid4().hex[:12]}",
        "phone": f"+82 10-6{next(_phones):04d}-0000",
        "route": "billing",
    }


# The payload of each verb, after setting the scene it needs to succeed.
PAYLOADS: dict[str, Callable[[Scene], Awaitable[dict[str, Any]]]] = {}


def payload(*names: str) -> Callable[[Callable[[Scene], Awaitable[dict[str, Any]]]], Any]:
    def register(fn: Callable[[Scene], Awaitable[dict[str, Any]]]) -> Any:
        for name in names:
            PAYLOADS[name] = fn
        return fn

    return register


@payload("intake.request", "admin.create", "agent.schedule")
async def _new(s: Scene) -> dict[str, Any]:
    return _intake_fields()


@payload("intake.cancel", "intake.abandon")
async def _a_queued(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.queued())["callback_id"]}


@payload("admin.assign")
async def _to_assign(s: Scene) -> dict[str, Any]:
    return {
        "callback_ids": [(await s.queued())["callback_id"]],
        "agent_ids": [OTHER],
        "method": "MANUAL",
    }


@payload("admin.unassign")
async def _to_unassign(s: Scene) -> dict[str, Any]:
    return {"callback_ids": [(await s.routing(OTHER))["callback_id"]]}


@payload("admin.reschedule")
async def _to_reschedule(s: Scene) -> dict[str, Any]:
    return {
        "callback_id": (await s.scheduled())["callback_id"],
        "desired_time": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }


@payload("admin.cancel")
async def _to_cancel(s: Scene) -> dict[str, Any]:
    return {"callback_ids": [(await s.queued())["callback_id"]]}


@payload("admin.recreate")
async def _to_recreate(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.completed())["callback_id"]}


@payload("admin.agent-upsert")
async def _to_upsert(s: Scene) -> dict[str, Any]:
    return {
        "agent_id": f"new-{uuid.uuid4().hex[:8]}",
        "name": "New",
        "teams": ["t1"],
        "permissions": ["call"],
    }


@payload("agent.dial", "agent.finish")
async def _mine_routing(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.routing(ME))["callback_id"]}


@payload("agent.dial-result")
async def _mine_dialing(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.processing(ME))["callback_id"], "outcome": "NO_ANSWER"}


@payload("agent.complete")
async def _mine_talking(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.processing(ME))["callback_id"]}


@payload(
    "agent.list",
    "agent.pending",
    "query.health",
    "query.list",
    "query.assignment-summary",
    "query.agent-counts",
)
async def _nothing(s: Scene) -> dict[str, Any]:
    return {}


@payload("query.get", "query.history")
async def _one(s: Scene) -> dict[str, Any]:
    return {"callback_id": (await s.queued())["callback_id"]}


@payload("query.search")
async def _search(s: Scene) -> dict[str, Any]:
    return {"request_id": (await s.queued())["request_id"]}


@payload("query.treatment-rate")
async def _rate(s: Scene) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "from": str(today - timedelta(days=1)),
        "to": str(today + timedelta(days=1)),
        "by": "day",
    }


def _cells() -> list[Any]:
    cells = []
    for family, verbs in (
        ("intake", INTAKE_VERBS),
        ("agent", AGENT_VERBS),
        ("admin", ADMIN_VERBS),
        ("query", QUERY_NAMES),
    ):
        for verb in verbs:
            for role in ROLES:
                name = f"{family}.{verb}"
                if wire(role, family) is None:
                    continue  # only NATS permissions can refuse it: test_permissions_config.py
                allowed = role in ALLOWED[name]
                known = KNOWN.get((role, family))
                marks = (
                    [pytest.mark.xfail(strict=True, reason=f"CONTRACT disagreement: {known}")]
                    if known
                    else []
                )
                cells.append(
                    pytest.param(
                        role,
                        family,
                        verb,
                        allowed,
                        marks=marks,
                        id=f"{role}-{name}-{'allowed' if allowed else 'forbidden'}",
                    )
                )
    return cells


@pytest.mark.parametrize(("role", "family", "verb", "allowed"), _cells())
def test_role_on_subject(
    service: ServiceProcess,
    nats_server: EmbeddedNatsServer,
    role: str,
    family: str,
    verb: str,
    allowed: bool,
) -> None:
    name = f"{family}.{verb}"
    agent_id, headers = wire(role, family)  # type: ignore[misc]
    tail = f"agent.{agent_id}.{verb}" if family == "agent" else name

    async def main() -> tuple[dict[str, Any], int, int]:
        async with Scene(service, nats_server.url) as s:
            body = await PAYLOADS[name](s)
            before = await s.position()
            reply = await s.ask(tail, body, headers)
            await asyncio.sleep(0.05)
            return reply, before, await s.position()

    reply, before, after = asyncio.run(main())
    if allowed:
        assert reply.get("ok") is True, f"{role} may use {name} (CONTRACT.md) but got {reply}"
        check_reply(tail, reply["data"])
        return
    assert after == before, f"{role} on {name} was refused but recorded {after - before} event(s)"
    assert reply.get("ok") is False, (
        f"{role} may not use {name} (CONTRACT.md) but it worked: {reply}"
    )
    assert reply["error"]["code"] == "forbidden", (
        f"{role} on {name}: expected forbidden, got {reply}"
    )


def test_an_agent_never_changes_another_agents_callback(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    async def main() -> list[str]:
        problems = []
        async with Scene(service, nats_server.url) as s:
            routing = (await s.routing(OTHER))["callback_id"]
            talking = (await s.processing(OTHER))["callback_id"]
            attempts = [
                ("dial", {"callback_id": routing}),
                ("finish", {"callback_id": routing}),
                ("dial-result", {"callback_id": talking, "outcome": "BUSY"}),
                ("complete", {"callback_id": talking}),
                ("finish", {"callback_id": talking}),
            ]
            for verb, body in attempts:
                before = await s.position()
                reply = await s.ask(f"agent.{ME}.{verb}", body)
                after = await s.position()
                if reply.get("ok") is not False or reply["error"]["code"] not in (
                    "forbidden",
                    "not_found",
                ):
                    problems.append(f"agent.{ME}.{verb} on {OTHER}'s callback: {reply}")
                if after != before:
                    problems.append(
                        f"agent.{ME}.{verb} on {OTHER}'s callback recorded "
                        f"{after - before} event(s)"
                    )
            for callback_id, state in ((routing, "ROUTING"), (talking, "PROCESSING")):
                seen = await s.ok(
                    "query.get", {"callback_id": callback_id, "min_position": await s.position()}
                )
                if (seen["state"], seen["agent"]) != (state, OTHER):
                    problems.append(f"{OTHER}'s callback changed: {seen}")
        return problems

    assert asyncio.run(main()) == []


def test_an_agent_never_sees_another_agents_callback(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    async def main() -> list[str]:
        problems = []
        async with Scene(service, nats_server.url) as s:
            theirs = {
                (await s.routing(OTHER))["callback_id"],
                (await s.processing(OTHER))["callback_id"],
            }
            mine = {(await s.routing(ME))["callback_id"]}
            position = await s.position()
            listed = await s.ok(f"agent.{ME}.list", {"min_position": position, "page_size": 250})
            pending = await s.ok(f"agent.{ME}.pending", {"min_position": position})
            shown = {i["callback_id"] for i in listed["items"]} | {
                i["callback_id"] for i in pending["items"]
            }
            if shown & theirs:
                problems.append(f"{ME}'s list / pending shows {OTHER}'s callbacks {shown & theirs}")
            if not mine <= shown:
                problems.append(f"{ME}'s list / pending misses their own callbacks {mine - shown}")
            if any(i["agent"] != ME for i in listed["items"] + pending["items"]):
                problems.append(f"{ME}'s list shows callbacks of other agents: {listed}")
            # The agent's list takes no `agent` filter: it cannot be pointed at another agent.
            escaped = await s.ask(f"agent.{ME}.list", {"agent": OTHER})
            if escaped.get("ok") is not False or escaped["error"]["code"] != "invalid_request":
                problems.append(f"agent.{ME}.list with agent={OTHER}: {escaped}")
            for team_filter in (
                {"agent_team": "t1"},
                {"assigner": "adm-root"},
                {"route": "billing"},
            ):
                page = await s.ok(f"agent.{ME}.list", {**team_filter, "page_size": 250})
                if {i["callback_id"] for i in page["items"]} & theirs:
                    problems.append(f"agent.{ME}.list {team_filter} shows {OTHER}'s callbacks")
        return problems

    assert asyncio.run(main()) == []


def test_an_agent_schedules_for_another_agent_but_not_for_another_team(
    service: ServiceProcess, nats_server: EmbeddedNatsServer
) -> None:
    """DOMAIN.md: an agent may schedule for themselves, another agent or their team."""

    async def main() -> tuple[dict[str, Any], dict[str, Any], int, int]:
        async with Scene(service, nats_server.url) as s:
            for_other = await s.ask(
                f"agent.{ME}.schedule", {**_intake_fields(), "routing": {"agent": OTHER}}
            )
            before = await s.position()
            other_team = await s.ask(
                f"agent.{ME}.schedule", {**_intake_fields(), "routing": {"team": "t2"}}
            )
            return for_other, other_team, before, await s.position()

    for_other, other_team, before, after = asyncio.run(main())
    assert for_other.get("ok") is True, for_other
    assert other_team.get("ok") is False, other_team
    assert other_team["error"]["code"] == "invalid_request"
    assert other_team["error"]["details"][0]["field"] == "routing.team"
    assert after == before


# ------------------------------------------------------ an agent and another agent's callbacks


@pytest.mark.parametrize("key", ["request_id", "phone"])
def test_an_agent_does_not_learn_another_agents_callback_through_schedule(
    service: ServiceProcess, nats_server: EmbeddedNatsServer, key: str
) -> None:
    """schedule answers an existing callback as a duplicate (same request id, or the same
    phone already open on the route): that must not hand an agent another agent's callback."""

    async def main() -> tuple[dict[str, Any], str]:
        async with Scene(service, nats_server.url) as s:
            request_id = f"rq-{uuid.uuid4().hex[:12]}"
            phone = f"+82 10-7{next(_phones):04d}-0000"
            made = await s.ok(
                "intake.request", {"request_id": request_id, "phone": phone, "route": "billing"}
            )
            await s.ok(
                "admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": [OTHER]}, BOSS
            )
            fields = _intake_fields()
            fields["request_id" if key == "request_id" else "phone"] = (
                request_id if key == "request_id" else phone
            )
            reply = await s.ask(f"agent.{ME}.schedule", fields)
            return reply, made["callback_id"]

    reply, theirs = asyncio.run(main())
    assert not (reply.get("ok") is True and reply["data"]["callback_id"] == theirs), (
        f"agent.{ME}.schedule with {OTHER}'s {key} answered {OTHER}'s callback: {reply}"
    )
    assert reply.get("ok") is False and reply["error"]["code"] == "invalid_request", reply
    assert [d["field"] for d in reply["error"]["details"]] == [key] and theirs not in reply[
        "error"
    ]["message"]
