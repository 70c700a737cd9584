"""Business hours respected over NATS, against `callbacks serve`: the scheduler queues nothing
while a route is closed, a dial while closed is refused (`outside_hours`), and the estimated
wait counts only open time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.test_routes import day, request

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Closed today and tomorrow in Seoul (whatever the hour), open all day from the day after.
CLOSED_NOW = [{"date": day(n).date().isoformat(), "hours": []} for n in (0, 1)]


async def hours(client: Client_, *, closed: bool) -> dict[str, Any]:
    return await who.admin(client).ok(
        "admin.hours-set",
        {"route": "billing", "weekly": ALL_DAY, "exceptions": CLOSED_NOW if closed else []},
    )


async def state_of(client: Client_, callback_id: str, position: int = 0) -> str:
    found = await who.monitor(client).ok(
        "query.get", {"callback_id": callback_id, "min_position": position}
    )
    return str(found["state"])


async def test_a_due_callback_waits_while_its_route_is_closed(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch(CALLBACKS_DEFAULT_POLICY__WINDOW_SECONDS="1")  # a short window keeps the test short
    await who.admin(client).ok("admin.route-upsert", {"route": "billing", "name": "Billing"})
    await hours(client, closed=False)
    due = datetime.now(UTC) + timedelta(seconds=3)
    made = await who.ivr(client).ok("intake.request", request(400, desired_time=due.isoformat()))
    assert made["state"] == "SCHEDULED"
    await hours(client, closed=True)  # closed since: the callback stays SCHEDULED

    while datetime.now(UTC) < due + timedelta(seconds=3):
        await asyncio.sleep(0.2)
    assert await state_of(client, made["callback_id"]) == "SCHEDULED"

    opened = await hours(client, closed=False)
    state, deadline = "SCHEDULED", datetime.now(UTC) + timedelta(seconds=5)
    while state == "SCHEDULED" and datetime.now(UTC) < deadline:
        await asyncio.sleep(0.1)
        state = await state_of(client, made["callback_id"], opened["log_position"])
    assert state == "QUEUED"


async def test_a_dial_while_closed_is_refused_outside_hours(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    admin = who.admin(client)
    await admin.ok("admin.route-upsert", {"route": "billing", "name": "Billing"})
    await admin.ok(
        "admin.agent-upsert",
        {"agent_id": "kim", "name": "Kim", "teams": ["t"], "permissions": ["call"]},
    )
    made = await who.ivr(client).ok("intake.request", request(410))
    await who.supervisor(client).ok(
        "admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": ["kim"]}
    )
    await hours(client, closed=True)
    kim = who.agent(client, "kim")

    refused = await kim.ask("agent.kim.dial", {"callback_id": made["callback_id"]})

    assert refused["error"]["code"] == "outside_hours", refused
    assert "billing" in refused["error"]["message"]
    await hours(client, closed=False)
    assert (await kim.ok("agent.kim.dial", {"callback_id": made["callback_id"]}))["attempts"] == 1


async def test_the_estimated_wait_counts_only_open_time(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await who.admin(client).ok(
        "admin.route-upsert",
        {"route": "billing", "name": "Billing", "policy": {"average_handle_seconds": 300}},
    )
    await hours(client, closed=True)
    opens = day(2)  # midnight after tomorrow, in Seoul

    made = await who.ivr(client).ok("intake.request", request(420))

    assert made["state"] == "QUEUED" and made["wait_basis"] == "policy"
    expected = (opens - datetime.now(UTC)).total_seconds() + 300  # one callback, no agent
    assert abs(made["estimated_wait_seconds"] - expected) < 10
    found = await who.monitor(client).ok(
        "query.get", {"callback_id": made["callback_id"], "min_position": made["log_position"]}
    )
    assert abs(found["estimated_wait_seconds"] - expected) < 10
