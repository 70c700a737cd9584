"""The JetStream streams of CONTRACT.md, and where each event is published."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypedDict

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from projections.event_record import EventRecord

INTAKE, EVENTS, DEAD_LETTERS = "CALLBACK_INTAKE", "CALLBACK_EVENTS", "CALLBACK_DEAD_LETTERS"
DEFAULT_PREFIX = "callbacks"
HOUR = 3600.0


class _CommonSettings(TypedDict):
    """The settings every stream shares, typed so they unpack into StreamConfig."""

    storage: StorageType
    num_replicas: int
    discard: DiscardPolicy


def stream_name(base: str, prefix: str) -> str:
    """CONTRACT.md's names under the default prefix; under another prefix (another
    deployment or tenant on the same NATS) the prefix is appended, so they never mix."""
    if prefix == DEFAULT_PREFIX:
        return base
    return f"{base}_{re.sub(r'[^A-Za-z0-9]+', '_', prefix).upper()}"


def configs(
    prefix: str, *, replicas: int = 1, duplicate_window: float = HOUR
) -> list[StreamConfig]:
    """Request/reply subjects are never in a stream: its publish ack would answer them."""
    common: _CommonSettings = {
        "storage": StorageType.FILE,
        "num_replicas": replicas,
        "discard": DiscardPolicy.OLD,
    }
    return [
        # A submitted request is never dropped: no age or size limit; acknowledged
        # messages leave the work queue.
        StreamConfig(
            name=stream_name(INTAKE, prefix),
            subjects=[f"{prefix}.intake.submit"],
            retention=RetentionPolicy.WORK_QUEUE,
            duplicate_window=duplicate_window,
            description="callback requests submitted durably",
            **common,
        ),
        StreamConfig(
            name=stream_name(EVENTS, prefix),
            subjects=[f"{prefix}.events.>"],
            retention=RetentionPolicy.LIMITS,
            duplicate_window=max(duplicate_window, HOUR),
            allow_direct=True,
            description="every domain event, in log order",
            **common,
        ),
        StreamConfig(
            name=stream_name(DEAD_LETTERS, prefix),
            subjects=[f"{prefix}.dead.>"],
            retention=RetentionPolicy.LIMITS,
            duplicate_window=duplicate_window,
            description="submitted requests that kept failing",
            **common,
        ),
    ]


async def ensure_streams(
    js: JetStreamContext,
    prefix: str = "callbacks",
    *,
    replicas: int = 1,
    duplicate_window: float = HOUR,
) -> None:
    """Creates the streams, or updates them to these settings (never recreates)."""
    for config in configs(prefix, replicas=replicas, duplicate_window=duplicate_window):
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


# Where each aggregate kind's events go (after the prefix; then `.{event_name}`): a
# callback's under its id (CONTRACT.md), every other kind's under its kind, then its key.
EVENT_ADDRESSES = {
    "Callback": "events.{callback_id}",
    "Agent": "events.agent.{agent_id}",
    "PhoneLine": "events.line.{line_id}",
    "PolicyBook": "events.policies.{policy_book_id}",
    "RouteBook": "events.routes.{route_book_id}",
    "SlotSeats": "events.seats.{slot_seats_id}",
    "User": "events.user.{user_id}",
    "SmsCatalog": "events.sms-catalog.{sms_catalog_id}",
    "SmsImage": "events.sms-image.{sms_image_id}",
    "SmsMessage": "events.sms-message.{sms_message_id}",
}


def event_subject(prefix: str, record: EventRecord) -> str:
    key = record.data["agent_id"] if record.aggregate == "Agent" else record.aggregate_id
    address = EVENT_ADDRESSES[record.aggregate].rsplit(".", 1)[0]
    return f"{prefix}.{address}.{key}.{record.type}"


def msg_id(record: EventRecord) -> str:
    return f"{record.aggregate_id}:{record.version}"
