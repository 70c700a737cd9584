"""Sending SMS over real NATS, against `callbacks serve` with the recording provider of
tests/sms_recorder.py: sent now (handed over within about a second, exactly once),
reserved and cancelled, refusals naming their field, retries, no provider at all, and a
kill -9 between the hand-over and its record (handed over again, never sent twice)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.test_sms_setup import set_up, sms

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ROOT = str(Path(__file__).resolve().parents[2])
BODY = sms("x")["body"]


def with_recorder(tmp_path: Path, mode: str = "sent") -> dict[str, str]:
    return {
        "CALLBACKS_SMS_PROVIDER_FACTORY": "tests.sms_recorder:factory",
        "SMS_RECORDER_FILE": str(tmp_path / "sms.jsonl"),
        "SMS_RECORDER_MODE": mode,
        "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }


def recorded(tmp_path: Path, kind: str) -> list[str]:
    path = tmp_path / "sms.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(x) for x in path.read_text().splitlines() if x]
    return [x["message_id"] for x in lines if x["kind"] == kind]


async def ready(client: Client_) -> None:
    await set_up(client)
    await who.admin(client).ok("admin.sms.template-upsert", sms("t-sms"))


def send(**fields: Any) -> dict[str, Any]:
    return {
        "template_id": "t-sms",
        "type": "SMS",
        "sender": "1588-1234",
        "recipients": "010-1234-5678,01098765432",
        "body": BODY,
        "reserve_at": None,
    } | fields


async def states(client: Client_, **filters: Any) -> dict[str, dict[str, Any]]:
    page = await who.supervisor(client).ok("query.sms.messages", filters)
    return {item["message_id"]: item for item in page["items"]}


async def until(client: Client_, ids: list[str], state: str, timeout: float = 10.0) -> float:
    """Seconds until every message of `ids` is in `state`."""
    start = time.monotonic()
    while True:
        found = await states(client)
        if all(found.get(i, {}).get("state") == state for i in ids):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"not all {state} after {timeout}s: {found}")
        await asyncio.sleep(0.05)


async def test_sent_now_reserved_and_cancelled(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    launch(**with_recorder(tmp_path))
    await ready(client)
    sv = who.supervisor(client)

    # Sent now: one message per recipient, handed over once, within about a second.
    now = await sv.ok("admin.sms.send", send())
    ids = [m["message_id"] for m in now["messages"]]
    assert [(m["recipient"], m["state"]) for m in now["messages"]] == [
        ("01012345678", "RESERVED"),
        ("01098765432", "RESERVED"),
    ]
    assert await until(client, ids, "SENT") < 3.0
    await asyncio.sleep(1.0)  # more rounds of the dispatcher: nothing handed over again
    assert sorted(recorded(tmp_path, "call")) == sorted(ids)
    assert sorted(recorded(tmp_path, "sent")) == sorted(ids)

    # Reserved: waits for its time; cancelled while RESERVED, not after.
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    reserved = await sv.ok("admin.sms.send", send(recipients="01055556666", reserve_at=later))
    (message_id,) = [m["message_id"] for m in reserved["messages"]]
    other_agent = await who.agent(client, "kim").ask("admin.sms.cancel", {"message_ids": [ids[0]]})
    cancel = await sv.ok("admin.sms.cancel", {"message_ids": [message_id, ids[0]]})
    again = await sv.ok("admin.sms.cancel", {"message_ids": [message_id]})

    assert other_agent["ok"] is False  # kim is not in the directory: no agent at all
    assert cancel["cancelled"] == [message_id]
    assert [(s["message_id"], s["reason"], s["state"]) for s in cancel["skipped"]] == [
        (ids[0], "invalid_transition", "SENT")
    ]
    assert again["skipped"][0]["state"] == "CANCELLED"
    assert message_id not in recorded(tmp_path, "call")

    # The read model: filters, and who sent what.
    cancelled = await states(client, state="CANCELLED", min_position=cancel["log_position"])
    assert list(cancelled) == [message_id]
    assert cancelled[message_id]["sent_by"] == "sv-han"
    assert list(await states(client, recipient="010-5555-6666")) == [message_id]
    page = await sv.ok("query.sms.messages", {"page_size": 2})
    rest = await sv.ok("query.sms.messages", {"page_size": 2, "cursor": page["next_cursor"]})
    assert page["total"] == 3
    assert len(page["items"]) + len(rest["items"]) == 3
    assert rest["next_cursor"] is None


async def test_each_refusal_names_its_field_and_records_nothing(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    launch(**with_recorder(tmp_path))
    await ready(client)
    sv = who.supervisor(client)
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    cases = [
        ({"template_id": "nope"}, "template_id", "not_found"),
        ({"type": "MMS", "subject": "안내"}, "type", "mismatch"),
        ({"sender": "02-999-9999"}, "sender", "not_registered"),
        ({"recipients": "010-1234"}, "recipients.0", "wrong_length"),
        ({"body": "가" * 46}, "body", "too_long"),
        ({"body": "{phone}님"}, "body", "needs_callback"),
        ({"reserve_at": soon}, "reserve_at", "too_soon"),
    ]
    for changes, field, reason in cases:
        reply = await sv.ask("admin.sms.send", send(**changes))

        assert reply["ok"] is False, changes
        assert reply["error"]["code"] == "invalid_request"
        assert [(d["field"], d.get("reason")) for d in reply["error"]["details"]] == [
            (field, reason)
        ], reply
    assert (await sv.ok("query.sms.messages", {}))["total"] == 0
    forbidden = await who.monitor(client).ask("admin.sms.send", send())
    assert forbidden["error"]["code"] == "forbidden"


async def test_a_retryable_failure_is_retried_then_sent(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    launch(**with_recorder(tmp_path, "flaky"))
    await ready(client)

    sent = await who.supervisor(client).ok("admin.sms.send", send(recipients="01012345678"))
    (message_id,) = [m["message_id"] for m in sent["messages"]]

    await until(client, [message_id], "SENT")
    assert (await states(client))[message_id]["attempts"] == 2
    assert recorded(tmp_path, "call") == [message_id, message_id]
    assert recorded(tmp_path, "sent") == [message_id]


async def test_a_refusing_provider_fails_the_message_with_its_reason(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    launch(**with_recorder(tmp_path, "refused"))
    await ready(client)

    sent = await who.supervisor(client).ok("admin.sms.send", send(recipients="01012345678"))
    (message_id,) = [m["message_id"] for m in sent["messages"]]

    await until(client, [message_id], "FAILED")
    item = (await states(client))[message_id]
    assert (item["reason"], item["attempts"]) == ("invalid number", 1)


async def test_without_a_provider_messages_wait_reserved_and_health_says_so(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    process = launch()
    await ready(client)

    sent = await who.supervisor(client).ok("admin.sms.send", send())
    await asyncio.sleep(1.5)

    found = await states(client)
    assert {found[m["message_id"]]["state"] for m in sent["messages"]} == {"RESERVED"}
    health = await who.supervisor(client).ok("query.health", {})
    assert health["sms"] == "no SMS provider configured"
    assert "no SMS provider configured" in process.output()


async def test_a_kill_between_hand_over_and_record_never_sends_twice(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    first = launch(**with_recorder(tmp_path, "hang"))
    await ready(client)
    sent = await who.supervisor(client).ok("admin.sms.send", send(recipients="01012345678"))
    (message_id,) = [m["message_id"] for m in sent["messages"]]
    deadline = time.monotonic() + 10
    while recorded(tmp_path, "sent") != [message_id]:
        assert time.monotonic() < deadline, first.output()
        await asyncio.sleep(0.05)

    first.kill()  # SIGKILL: the provider sent it, the answer was never recorded
    launch(**with_recorder(tmp_path, "sent"))

    await until(client, [message_id], "SENT", timeout=20)
    await asyncio.sleep(1.0)
    assert recorded(tmp_path, "call") == [message_id, message_id]  # handed over again ...
    assert recorded(tmp_path, "sent") == [message_id]  # ... and deduped by its id
    assert (await states(client))[message_id]["attempts"] == 1  # the same hand-over


async def test_through_the_jetstream_provider_a_gateways_reports_end_the_messages(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    """CALLBACKS_SMS_PROVIDER=jetstream: the service hands each message to SMS_OUTBOUND
    (SENDING), a gateway reads it there and reports on `sms.status`; the service records
    SENT or FAILED with the reason, and dead-letters a report for no message."""
    from nats.js.api import AckPolicy, ConsumerConfig

    from adapters.messaging.streams import stream_name

    service = launch(CALLBACKS_SMS_PROVIDER="jetstream")
    await ready(client)
    sv = who.supervisor(client)
    sent = await sv.ok("admin.sms.send", send())
    ids = [m["message_id"] for m in sent["messages"]]
    await until(client, ids, "SENDING")

    js = client.nc.jetstream()
    outbound = stream_name("SMS_OUTBOUND", service.prefix)
    await js.add_consumer(
        outbound, ConsumerConfig(durable_name="gateway", ack_policy=AckPolicy.EXPLICIT)
    )
    gateway = await js.pull_subscribe_bind("gateway", stream=outbound)
    handed = await gateway.fetch(2, timeout=10)
    bodies = [json.loads(m.data) for m in handed]
    assert sorted(b["message_id"] for b in bodies) == sorted(ids)
    assert {b["recipient"] for b in bodies} == {"01012345678", "01098765432"}
    for msg in handed:
        await msg.ack()

    status = f"{service.prefix}.sms.status"
    await js.publish(status, json.dumps({"message_id": ids[0], "state": "SENT"}).encode())
    report = {"message_id": ids[1], "state": "FAILED", "reason": "carrier refused"}
    await js.publish(status, json.dumps(report).encode())
    unknown = {"message_id": "00000000-0000-4000-8000-000000000000", "state": "SENT"}
    await js.publish(status, json.dumps(unknown).encode())
    await until(client, ids[:1], "SENT")
    await until(client, ids[1:], "FAILED")
    found = await states(client)
    assert found[ids[1]]["reason"] == "carrier refused"
