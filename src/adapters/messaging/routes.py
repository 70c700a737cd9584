"""The FastStream broker: one router per subject family of the subject table, one
subscriber per subscription the table asks for, every reply an envelope."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faststream.nats import NatsBroker, NatsRouter, NatsToken, NatsUserPassword

from adapters.messaging.context import Call
from adapters.messaging.errors import error_of
from adapters.messaging.messages import envelope
from adapters.messaging.table import subscriptions, verb_index
from adapters.observability import logs
from callback_domain.errors import CallbackError, ForbiddenError, InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pydantic import BaseModel

    from adapters.messaging.context import ServiceContext
    from adapters.messaging.table import Subject

    # Told of every reply: (subject name or `<family>.other`, error code or None, seconds).
    ReplyObserver = Callable[[str, str | None, float], None]

log = logging.getLogger(__name__)
QUEUE_GROUP = "callbacks"  # every instance shares the load of each subject
# Messages each subscriber handles at once: concurrent commands are what the batcher
# groups into one transaction; handled one at a time, every request would wait for
# the previous one's commit and its view (~25 requests/s).
MAX_IN_FLIGHT = 512
_ID_SCAN_LIMIT = 64 * 1024  # a refused body larger than this is not read again for its request id


def find(carried: Sequence[Subject], tail: list[str]) -> tuple[Subject, dict[str, str]]:
    """The table's subject a message came on, and its parameters; an unknown verb is
    `invalid_request` naming the verbs of the family."""
    for subject in carried:
        params = subject.matches(tail)
        if params is not None:
            return subject, params
    at = verb_index(tuple(carried))
    name = tail[at] if len(tail) > at else ""
    known = ", ".join(s.name.split(".")[-1] for s in carried)
    raise InvalidRequestError.single(
        "(subject)", f"unknown verb {name!r}; this subject family takes {known}"
    )


def label(carried: Sequence[Subject], tail: list[str]) -> str:
    """A bounded metric label: the subject's name, or `<family>.other`."""
    for subject in carried:
        if subject.matches(tail) is not None:
            return subject.name
    return f"{carried[0].family}.other"


async def answer(
    ctx: ServiceContext,
    carried: Sequence[Subject],
    tail: list[str],
    body: bytes,
    headers: Mapping[str, str],
) -> BaseModel:
    """One request through its table entry: who calls, the payload, the handler's reply."""
    subject, params = find(carried, tail)
    assert subject.identify is not None and subject.handler is not None
    caller = await subject.identify(ctx, subject.name, params, headers)
    if subject.roles and caller.role not in subject.roles:
        raise ForbiddenError(
            role=caller.role.value, actor=caller.actor, action=f"use {subject.name}"
        )
    payload = envelope.parse(subject.payload, body)
    return await subject.handler(Call(ctx, caller, payload, params))


@dataclass(frozen=True, slots=True)
class Replied:
    """A request's reply envelope and its error code (None: ok), whatever carried it."""

    body: bytes
    code: str | None


async def respond(
    ctx: ServiceContext,
    carried: Sequence[Subject],
    tail: list[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    observe: ReplyObserver | None = None,
    transport_id: str | None = None,
) -> Replied:
    """One request, from any transport (NATS, HTTP), to its envelope: parsed, identified,
    handled, logged and observed exactly alike. `carried`: the subjects of the
    subscription the request's subject (`tail`, its tokens after the prefix) is delivered
    to; `transport_id`: the transport's own id of the request, for logs when the client
    gave none."""
    started = time.monotonic()
    subject = ctx.subjects.of(".".join(tail))
    logs.correlation_id.set(None)
    logs.correlate(logs.from_headers(headers))  # or the request id, once a handler parsed it
    error: BaseException | None = None
    try:
        reply = envelope.ok(await answer(ctx, carried, tail, body, headers))
    except CallbackError as e:
        error, reply = e, envelope.error_reply(e)
    except Exception as e:
        log.exception("unexpected failure on %s", subject)
        error, reply = e, envelope.error_reply(e)
    seconds = time.monotonic() - started
    if error is not None:  # refused before a handler read it: still named by its request id
        logs.correlate(envelope.request_id_of(body, scan_limit=_ID_SCAN_LIMIT))
    logs.correlate(transport_id)
    code = None if error is None else error_of(error)[0]
    if observe is not None:
        observe(label(carried, tail), code, seconds)
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
    return Replied(reply, code)


def _replying(
    ctx: ServiceContext, carried: Sequence[Subject], observe: ReplyObserver | None = None
) -> Any:
    async def on_message(msg: Any) -> bytes:
        replied = await respond(
            ctx,
            carried,
            ctx.subjects.tail(msg.raw_message.subject),
            msg.body,
            dict(msg.headers or {}),
            observe=observe,
            transport_id=msg.correlation_id,  # no id of the client's: FastStream's own
        )
        return replied.body

    return on_message


async def _whole_message(msg: Any) -> Any:
    """The handler's argument: the message itself, body undecoded. Each request is parsed
    once, by its table entry's payload model inside its own error handling (so even JSON
    nested too deep to decode gets its envelope reply), and with `apply_types=False` no
    dependency injection runs per message (it cost a thread hop per message)."""
    return msg


def _security(auth: dict[str, str]) -> NatsUserPassword | NatsToken | None:
    if "user" in auth:
        return NatsUserPassword(auth["user"], auth["password"])
    if "token" in auth:
        return NatsToken(auth["token"])
    return None


def make_broker(
    servers: str | Sequence[str], callbacks: Mapping[str, Any] | None = None, **auth: str
) -> NatsBroker:
    """The process's NATS connection stack: `await broker.connect()` gives the nats-py
    client that JetStream, the relay, durable intake and the Services API use too.
    `callbacks`: nats-py's connection callbacks (`error_cb`, `disconnected_cb`, …)."""
    return NatsBroker(
        servers,
        **(callbacks or {}),
        security=_security(auth),  # also for the servers a cluster announces (they come without)
        name="callbacks",
        max_reconnect_attempts=-1,  # reconnect by itself, however long NATS is away
        reconnect_time_wait=1,
        log_level=logging.DEBUG,  # per-message INFO logging halves throughput
        # Through the root logger's format (JSON with CALLBACKS_LOG_FORMAT=json), not
        # FastStream's own coloured handler on standard output.
        logger=logging.getLogger("callbacks.broker"),
        graceful_timeout=15.0,
        apply_types=False,  # handlers take the message itself (see _whole_message)
    )


def add_routes(
    broker: NatsBroker, ctx: ServiceContext, observe: ReplyObserver | None = None
) -> NatsBroker:
    """One router per subject family, one subscriber per subscription of the table."""
    routers: dict[str, NatsRouter] = {}
    for pattern, carried in subscriptions().items():
        family = carried[0].family
        router = routers.setdefault(family, NatsRouter(prefix=f"{ctx.subjects.prefix}."))
        router.subscriber(
            pattern,
            queue=QUEUE_GROUP,
            title=carried[0].name if len(carried) == 1 else f"{family}.*",
            max_workers=MAX_IN_FLIGHT,
            decoder=_whole_message,
        )(_replying(ctx, carried, observe))
    for router in routers.values():
        broker.include_router(router)
    return broker


def build_broker(
    ctx: ServiceContext,
    servers: str | Sequence[str],
    observe: ReplyObserver | None = None,
    **auth: str,
) -> NatsBroker:
    return add_routes(make_broker(servers, None, **auth), ctx, observe)


async def stop_answering(broker: NatsBroker) -> None:
    """Closes the subscribers (handlers in flight run to the end) and keeps the connection:
    durable intake, the relay and the batcher's last replies still need it."""
    for subscriber in broker.subscribers:
        await subscriber.stop()
