"""Slot capacity over NATS, against `callbacks serve` on both stores: concurrent requests
for a slot's last seats (from two services on one PostgreSQL), seats freed by cancels and
reschedules, and `remaining` from the seat ledger."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.test_routes import EVERY_DAY_9_TO_6, day, request

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

CAPACITY = 3
RACERS = 20


async def capacity_route(client: Client_, capacity: int = CAPACITY) -> None:
    admin = who.admin(client)
    await admin.ok(
        "admin.route-upsert",
        {"route": "billing", "name": "Billing", "slot_minutes": 30, "slot_capacity": capacity},
    )
    await admin.ok("admin.hours-set", {"route": "billing", "weekly": EVERY_DAY_9_TO_6})


async def remaining_at(client: Client_, start: datetime) -> int | None:
    period = {"route": "billing", "from": day(2).isoformat(), "to": day(3).isoformat()}
    slots = (await who.ivr(client).ok("intake.slots", period))["slots"]
    found = {datetime.fromisoformat(s["start"]): s["remaining"] for s in slots}
    return found[start]


async def test_concurrent_requests_for_a_slot_get_exactly_its_seats(
    launch: Callable[..., ServiceProcess], client: Client_, database_url: str
) -> None:
    launch()
    if not database_url.startswith("sqlite"):
        launch()  # a second service on the same PostgreSQL: the seats race across processes
    await capacity_route(client)
    wanted = day(2, 10, 10).isoformat()
    ivr = who.ivr(client)

    replies = await asyncio.gather(
        *(ivr.ask("intake.request", request(200 + n, desired_time=wanted)) for n in range(RACERS))
    )

    accepted = [r["data"] for r in replies if r["ok"]]
    refused = [r["error"] for r in replies if not r["ok"]]
    assert len(accepted) == CAPACITY, refused
    assert all(a["state"] == "SCHEDULED" for a in accepted)
    assert len(refused) == RACERS - CAPACITY
    for error in refused:
        (detail,) = error["details"]
        assert (error["code"], detail["field"], detail["reason"]) == (
            "invalid_request",
            "desired_time",
            "full",
        )
        assert datetime.fromisoformat(detail["next_slots"][0]["start"]) == day(2, 10, 30)
    assert await remaining_at(client, day(2, 10)) == 0
    assert await remaining_at(client, day(2, 10, 30)) == CAPACITY


async def test_cancels_and_reschedules_free_seats(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await capacity_route(client, capacity=1)
    ivr, admin = who.ivr(client), who.admin(client)
    first = await ivr.ok("intake.request", request(300, desired_time=day(2, 11).isoformat()))
    full = await ivr.ask("intake.request", request(301, desired_time=day(2, 11).isoformat()))
    assert full["error"]["details"][0]["reason"] == "full"
    assert await remaining_at(client, day(2, 11)) == 0

    # A reschedule into a full slot is refused; out of it, frees the seat.
    second = await ivr.ok("intake.request", request(302, desired_time=day(2, 12).isoformat()))
    into_full: dict[str, Any] = await admin.ask(
        "admin.reschedule",
        {"callback_id": second["callback_id"], "desired_time": day(2, 11).isoformat()},
    )
    assert into_full["error"]["details"][0]["reason"] == "full"
    await admin.ok(
        "admin.reschedule",
        {"callback_id": first["callback_id"], "desired_time": day(2, 13).isoformat()},
    )
    assert await remaining_at(client, day(2, 11)) == 1
    again = await ivr.ok("intake.request", request(303, desired_time=day(2, 11).isoformat()))

    # A cancel frees the seat.
    await ivr.ok("intake.cancel", {"callback_id": again["callback_id"]})
    assert await remaining_at(client, day(2, 11)) == 1
    assert (await ivr.ok("intake.request", request(304, desired_time=day(2, 11).isoformat())))[
        "state"
    ] == "SCHEDULED"

    # A reschedule into closed hours is refused with the next open slots.
    closed = await admin.ask(
        "admin.reschedule",
        {"callback_id": second["callback_id"], "desired_time": day(2, 20).isoformat()},
    )
    (detail,) = closed["error"]["details"]
    assert detail["reason"] == "closed"
    assert datetime.fromisoformat(detail["next_slots"][0]["start"]) == day(3, 9)
