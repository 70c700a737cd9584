"""The FastStream broker: one subscriber per subject family, every reply an envelope."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from faststream.nats import NatsBroker, NatsToken, NatsUserPassword

from adapters.messaging import reads, writes
from adapters.messaging.errors import error_of
from adapters.messaging.messages import envelope
from adapters.observability import logs
from callback_domain.errors import CallbackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from adapters.messaging.context import ServiceContext

    # Told of every reply: (subject tail, error code or None, seconds); e.g. metrics.
    ReplyObserver = Callable[[list[str], str | None, float], None]

log = logging.getLogger(__name__)
QUEUE_GROUP = "callbacks"  # every instance shares the load of each subject
# Messages each subscriber handles at once: concurrent commands are what the batcher
# groups into one transaction; handled one at a time, every request would wait for
# the previous one's commit and its view (~25 requests/s).
MAX_IN_FLIGHT = 512
_ID_SCAN_LIMIT = 64 * 1024  # a refused body larger than this is not read again for its request id


def _replying(
    ctx: ServiceContext,
    handle: Callable[[list[str], bytes, dict[str, str]], Awaitable[dict[str, Any]]],
    observe: ReplyObserver | None = None,
) -> Any:
    async def on_message(msg: Any) -> bytes:
        started = time.monotonic()
        subject = msg.raw_message.subject
        headers = dict(msg.headers or {})
        tail = ctx.subjects.tail(subject)
        logs.correlation_id.set(None)
        logs.correlate(logs.from_headers(headers))  # or the request id, once a handler parsed it
        error: BaseException | None = None
        try:
            reply = envelope.ok(await handle(tail, msg.body, headers))
        except CallbackError as e:
            error, reply = e, envelope.error_reply(e)
        except Exception as e:
            log.exception("unexpected failure on %s", subject)
            error, reply = e, envelope.error_reply(e)
        seconds = time.monotonic() - started
        if error is not None:  # refused before a handler read it: still named by its request id
            logs.correlate(envelope.request_id_of(msg.body, scan_limit=_ID_SCAN_LIMIT))
        logs.correlate(msg.correlation_id)  # no id of the client's: FastStream's own
        code = None if error is None else error_of(error)[0]
        if observe is not None:
            observe(tail, code, seconds)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s answered %s in %.1f ms",
                subject,
                code or "ok",
                seconds * 1000,
                extra={
                    "subject": subject,
                    "code": code or "ok",
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
        return reply

    return on_message


async def _whole_message(msg: Any) -> Any:
    """The handler's argument: the message itself, body undecoded. Each handler parses
    the body once, inside its own error handling (so even JSON nested too deep to
    decode gets its envelope reply), and with `apply_types=False` no dependency
    injection runs per message (it cost a thread hop per message)."""
    return msg


def _security(auth: dict[str, str]) -> NatsUserPassword | NatsToken | None:
    if "user" in auth:
        return NatsUserPassword(auth["user"], auth["password"])
    if "token" in auth:
        return NatsToken(auth["token"])
    return None


def build_broker(
    ctx: ServiceContext,
    servers: str | Sequence[str],
    observe: ReplyObserver | None = None,
    **auth: str,
) -> NatsBroker:
    broker = NatsBroker(
        servers,
        security=_security(auth),  # also for the servers a cluster announces (they come without)
        name="callbacks",
        max_reconnect_attempts=-1,  # reconnect by itself, however long NATS is away
        reconnect_time_wait=1,
        log_level=logging.DEBUG,  # per-message INFO logging halves throughput
        graceful_timeout=15.0,
        apply_types=False,  # handlers take the message itself (see _whole_message)
    )
    p = ctx.subjects.prefix
    families: list[tuple[str, Any, str]] = [
        (f"{p}.intake.request", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.request"),
        (f"{p}.intake.cancel", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.cancel"),
        (f"{p}.intake.abandon", lambda t, b, h: writes.intake(ctx, t, b, h), "intake.abandon"),
        (f"{p}.agent.*.*", lambda t, b, h: writes.agent(ctx, t, b), "an agent's desktop"),
        (
            f"{p}.admin.*",
            lambda t, b, h: writes.administration(ctx, t, b, h),
            "supervisors and administrators",
        ),
        (f"{p}.query.*", lambda t, b, h: reads.query(ctx, t, b, h), "monitors and above"),
        (f"{p}.cti.presence.*", lambda t, b, h: writes.presence(ctx, t, b), "the CTI system"),
    ]
    for subject, handle, title in families:
        broker.subscriber(
            subject,
            queue=QUEUE_GROUP,
            title=title,
            max_workers=MAX_IN_FLIGHT,
            decoder=_whole_message,
        )(_replying(ctx, handle, observe))
    return broker
