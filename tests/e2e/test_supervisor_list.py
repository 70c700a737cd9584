"""A supervisor's list over NATS, as issue 13 found it: one caller in two spellings, what
is due next, a range cancel by desired time, a local desired time, and a treatment rate
whose columns add up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
BOSS = {"Callbacks_Actor": "boss", "Callbacks_Role": "ADMIN"}
SV = {"Callbacks_Actor": "sv-han"}
SEOUL = ZoneInfo("Asia/Seoul")


async def test_a_supervisors_list_over_nats(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch()
    await client.ok(
        "admin.agent-upsert",
        {"agent_id": "kim", "name": "Kim", "teams": ["care"], "permissions": ["call"]},
        **BOSS,
    )

    # One caller, two spellings: one callback.
    first = await client.ok(
        "intake.request", {"request_id": "n-1", "phone": "010-3333-4444", "route": "billing"}
    )
    again = await client.ok(
        "intake.request", {"request_id": "n-2", "phone": "+82 10-3333-4444", "route": "billing"}
    )
    assert again["duplicate"] and again["callback_id"] == first["callback_id"]
    impossible = await client.ask(
        "intake.request", {"request_id": "n-3", "phone": "+82 10", "route": "billing"}
    )
    assert impossible["error"]["code"] == "invalid_request"
    assert {d["field"] for d in impossible["error"]["details"]} == {"phone"}

    # Scheduled ones: with an offset, or as the customer's wall-clock time.
    now = datetime.now(UTC)
    local = (now + timedelta(hours=3)).astimezone(SEOUL).replace(tzinfo=None, second=0)
    soon = await client.ok(
        "intake.request",
        {
            "request_id": "s-1",
            "phone": "010-1000-0001",
            "route": "billing",
            "desired_local": local.isoformat(timespec="minutes"),
            "customer_timezone": "Asia/Seoul",
        },
    )
    later = await client.ok(
        "intake.request",
        {
            "request_id": "s-2",
            "phone": "010-1000-0002",
            "route": "tech",
            "desired_time": (now + timedelta(days=2)).isoformat(),
            "routing": {"team": "care"},
        },
    )
    no_zone = await client.ask(
        "intake.request",
        {"request_id": "s-3", "phone": "010-1000-0003", "route": "tech", "desired_local": "x"},
    )
    assert {d["field"] for d in no_zone["error"]["details"]} == {"desired_local"}

    position = {"min_position": later["log_position"]}
    listed = await client.ok("query.list", {"phone": "+821033334444", **position})
    (item,) = listed["items"]
    assert (item["phone"], item["phone_national"]) == ("+821033334444", "010-3333-4444")
    suffix = await client.ok("query.list", {"phone_suffix": "0001", **position})
    assert [i["callback_id"] for i in suffix["items"]] == [soon["callback_id"]]
    window = {
        "desired_from": now.isoformat(),
        "desired_to": (now + timedelta(days=1)).isoformat(),
    }
    due = await client.ok("query.list", {**window, "route": ["billing", "tech"], **position})
    assert [i["callback_id"] for i in due["items"]] == [soon["callback_id"]]
    routed = await client.ok("query.list", {"team": "care", "type": "SCHEDULED", **position})
    assert [i["routing_team"] for i in routed["items"]] == ["care"]
    summary = await client.ok("query.assignment-summary", {"state": ["SCHEDULED", "QUEUED"]})
    assert summary["total"] == 3

    # Cancel everything wanted in the next day: the one due tomorrow-after stays.
    span = {"from": window["desired_from"], "to": window["desired_to"], "by": "desired"}
    cancelled = await client.ok("admin.cancel", {"all_in_range": span}, **SV)
    assert cancelled["cancelled"] == [soon["callback_id"]]

    # The treatment rate: one completed, one released.
    await client.ok(
        "admin.assign",
        {"callback_ids": [first["callback_id"]], "agent_ids": ["kim"], "method": "MANUAL"},
        **SV,
    )
    done = await client.ok("admin.unassign", {"callback_ids": [first["callback_id"]]}, **SV)
    today = datetime.now(SEOUL).date()
    rate = await client.ok(
        "query.treatment-rate",
        {
            "from": (today - timedelta(days=1)).isoformat(),
            "to": today.isoformat(),
            "min_position": done["log_position"],
        },
    )
    rows = [r for r in rate["rows"] if r["assigned"]]
    assert [(r["assigned"], r["released"]) for r in rows] == [(1, 1)]
    unassigned = await client.ok("query.get", {"callback_id": first["callback_id"]})
    assert unassigned["assigner"] is None and unassigned["status"] == "CANCELLED"
    assert service.stop() == 0
