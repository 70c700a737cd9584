"""The IVR, supervisor and agent flows, over NATS, against `callbacks serve`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.reply_check import check_published

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def boss(client: Client_) -> dict[str, str]:
    assert client.tokens is not None
    return client.tokens.headers("boss", "ADMIN")


def sv(client: Client_) -> dict[str, str]:
    assert client.tokens is not None
    return client.tokens.headers("sv-han", "SUPERVISOR")


async def notes(client: Client_) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def keep(msg: Any) -> None:
        seen.append((msg.subject.split(".", 1)[1], json.loads(msg.data)))

    await client.nc.subscribe(f"{client.prefix}.notify.>", cb=keep)
    return seen


async def test_ivr_supervisor_and_agent_flows(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch()
    seen = await notes(client)
    for agent_id in ("kim", "lee", "park"):
        await client.ok(
            "admin.agent-upsert",
            {
                "agent_id": agent_id,
                "name": agent_id.title(),
                "teams": ["billing-team"],
                "permissions": ["call"],
            },
            **boss(client),
        )
        await client.ok(f"cti.presence.{agent_id}", {"logged_in": True})

    # The IVR: requests, a retry of the same request id, the same caller again.
    made = [
        await client.ok(
            "intake.request",
            {"request_id": f"ivr-{n}", "phone": f"+82 10-7000-{n:04d}", "route": "billing"},
        )
        for n in range(6)
    ]
    retry = await client.ok(
        "intake.request", {"request_id": "ivr-0", "phone": "+82 10-7000-0000", "route": "billing"}
    )
    again = await client.ok(
        "intake.request", {"request_id": "ivr-x", "phone": "+821070000001", "route": "billing"}
    )
    later = await client.ok(
        "intake.request",
        {
            "request_id": "ivr-later",
            "phone": "+82 10-7000-9999",
            "route": "billing",
            "type": "SCHEDULED",
            "desired_time": (datetime.now(UTC) + timedelta(hours=5)).isoformat(),
            "customer_timezone": "Asia/Seoul",
        },
    )
    assert [m["position_in_queue"] for m in made] == [1, 2, 3, 4, 5, 6]
    assert retry["callback_id"] == made[0]["callback_id"] and retry["replayed"]
    assert not retry["duplicate"]  # its own callback: replayed, not a duplicate
    assert again["callback_id"] == made[1]["callback_id"] and again["duplicate"]
    assert not again["replayed"]
    assert later["state"] == "SCHEDULED" and later["position_in_queue"] is None

    # The supervisor: equal assignment over three agents.
    ids = [m["callback_id"] for m in made]
    assigned = await client.ok(
        "admin.assign",
        {"callback_ids": ids, "agent_ids": ["kim", "lee", "park"], "method": "EQUAL"},
        **sv(client),
    )
    by_agent: dict[str, list[str]] = {}
    for item in assigned["results"]:
        by_agent.setdefault(item["agent_id"], []).append(item["callback_id"])
    assert {k: len(v) for k, v in by_agent.items()} == {"kim": 2, "lee": 2, "park": 2}

    # The agents: dial, no answer, dial again, complete; finish without a call.
    kim = by_agent["kim"]
    assert (await client.ok("agent.kim.dial", {"callback_id": kim[0]}))["attempts"] == 1
    failed = await client.ok(
        "agent.kim.dial-result", {"callback_id": kim[0], "outcome": "NO_ANSWER"}
    )
    assert (failed["state"], failed["attempts"]) == ("ROUTING", 1)
    await client.ok("agent.kim.dial", {"callback_id": kim[0]})
    done = await client.ok("agent.kim.complete", {"callback_id": kim[0]})
    assert (done["state"], done["reason"]) == ("COMPLETED", "AGENT")
    finished = await client.ok("agent.lee.finish", {"callback_id": by_agent["lee"][0]})
    assert finished["reason"] == "FINISHED"
    refused = await client.ask("agent.lee.dial", {"callback_id": kim[1]})
    assert refused["error"]["code"] == "not_found"  # kim's: to lee as if it did not exist

    # An agent's own view, then the supervisor's wallboard and reports.
    position = finished["log_position"]
    mine = await client.ok("agent.kim.list", {"min_position": position})
    assert {i["callback_id"] for i in mine["items"]} == set(kim)
    pending = await client.ok("agent.kim.pending", {"min_position": position})
    assert (pending["count"], [i["callback_id"] for i in pending["items"]]) == (1, [kim[1]])
    assert (await client.ok("query.get", {"callback_id": kim[1], "min_position": position}))[
        "agent"
    ] == "kim"
    listed = await client.ok(
        "query.list", {"route": "billing", "page_size": 3, "min_position": position}
    )
    assert listed["total"] == 7 and len(listed["items"]) == 3 and listed["next_cursor"]
    rest = await client.ok(
        "query.list", {"route": "billing", "page_size": 10, "cursor": listed["next_cursor"]}
    )
    assert len(rest["items"]) == 4 and rest["next_cursor"] is None
    assert await client.ok("query.assignment-summary", {"route": "billing"}) == {
        "total": 7,
        "assigned": 6,
        "unassigned": 1,
    }
    counts = {
        a["agent_id"]: a["incomplete"]
        for a in (await client.ok("query.agent-counts", {}))["agents"]
    }
    assert counts == {"kim": 1, "lee": 1, "park": 2}
    history = await client.ok("query.history", {"callback_id": kim[0]})
    assert [(e["type"], e["actor"]) for e in history["events"]] == [
        ("Requested", "ivr"),
        ("Assigned", "sv-han"),
        ("DialAttempted", "kim"),
        ("DialFailed", "kim"),
        ("DialAttempted", "kim"),
        ("Completed", "kim"),
    ]
    today = datetime.now(UTC).astimezone().date()
    rate = await client.ok(
        "query.treatment-rate",
        {
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
        },
    )
    assert (
        sum(r["assigned"] for r in rate["rows"]) == 6
        and sum(r["completed"] for r in rate["rows"]) == 2
    )
    assert (await client.ok("query.search", {"phone": "+82 10 7000 0003"}))["items"][0][
        "callback_id"
    ] == ids[3]

    # Bulk cancel: everything still open; the one on the phone is skipped.
    await client.ok("agent.park.dial", {"callback_id": by_agent["park"][0]})
    cancelled = await client.ok(
        "admin.cancel", {"callback_ids": [*ids, later["callback_id"]]}, **sv(client)
    )
    assert by_agent["park"][0] in {s["callback_id"] for s in cancelled["skipped"]}
    assert len(cancelled["cancelled"]) == 4

    await asyncio.sleep(1.0)
    kinds = [(subject, body.get("type")) for subject, body in seen]
    assert ("notify.agent.kim", "assigned") in kinds and ("notify.agent.kim", "completed") in kinds
    assert sum(1 for s, _ in kinds if s == "notify.received") == 7
    assigned_note = next(b for s, b in seen if s == "notify.agent.park" and b["type"] == "assigned")
    assert assigned_note["callback"]["agent"] == "park" and isinstance(
        assigned_note["pending_count"], int
    )
    for subject, body in seen:
        check_published(subject, body)
    assert service.stop() == 0
    assert "stopped" in service.output()


async def test_the_embedded_default_needs_no_settings(
    launch: Callable[..., ServiceProcess], tmp_path: Any
) -> None:
    import nats

    from tests.e2e.conftest import Client_
    from tests.tokens import Tokens

    service = launch(
        CALLBACKS_NATS_URL="",
        CALLBACKS_DATABASE_URL="",
        CALLBACKS_PREFIX="callbacks",
        CALLBACKS_EMBEDDED_NATS_PORT="0",
    )
    assert service.url is not None and "embedded" in service.output()
    nc = await nats.connect(service.url)
    client = Client_(nc, "callbacks", Tokens(Path(service.env["CALLBACKS_DATA_DIR"])))
    made = await client.ok(
        "intake.request", {"request_id": "r1", "phone": "0212345678", "route": "tech"}
    )
    assert made["state"] == "QUEUED"
    await nc.close()
    assert service.stop() == 0
    assert (tmp_path / "data" / "events.sqlite").exists()
    assert (tmp_path / "data" / "nats" / "jetstream").is_dir()


async def test_a_scheduled_callback_is_queued_within_two_seconds_of_its_time(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch(CALLBACKS_DEFAULT_POLICY__WINDOW_SECONDS="1")  # a short window keeps the test short
    due = datetime.now(UTC) + timedelta(seconds=4)  # beyond the window: SCHEDULED
    made = await client.ok(
        "intake.request",
        {
            "request_id": "soon",
            "phone": "0212345678",
            "route": "tech",
            "desired_time": due.isoformat(),
        },
    )
    assert made["state"] == "SCHEDULED"
    while datetime.now(UTC) < due:
        await asyncio.sleep(0.1)
    state = None
    while datetime.now(UTC) < due + timedelta(seconds=2):
        state = (await client.ok("query.get", {"callback_id": made["callback_id"]}))["state"]
        if state == "QUEUED":
            break
        await asyncio.sleep(0.1)
    assert state == "QUEUED", f"still {state} 2 s after its desired time"


async def test_the_remaining_commands_answer_as_documented(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    """Subjects the flows above do not reach; `client.ok` checks each reply against its schema."""
    launch()
    await client.ok(
        "admin.agent-upsert",
        {"agent_id": "kim", "name": "Kim", "teams": ["t1"], "permissions": ["call"]},
        **boss(client),
    )
    await client.ok("cti.presence.kim", {"logged_in": True})
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    made = await client.ok(
        "admin.create",
        {"request_id": "adm-1", "phone": "0212345678", "route": "tech"},
        **sv(client),
    )
    own = await client.ok(
        "agent.kim.schedule",
        {"request_id": "kim-1", "phone": "0298765432", "route": "tech", "desired_time": soon},
    )
    assert own["state"] == "SCHEDULED"
    moved = await client.ok(
        "admin.reschedule",
        {
            "callback_id": own["callback_id"],
            "desired_time": (datetime.now(UTC) + timedelta(hours=3)).isoformat(),
        },
        **sv(client),
    )
    assert moved["state"] == "SCHEDULED"
    await client.ok(
        "admin.assign",
        {"callback_ids": [made["callback_id"]], "agent_ids": ["kim"], "method": "MANUAL"},
        **sv(client),
    )
    back = await client.ok("admin.unassign", {"callback_ids": [made["callback_id"]]}, **sv(client))
    assert back["results"][0]["ok"]
    # The IVR cancels only what it submitted: a supervisor's callback is not its to see.
    theirs = await client.ok("intake.cancel", {"request_id": "adm-1"})
    assert [s["reason"] for s in theirs["skipped"]] == ["not_found"]
    cancelled = await client.ok(
        "admin.cancel", {"callback_ids": [made["callback_id"]]}, **sv(client)
    )
    again = await client.ok("admin.recreate", {"callback_id": made["callback_id"]}, **sv(client))
    assert again["recreated_from"] == made["callback_id"] and cancelled is not None
    left = await client.ok(
        "intake.request", {"request_id": "ivr-9", "phone": "0311112222", "route": "tech"}
    )
    abandoned = await client.ok("intake.abandon", {"callback_id": left["callback_id"]})
    assert abandoned["state"] == "COMPLETED"


async def test_the_policies_in_force_are_recorded_when_they_change(
    launch: Callable[..., ServiceProcess], service_env: dict[str, str]
) -> None:
    from adapters.bootstrap import build_service
    from adapters.settings import Settings
    from callback_domain.policy_book import POLICY_BOOK_ID

    for max_attempts in ("3", "3", "5"):  # a restart with unchanged settings records nothing
        launch(CALLBACKS_DEFAULT_POLICY__MAX_ATTEMPTS=max_attempts).stop()
    service = build_service(
        Settings.load(
            database_url=service_env["CALLBACKS_DATABASE_URL"],
            data_dir=service_env["CALLBACKS_DATA_DIR"],
        )
    )
    events = list(service.events.get(POLICY_BOOK_ID))
    service.close()
    assert [(type(e).__name__, e.default["max_attempts"]) for e in events] == [
        ("PoliciesSet", 3),
        ("PoliciesChanged", 5),
    ]
