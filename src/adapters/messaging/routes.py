"""The FastStream broker: one subscriber per subject family, every reply an envelope."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage  # noqa: TC002 - FastStream reads it at run time

from adapters.messaging import reads, writes
from adapters.messaging.messages import envelope
from callback_domain.errors import CallbackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from adapters.messaging.context import ServiceContext

log = logging.getLogger(__name__)
QUEUE_GROUP = "callbacks"  # every instance shares the load of each subject


def _replying(ctx: ServiceContext, handle: Callable[[list[str], bytes, dict[str, str]], Awaitable[dict[str, Any]]]) -> Any:
    async def on_message(msg: NatsMessage) -> bytes:
        try:
            tail = ctx.subjects.tail(msg.raw_message.subject)
            return envelope.ok(await handle(tail, msg.body, dict(msg.headers or {})))
        except CallbackError as e:
            return envelope.error_reply(e)
        except Exception as e:
            log.exception("unexpected failure on %s", msg.raw_message.subject)
            return envelope.error_reply(e)

    return on_message


def build_broker(ctx: ServiceContext, url: str) -> NatsBroker:
    broker = NatsBroker(
        url,
        name="callbacks",
        max_reconnect_attempts=-1,  # reconnect by itself, however long NATS is away
        reconnect_time_wait=1,
        log_level=logging.DEBUG,  # per-message INFO logging halves throughput
        graceful_timeout=15.0,
    )
    p = ctx.subjects.prefix
    families: list[tuple[str, Any, str]] = [
        (f"{p}.intake.request", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.request"),
        (f"{p}.intake.cancel", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.cancel"),
        (f"{p}.intake.abandon", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.abandon"),
        (f"{p}.agent.*.*", lambda t, b, h: writes.agent(ctx, t, b), "an agent's desktop"),
        (f"{p}.admin.*", lambda t, b, h: writes.administration(ctx, t, b, h), "supervisors and administrators"),
        (f"{p}.query.*", lambda t, b, h: reads.query(ctx, t, b), "monitors and above"),
        (f"{p}.cti.presence.*", lambda t, b, h: writes.presence(ctx, t, b), "the CTI system"),
    ]
    for subject, handle, title in families:
        broker.subscriber(subject, queue=QUEUE_GROUP, title=title)(_replying(ctx, handle))
    return broker
