"""Routes, hours and slots over NATS, against `callbacks serve`: registering routes and their
hours, what requests must respect of them, and the open slots an IVR asks for."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import callers as who
from tests.e2e.reply_check import check_published

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

SEOUL = ZoneInfo("Asia/Seoul")
EVERY_DAY_9_TO_6 = {
    d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def request(n: int, route: str = "billing", **fields: Any) -> dict[str, Any]:
    return {"request_id": f"rt-{n}", "phone": f"+82 10-5100-{n:04d}", "route": route} | fields


def day(days_ahead: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in Seoul, some days from today."""
    today = datetime.now(SEOUL).date() + timedelta(days=days_ahead)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=SEOUL)


async def test_routes_are_registered_and_then_only_they_are_accepted(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    admin = who.admin(client)
    assert (await who.ivr(client).ok("intake.request", request(1, route="anything")))["state"]
    events: list[tuple[str, dict[str, Any]]] = []

    async def keep(msg: Any) -> None:
        events.append((msg.subject.split(".", 1)[1], json.loads(msg.data)))

    await client.nc.subscribe(f"{client.prefix}.events.routes.>", cb=keep)

    saved = await admin.ok(
        "admin.route-upsert",
        {"route": "billing", "name": "Billing", "policy": {"max_attempts": 5}, "slot_capacity": 2},
    )
    again = await admin.ok(
        "admin.route-upsert",
        {"route": "billing", "name": "Billing", "policy": {"max_attempts": 5}, "slot_capacity": 2},
    )

    assert (saved["created"], saved["changed"], again["changed"]) == (True, True, False)
    refused = await who.ivr(client).ask("intake.request", request(2, route="anything"))
    assert refused["error"]["code"] == "invalid_request"
    assert [d["field"] for d in refused["error"]["details"]] == ["route"]
    refused = await who.supervisor(client).ask("admin.create", request(3, route="anything"))
    assert [d["field"] for d in refused["error"]["details"]] == ["route"]
    made = await who.ivr(client).ok("intake.request", request(4))
    history = await who.supervisor(client).ok(
        "query.history", {"callback_id": made["callback_id"], "min_position": made["log_position"]}
    )
    assert history["events"][0]["policy"]["max_attempts"] == 5  # the route's policy
    listed = (await who.monitor(client).ok("query.routes", {}))["routes"]
    assert [(r["route"], r["timezone"], r["policy_set"], r["hours"]) for r in listed] == [
        ("billing", "Asia/Seoul", {"max_attempts": 5}, None)  # the contact center's zone
    ]
    assert listed[0]["policy"]["max_attempts"] == 5 and listed[0]["policy"]["expiry_days"] == 14
    for _ in range(100):
        if len(events) >= 2:
            break
        await asyncio.sleep(0.05)
    assert [s.rsplit(".", 1)[1] for s, _ in events] == ["Opened", "RouteRegistered"]
    for subject, body in events:
        check_published(subject, body)
    assert events[1][1]["actor"] == "admin-1" and events[1][1]["role"] == "ADMIN"


async def test_hours_give_slots_and_refuse_a_closed_desired_time(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    admin = who.admin(client)
    await admin.ok(
        "admin.route-upsert",
        {"route": "billing", "name": "Billing", "slot_minutes": 30, "slot_capacity": 2},
    )
    holiday = day(3).date().isoformat()
    set_ = await admin.ok(
        "admin.hours-set",
        {
            "route": "billing",
            "weekly": EVERY_DAY_9_TO_6,
            "holidays": [holiday],
            "exceptions": [{"date": day(2).date().isoformat(), "hours": [["09:00", "12:00"]]}],
        },
    )
    assert set_["changed"] is True
    bad = await admin.ask(
        "admin.hours-set", {"route": "billing", "weekly": {"mon": [["18:00", "09:00"]]}}
    )
    assert [d["field"] for d in bad["error"]["details"]] == ["weekly.mon.0"]

    # Within hours: accepted, and its seat is taken.
    wanted = day(2, 10)
    made = await who.ivr(client).ok("intake.request", request(10, desired_time=wanted.isoformat()))
    assert made["state"] == "SCHEDULED"
    period = {"route": "billing", "from": day(2).isoformat(), "to": day(5).isoformat()}
    slots = await who.ivr(client).ok("intake.slots", period)
    monitor = await who.monitor(client).ok(
        "query.slots", {**period, "min_position": made["log_position"]}
    )

    assert (
        monitor["slots"] == (await who.ivr(client).ok("intake.slots", period))["slots"]
    )  # the same answer, once the views have it
    starts = [datetime.fromisoformat(s["start"]) for s in monitor["slots"]]
    assert starts[0] == day(2, 9) and len(starts) == 6 + 18  # 09-12 that day, none on the holiday
    assert all(s.date() != day(3).date() for s in starts)
    remaining = {datetime.fromisoformat(s["start"]): s["remaining"] for s in monitor["slots"]}
    assert remaining[day(2, 10)] == 1 and remaining[day(2, 9)] == 2
    assert slots["timezone"] == "Asia/Seoul" and slots["slot_minutes"] == 30

    # Outside hours: refused with the next open slots (the holiday skipped).
    closed = await who.ivr(client).ask(
        "intake.request", request(11, desired_time=day(2, 15).isoformat())
    )
    (detail,) = closed["error"]["details"]
    assert (detail["field"], detail["reason"]) == ("desired_time", "closed")
    assert [datetime.fromisoformat(s["start"]) for s in detail["next_slots"]] == [
        day(4, 9),
        day(4, 9, 30),
        day(4, 10),
    ]
    listed = (await who.supervisor(client).ok("query.routes", {}))["routes"]
    assert listed[0]["hours"]["holidays"] == [holiday]


async def test_slots_need_a_registered_route_once_there_is_one(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    period = {"route": "free", "from": day(1).isoformat(), "to": day(1, 2).isoformat()}
    free = await who.ivr(client).ok("intake.slots", period)
    assert len(free["slots"]) == 8 and free["slots"][0]["remaining"] is None  # always open

    await who.admin(client).ok("admin.route-upsert", {"route": "billing", "name": "Billing"})
    refused = await who.ivr(client).ask("intake.slots", period)
    too_long = await who.ivr(client).ask(
        "intake.slots", {**period, "route": "billing", "to": day(40).isoformat()}
    )

    assert [d["field"] for d in refused["error"]["details"]] == ["route"]
    assert [d["field"] for d in too_long["error"]["details"]] == ["to"]
