"""Teams and agents' own callbacks over NATS, against `callbacks serve` (issue 13)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.reply_check import check_published

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def directory(client: Client_, **teams: tuple[str, list[str]]) -> None:
    """Agents by id: (team, permissions)."""
    for agent_id, (team, permissions) in teams.items():
        await who.admin(client).ok(
            "admin.agent-upsert",
            {
                "agent_id": agent_id,
                "name": agent_id.title(),
                "teams": [team],
                "permissions": permissions,
            },
        )
        await who.cti(client).ok(f"cti.presence.{agent_id}", {"logged_in": True})


async def notes(client: Client_) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def keep(msg: Any) -> None:
        seen.append((msg.subject.split(".", 1)[1], json.loads(msg.data)))

    await client.nc.subscribe(f"{client.prefix}.notify.agent.*", cb=keep)
    return seen


def request(n: int, **fields: Any) -> dict[str, Any]:
    return {"request_id": f"r-{n}", "phone": f"+82 10-5000-{n:04d}", "route": "billing"} | fields


async def listed(client: Client_, agent_id: str, position: int) -> set[str]:
    page = await who.agent(client, agent_id).ok(
        f"agent.{agent_id}.list", {"min_position": position}
    )
    return {i["callback_id"] for i in page["items"]}


CALL, ASSIGN = ["call"], ["call", "assign"]


async def test_team_routing_routes_to_the_team(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    """Was: an IVR request for a team was nobody's in particular, and an agent scheduling
    for their team got the callback themselves."""
    launch()
    await directory(client, kim=("billing", CALL), lee=("billing", CALL), out=("sales", CALL))

    made = await who.ivr(client).ok("intake.request", request(1, routing={"team": "billing"}))
    mine = await who.agent(client, "lee").ok(
        "agent.lee.schedule", request(2, routing={"team": "billing"})
    )

    assert made["state"] == mine["state"] == "QUEUED"  # for the team; not lee's own
    position = mine["log_position"]
    ids = {made["callback_id"], mine["callback_id"]}
    assert await listed(client, "kim", position) == ids  # the team's members see them
    assert await listed(client, "out", position) == set()  # an outsider does not
    refused = await who.supervisor(client).ok(
        "admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": ["out"]}
    )
    (item,) = refused["results"]
    assert not item["ok"] and item["error"]["code"] == "invalid_request"
    assert item["error"]["details"][0]["field"] == "agent_ids"
    taken = await who.supervisor(client).ok(
        "admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": ["kim"]}
    )
    assert taken["results"][0]["agent_id"] == "kim"


async def test_an_agents_own_scheduled_callbacks(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    """Was: an agent's own scheduled callback was invisible to them until due (not in
    `pending` nor `list`, `dial` refused), and scheduling for another agent was refused."""
    launch()
    await directory(client, kim=("billing", CALL), lee=("billing", CALL))
    seen = await notes(client)
    kim, lee = who.agent(client, "kim"), who.agent(client, "lee")
    ahead = (datetime.now(UTC) + timedelta(hours=3)).isoformat()

    own = await kim.ok("agent.kim.schedule", request(1, desired_time=ahead))
    for_lee = await kim.ok(
        "agent.kim.schedule", request(2, desired_time=ahead, routing={"agent": "lee"})
    )
    assert own["state"] == for_lee["state"] == "SCHEDULED"
    position = for_lee["log_position"]
    assert await listed(client, "kim", position) == {own["callback_id"]}  # at once
    assert await listed(client, "lee", position) == {for_lee["callback_id"]}
    upcoming = await kim.ok("agent.kim.upcoming", {"min_position": position})
    assert (upcoming["count"], [i["callback_id"] for i in upcoming["items"]]) == (
        1,
        [own["callback_id"]],
    )

    # Kim calls now and dials; lee moves theirs, then cancels it; neither may touch the other's.
    called = await kim.ok("agent.kim.call-now", {"callback_id": own["callback_id"]})
    assert called["state"] == "ROUTING"
    assert (await kim.ok("agent.kim.dial", {"callback_id": own["callback_id"]}))["attempts"] == 1
    later = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    not_yours = await kim.ask(
        "agent.kim.reschedule", {"callback_id": for_lee["callback_id"], "desired_time": later}
    )
    assert not_yours["error"]["code"] == "not_found"
    moved = await lee.ok(
        "agent.lee.reschedule", {"callback_id": for_lee["callback_id"], "desired_time": later}
    )
    assert moved["state"] == "SCHEDULED"
    cancelled = await lee.ok("agent.lee.cancel", {"callback_ids": [for_lee["callback_id"]]})
    assert cancelled["cancelled"] == [for_lee["callback_id"]]

    await asyncio.sleep(1.0)
    kims = [b for s, b in seen if s == "notify.agent.kim"]
    # The counts are read once the views have the batch: the last message has the last word.
    assert [b["type"] for b in kims] == ["scheduled", "assigned"]
    assert all(isinstance(b["upcoming_count"], int) for b in kims)
    assert (kims[-1]["pending_count"], kims[-1]["upcoming_count"]) == (1, 0)
    lees = [b["type"] for s, b in seen if s == "notify.agent.lee"]
    assert lees == ["scheduled", "rescheduled", "completed"]
    for subject, body in seen:
        check_published(subject, body)


async def test_a_team_end_to_end(launch: Callable[..., ServiceProcess], client: Client_) -> None:
    """Team-routed requests, members and an outsider, assigners of two teams, equal
    assignment within the team, the team filter and the notifications."""
    launch()
    await directory(
        client,
        kim=("billing", CALL),
        lee=("billing", CALL),
        out=("sales", CALL),
        boss=("billing", ASSIGN),
        sboss=("sales", ASSIGN),
    )
    seen = await notes(client)
    team = [
        (await who.ivr(client).ok("intake.request", request(n, routing={"team": "billing"})))[
            "callback_id"
        ]
        for n in range(4)
    ]
    anyone = (await who.ivr(client).ok("intake.request", request(9)))["callback_id"]

    # An assigner of another team does not even see the team's callbacks.
    hidden = await who.assigner(client, "sboss").ok(
        "admin.assign", {"callback_ids": team[:1], "agent_ids": ["out"]}
    )
    assert hidden["results"][0]["error"]["code"] == "not_found"
    # Nor in its reads: a get is not_found, a list leaves them out.
    sboss = who.assigner(client, "sboss")
    assert (await sboss.ask("query.get", {"callback_id": team[0]}))["error"]["code"] == (
        "not_found"
    )
    listed_by_sboss = await sboss.ok(
        "query.list", {"route": "billing", "min_position": hidden["log_position"]}
    )
    assert {i["callback_id"] for i in listed_by_sboss["items"]}.isdisjoint(team)
    assert anyone in {i["callback_id"] for i in listed_by_sboss["items"]}
    # Equal assignment within the team: the outsider gets only the unrouted callback.
    spread = await who.assigner(client, "boss").ok(
        "admin.assign",
        {"callback_ids": [*team, anyone], "agent_ids": ["kim", "out", "lee"], "method": "EQUAL"},
    )
    given = {r["callback_id"]: r["agent_id"] for r in spread["results"]}
    assert all(r["ok"] for r in spread["results"]), spread
    assert sorted(given[i] for i in team) == ["kim", "kim", "lee", "lee"]
    assert given[anyone] == "out"

    position = spread["log_position"]
    by_team = await who.monitor(client).ok(
        "query.list", {"agent_team": "billing", "min_position": position}
    )
    assert {i["callback_id"] for i in by_team["items"]} == set(team)
    assert {i["team"] for i in by_team["items"]} == {"billing"}
    summary = await who.monitor(client).ok(
        "query.assignment-summary", {"agent_team": "billing", "min_position": position}
    )
    assert summary == {"total": 4, "assigned": 4, "unassigned": 0}
    # The routing team's filter: the callbacks routed to the team, whoever holds them.
    routed = await who.monitor(client).ok(
        "query.list", {"team": "billing", "min_position": position}
    )
    assert {i["callback_id"] for i in routed["items"]} == set(team)
    assert {i["routing_team"] for i in routed["items"]} == {"billing"}
    counts = await who.monitor(client).ok(
        "query.agent-counts", {"team": "billing", "min_position": position}
    )
    # the team's members, its assigner boss among them; not the outsider
    assert {a["agent_id"]: a["incomplete"] for a in counts["agents"]} == {
        "boss": 0,
        "kim": 2,
        "lee": 2,
    }
    assert await listed(client, "out", position) == {anyone}

    await asyncio.sleep(1.0)
    got = {
        agent_id: [
            b for s, b in seen if s == f"notify.agent.{agent_id}" and b["type"] == "assigned"
        ]
        for agent_id in ("kim", "lee", "out")
    }
    assert sorted(b["callback"]["callback_id"] for b in got["kim"] + got["lee"]) == sorted(team)
    assert [b["callback"]["callback_id"] for b in got["out"]] == [anyone]
    assert got["kim"][-1]["pending_count"] == 2 and got["kim"][-1]["upcoming_count"] == 0
    for subject, body in seen:
        check_published(subject, body)
