"""Automatic messages over real NATS, with the recording provider of tests/sms_recorder.py:
a scheduled request on a route that asks for it gets one confirmation, a callback ending
with MAX_ATTEMPTS one "we tried to reach you"; a route that does not ask gets nothing."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.test_sms_sending import ready, recorded, states, with_recorder
from tests.e2e.test_sms_setup import sms

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

AUTO = {"confirm_template_id": "t-confirm", "missed_template_id": "t-missed"}


async def routes(client: Client_) -> None:
    admin = who.admin(client)
    await admin.ok("admin.sms.template-upsert", sms("t-confirm", body="{desired_time} 연락"))
    await admin.ok("admin.sms.template-upsert", sms("t-missed", body="{route}: 부재중"))
    for route, auto in (("billing", AUTO), ("quiet", {})):
        body = {"route": route, "name": route, "policy": {"max_attempts": 1}, "sms": auto}
        await admin.ok("admin.route-upsert", body)
    await admin.ok(
        "admin.agent-upsert",
        {"agent_id": "kim", "name": "Kim", "teams": ["t"], "permissions": ["call"]},
    )


async def request(client: Client_, request_id: str, route: str, **more: Any) -> str:
    phone = f"+82 10-7000-{int(request_id[2:]):04d}"
    body = {"request_id": request_id, "phone": phone, "route": route} | more
    made = await who.ivr(client).ok("intake.request", body)
    return str(made["callback_id"])


async def scheduled(client: Client_, request_id: str, route: str) -> str:
    desired = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    return await request(client, request_id, route, type="SCHEDULED", desired_time=desired)


async def missed(client: Client_, request_id: str, route: str) -> str:
    callback_id = await request(client, request_id, route)
    body = {"callback_ids": [callback_id], "agent_ids": ["kim"]}
    done = await who.supervisor(client).ok("admin.assign", body)
    assert [r["agent_id"] for r in done["results"]] == ["kim"], done
    kim = who.agent(client, "kim")
    await kim.ok("agent.kim.dial", {"callback_id": callback_id})
    ended = await kim.ok("agent.kim.dial-result", {"callback_id": callback_id, "outcome": "BUSY"})
    assert ended["state"] == "COMPLETED"
    return callback_id


async def test_a_route_that_asks_gets_one_message_per_event_and_others_none(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    launch(**with_recorder(tmp_path))
    await ready(client)
    await routes(client)

    booked = await scheduled(client, "r-1", "billing")
    assert await scheduled(client, "r-1", "billing") == booked  # replayed: no second one
    ended = await missed(client, "r-2", "billing")
    await scheduled(client, "r-3", "quiet")
    await missed(client, "r-4", "quiet")

    deadline = time.monotonic() + 10
    while len(recorded(tmp_path, "sent")) < 2:
        assert time.monotonic() < deadline, recorded(tmp_path, "call")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # more rounds: nothing else handed over
    found = await states(client)
    assert sorted(recorded(tmp_path, "call")) == sorted(found)  # each once
    by_callback = {m["callback_id"]: m for m in found.values()}
    assert set(by_callback) == {booked, ended}
    confirm, miss = by_callback[booked], by_callback[ended]
    assert (confirm["template_id"], confirm["sent_by"], confirm["state"]) == (
        "t-confirm",
        "sms-auto",
        "SENT",
    )
    assert (miss["template_id"], miss["body"], miss["recipient"]) == (
        "t-missed",
        "billing: 부재중",
        "01070000002",
    )
    listed = await who.admin(client).ok("query.routes", {})
    assert {r["route"]: r["sms"] for r in listed["routes"]} == {"billing": AUTO, "quiet": {}}
