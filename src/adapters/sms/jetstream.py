"""The JetStream provider: each message goes to the SMS_OUTBOUND stream for an external
gateway, which reports the outcome on `{prefix}.sms.status` (status.py).

- Subject `{prefix}.sms.outbound.{message_id}`, header `Nats-Msg-Id: {message_id}`: a second
  hand-over of one message within the stream's duplicate window (a day) is dropped by the
  stream and answered as the first one was, so a retry after a crash never queues it twice.
- ACCEPTED on the stream's publish ack (the gateway's report decides SENT or FAILED);
  FAILED and retryable when no ack came (timeout, no responders, connection down).
- Streams follow streams.py's naming: CONTRACT.md's names under the default prefix,
  `SMS_OUTBOUND_<PREFIX>` under another one. SMS_STATUS (ours, not in CONTRACT.md) keeps
  the gateway's reports while no instance consumes them.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from nats.errors import Error as NatsError
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from adapters.messaging.streams import stream_name
from adapters.sms.port import Delivery, Outbound

if TYPE_CHECKING:
    from nats.js import JetStreamContext

log = logging.getLogger(__name__)
OUTBOUND, STATUS = "SMS_OUTBOUND", "SMS_STATUS"
DAY = 24 * 3600.0
WEEK = 7 * DAY
PUBLISH_TIMEOUT = 5.0


def outbound_subject(prefix: str, message_id: str) -> str:
    return f"{prefix}.sms.outbound.{message_id}"


def status_subject(prefix: str) -> str:
    return f"{prefix}.sms.status"


def sms_stream_configs(prefix: str, *, replicas: int = 1) -> list[StreamConfig]:
    """Both live outside request/reply subjects (`{prefix}.sms.*` has none)."""
    common: dict[str, Any] = {
        "storage": StorageType.FILE,
        "num_replicas": replicas,
        "discard": DiscardPolicy.OLD,
    }
    return [
        # Kept a week whether or not a gateway consumed them (its durable consumer keeps
        # its own place; an audit or a second gateway can read them again).
        StreamConfig(
            name=stream_name(OUTBOUND, prefix),
            subjects=[f"{prefix}.sms.outbound.>"],
            retention=RetentionPolicy.LIMITS,
            max_age=WEEK,
            duplicate_window=DAY,
            description="SMS and MMS handed over to the external gateway",
            **common,
        ),
        # A report waits here until an instance has recorded it (work queue: recorded
        # ones leave), so none is lost while the service restarts.
        StreamConfig(
            name=stream_name(STATUS, prefix),
            subjects=[status_subject(prefix)],
            retention=RetentionPolicy.WORK_QUEUE,
            duplicate_window=DAY,
            description="the gateway's reports of sent and failed messages",
            **common,
        ),
    ]


async def ensure_sms_streams(js: JetStreamContext, prefix: str, *, replicas: int = 1) -> None:
    """Creates the streams, or updates them to these settings (never recreates)."""
    for config in sms_stream_configs(prefix, replicas=replicas):
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


def outbound_json(message: Outbound) -> bytes:
    """What the gateway receives (docs/contract.md "SMS and MMS")."""
    return json.dumps(
        {
            "message_id": message.message_id,
            "type": message.type,
            "sender": message.sender,
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "images": [
                {"name": image.name, "jpeg_base64": base64.b64encode(image.jpeg).decode()}
                for image in message.images
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


class JetStreamProvider:
    """Hands messages to the external gateway through the SMS_OUTBOUND stream."""

    name = "jetstream"

    def __init__(
        self,
        js: JetStreamContext,
        prefix: str = "callbacks",
        *,
        replicas: int = 1,
        timeout: float = PUBLISH_TIMEOUT,
    ) -> None:
        self.js, self.prefix, self.replicas, self.timeout = js, prefix, replicas, timeout
        self.stream = stream_name(OUTBOUND, prefix)
        self._ensured = False

    async def ensure_streams(self) -> None:
        await ensure_sms_streams(self.js, self.prefix, replicas=self.replicas)
        self._ensured = True

    async def send(self, message: Outbound) -> Delivery:
        try:
            if not self._ensured:
                await self.ensure_streams()
            ack = await self.js.publish(
                outbound_subject(self.prefix, message.message_id),
                outbound_json(message),
                timeout=self.timeout,
                stream=self.stream,
                headers={"Nats-Msg-Id": message.message_id},
            )
        except (NatsError, TimeoutError, OSError) as e:
            # Timeout, no responders, a lost connection, a stream missing or refusing: not
            # stored, or stored under this id (a retry is then deduplicated): safe to retry.
            self._ensured = False  # a stream deleted meanwhile is created again
            reason = f"the {self.stream} stream did not take it: {type(e).__name__} {e}".strip()
            log.warning("sms %s: %s", message.message_id, reason)
            return Delivery("FAILED", reason=reason, retryable=True)
        return Delivery("ACCEPTED", provider_id=f"{ack.stream}:{ack.seq}")

    async def close(self) -> None:
        """The connection belongs to the service; nothing of ours to close."""
