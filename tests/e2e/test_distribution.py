"""AUTO distribution over NATS, against `callbacks serve`: offers, a rejection, a lapsed
offer, an acceptance and a completion; the history, counts, treatment rate and a rebuild."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import callers as who

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
CALLBACKS = Path(sys.executable).parent / "callbacks"


async def notes(client: Client_) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def keep(msg: Any) -> None:
        seen.append((msg.subject.rsplit(".", 1)[1], json.loads(msg.data)))

    await client.nc.subscribe(f"{client.prefix}.notify.agent.*", cb=keep)
    return seen


async def next_note(
    seen: list[tuple[str, dict[str, Any]]], kind: str, after: int, timeout: float = 10
) -> tuple[int, str, dict[str, Any]]:
    """The first notification of `kind` from index `after` on: (index, agent, message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n in range(after, len(seen)):
            agent_id, message = seen[n]
            if message["type"] == kind:
                return n, agent_id, message
        await asyncio.sleep(0.05)
    pytest.fail(f"no '{kind}' notification within {timeout}s: {seen[after:]}")


async def views(client: Client_, callback_id: str, position: int) -> dict[str, Any]:
    """What the read models say: list, counts, treatment rate and history."""
    sv = who.supervisor(client)
    today = datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()
    at = {"min_position": position}
    listed = await sv.ok("query.list", {"route": "billing"} | at)
    return {
        "list": listed["items"],
        "counts": (await sv.ok("query.agent-counts", at))["agents"],
        "rate": (await sv.ok("query.treatment-rate", {"from": today, "to": today} | at))["rows"],
        "history": (await sv.ok("query.history", {"callback_id": callback_id} | at))["events"],
    }


async def test_offers_rejection_lapse_acceptance_and_completion(
    launch: Callable[..., ServiceProcess], client: Client_, service_env: dict[str, str]
) -> None:
    launch()
    admin = who.admin(client)
    route = {"route": "billing", "name": "Billing", "distribution": "AUTO"}
    await admin.ok("admin.route-upsert", route | {"offer_timeout_seconds": 5})
    for agent_id in ("kim", "lee"):
        body = {"agent_id": agent_id, "name": agent_id.title(), "permissions": ["call"]}
        await admin.ok("admin.agent-upsert", body)
    seen = await notes(client)
    kim = who.agent(client, "kim")

    # Nobody is logged in: the callback waits in the queue.
    made = await who.ivr(client).ok(
        "intake.request", {"request_id": "d-1", "phone": "+82 10-7000-0001", "route": "billing"}
    )
    callback_id = made["callback_id"]
    await asyncio.sleep(1)
    got = await admin.ok("query.get", {"callback_id": callback_id})
    assert got["state"] == "QUEUED"

    # kim logs in: offered to kim at once (within a second or so), marked offered.
    await who.cti(client).ok("cti.presence.kim", {"logged_in": True})
    n, to, offer = await next_note(seen, "offered", 0, timeout=3)
    assert to == "kim"
    assert offer["callback"]["offered"] is True
    assert offer["callback"]["state"] == "ROUTING"
    assert offer["offer_expires_at"] and offer["pending_count"] == 1
    await who.cti(client).ok("cti.presence.lee", {"logged_in": True})

    # kim rejects: back to the queue, then offered to lee (not kim again); no attempt.
    rejected = await kim.ok("agent.kim.reject", {"callback_id": callback_id})
    assert rejected["state"] == "QUEUED"
    n, to, withdrawn = await next_note(seen, "withdrawn", n + 1)
    assert (to, withdrawn["pending_count"]) == ("kim", 0)
    n, to, _ = await next_note(seen, "offered", n + 1, timeout=3)
    assert to == "lee"

    # lee lets the offer lapse (5 s): withdrawn, and offered again; kim is the one
    # assigned least recently of the two who declined.
    n, to, _ = await next_note(seen, "withdrawn", n + 1, timeout=10)
    assert to == "lee"
    n, to, _ = await next_note(seen, "offered", n + 1, timeout=3)
    assert to == "kim"

    # kim accepts, dials and completes.
    accepted = await kim.ok("agent.kim.accept", {"callback_id": callback_id})
    assert accepted["state"] == "ROUTING"
    dialled = await kim.ok("agent.kim.dial", {"callback_id": callback_id})
    assert dialled["attempts"] == 1
    done = await kim.ok("agent.kim.complete", {"callback_id": callback_id})
    assert done["state"] == "COMPLETED"

    live = await views(client, callback_id, done["log_position"])
    steps = [(e["type"], e.get("agent_id"), e["actor"]) for e in live["history"]]
    assert steps == [
        ("Requested", None, "ivr"),
        ("Offered", "kim", "distributor"),
        ("OfferRejected", "kim", "kim"),
        ("Offered", "lee", "distributor"),
        ("OfferWithdrawn", "lee", "distributor"),
        ("Offered", "kim", "distributor"),
        ("OfferAccepted", "kim", "kim"),
        ("DialAttempted", "kim", "kim"),
        ("Completed", "kim", "kim"),
    ]
    assert all(e["role"] == "SYSTEM" for e in live["history"] if e["actor"] == "distributor")
    assert {a["agent_id"]: a["incomplete"] for a in live["counts"]} == {"kim": 0, "lee": 0}
    (today,) = live["rate"]
    assert (today["assigned"], today["completed"], today["released"]) == (1, 1, 0)
    assert today["rate"] == 1.0
    (item,) = live["list"]
    assert (item["agent"], item["offered"], item["attempts"]) == ("kim", False, 1)

    # A rebuild from position 0 gives the same rows as the live views.
    proc = await asyncio.create_subprocess_exec(
        str(CALLBACKS),
        "projections",
        "rebuild",
        env=service_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, out.decode()
    assert await views(client, callback_id, done["log_position"]) == live
