"""An external SMS gateway as the sample NATS permissions (deploy/nats/permissions.conf)
allow it: it reads what the JetStream provider handed over through a durable consumer of
its own and reports back on `callbacks.sms.status`, and may do nothing else."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from adapters.messaging.streams import ensure_streams
from adapters.sms.jetstream import JetStreamProvider
from adapters.sms.port import Outbound
from adapters.sms.status import StatusConsumer

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "permissions.conf"
GATEWAY = {"user": "sms-gateway", "password": "change-me-sms-gateway"}


async def test_a_gateway_sends_and_reports_with_its_sample_permissions(
    start_nats: Callable[..., EmbeddedNatsServer],
) -> None:
    server = start_nats(CONFIG)
    service = await nats.connect(server.url, user="callbacks-service", password="change-me-service")
    js = service.jetstream(timeout=10)
    await ensure_streams(js, "callbacks")
    provider = JetStreamProvider(js, "callbacks")
    seen: list[tuple[str, Any, str | None]] = []

    async def record(message_id: str, state: Any, reason: str | None) -> None:
        seen.append((message_id, state, reason))

    status = StatusConsumer(js, "callbacks", record)
    await status.ensure_consumer()
    stop = asyncio.Event()
    consuming = asyncio.create_task(status.run(stop))

    handed = await provider.send(
        Outbound("m-1", "SMS", "15881234", "01012345678", None, "곧 연락드리겠습니다.")
    )
    refusals: list[str] = []

    async def refused(e: Exception) -> None:
        refusals.append(str(e))

    gateway = await nats.connect(
        server.url, inbox_prefix="_INBOX_sms-gateway", error_cb=refused, **GATEWAY
    )
    gjs = gateway.jetstream(timeout=10)
    sub = await gjs.pull_subscribe(
        "callbacks.sms.outbound.>",
        durable="gateway",
        stream="SMS_OUTBOUND",
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT),
    )
    [msg] = await sub.fetch(1, timeout=5)
    await msg.ack_sync()
    outbound = json.loads(msg.data)
    await gjs.publish(
        "callbacks.sms.status",
        json.dumps({"message_id": outbound["message_id"], "state": "SENT"}).encode(),
    )
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.05)
    # Nothing else: not the service's subjects, not another stream's messages.
    await gateway.publish("callbacks.admin.cancel", b"{}")
    await gateway.publish("callbacks.sms.outbound.forged", b"{}")
    with pytest.raises(Exception, match=r"(?i)timeout|permission|no responders"):
        await gateway.jetstream(timeout=1).pull_subscribe(
            "callbacks.events.>", stream="CALLBACK_EVENTS"
        )
    await gateway.flush()
    await asyncio.sleep(0.3)

    stop.set()
    await consuming
    await gateway.close()
    await service.close()
    assert handed.state == "ACCEPTED"
    assert outbound["recipient"] == "01012345678" and outbound["body"] == "곧 연락드리겠습니다."
    assert seen == [("m-1", "SENT", None)]
    assert sum("permissions violation" in r.lower() for r in refusals) >= 2, refusals
