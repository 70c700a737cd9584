"""Durable intake: `intake.submit` through JetStream, handled exactly once per request id."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from adapters.messaging import identity
from adapters.messaging.errors import error_of
from adapters.messaging.messages import envelope
from adapters.messaging.messages import intake as i
from adapters.messaging.streams import INTAKE, stream_name
from adapters.messaging.writes import accepted_reply
from callback_domain.errors import CallbackError

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

    from adapters.messaging.context import ServiceContext

log = logging.getLogger(__name__)
DURABLE = "callbacks-intake"
MAX_DELIVER = 8
ACK_WAIT = 10.0  # an unacknowledged message (its handler died) is delivered again after this
BACKOFF = [1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0]  # nak delays after each failed delivery
_RETRYABLE = {"unavailable", "conflict", "internal"}


@dataclass(slots=True)
class IntakeStats:
    handled: int = 0
    refused: int = 0
    retried: int = 0
    dead: int = 0


class IntakeConsumer:
    """A durable pull consumer that every instance shares.

    Each fetched batch goes through the command batcher as one group. A message is
    acknowledged only after its callback is committed, or after a refusal (a bad
    request does not get better with time). Storage trouble naks it for redelivery
    with backoff; after MAX_DELIVER deliveries it is dead-lettered with the reason,
    so it never blocks the messages behind it. Outcomes go to `notify.intake`.
    """

    def __init__(self, ctx: ServiceContext, nc: Client, js: JetStreamContext, *, batch: int = 200) -> None:
        self.ctx, self.nc, self.js, self.batch = ctx, nc, js, batch
        self.stream = stream_name(INTAKE, ctx.subjects.prefix)
        self.stats = IntakeStats()

    async def ensure_consumer(self) -> None:
        await self.js.add_consumer(self.stream, ConsumerConfig(
            durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
            filter_subject=self.ctx.subjects.submit, ack_wait=ACK_WAIT, max_deliver=MAX_DELIVER,
            max_ack_pending=20_000,
        ))

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_consumer()
        sub = await self.js.pull_subscribe_bind(DURABLE, stream=self.stream)
        while not stop.is_set():
            try:
                messages = await sub.fetch(self.batch, timeout=0.5)
            except (NatsTimeoutError, TimeoutError):
                continue
            except Exception:
                log.exception("intake fetch failed; retrying")
                await asyncio.sleep(1)
                continue
            await self.handle(messages)

    async def handle(self, messages: list[Msg]) -> None:
        ctx, now = self.ctx, self.ctx.clock()
        commands, accepted = [], []
        for msg in messages:
            try:
                payload = envelope.parse(i.IntakeRequest, msg.data)
                caller = identity.ivr(dict(msg.headers or {}), "nats:intake.submit")
            except CallbackError as e:
                self.stats.refused += 1
                await self._outcome(msg, _request_id(msg.data), None, e)
                await msg.ack()
                continue
            commands.append(payload.to_command(caller, now))
            accepted.append((msg, payload.request_id))
        outcomes = await ctx.batcher.submit_many(commands) if commands else []
        for (msg, request_id), outcome in zip(accepted, outcomes, strict=True):
            if outcome.error is not None and outcome.error.code in _RETRYABLE:
                await self._retry(msg, outcome.error)
                continue
            if outcome.error is not None:
                self.stats.refused += 1
                await self._outcome(msg, request_id, None, outcome.error)
            else:
                self.stats.handled += 1
                await self._outcome(msg, request_id, await accepted_reply(ctx, outcome), None)
            await msg.ack()

    async def _retry(self, msg: Msg, error: CallbackError) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        if delivered < MAX_DELIVER:
            self.stats.retried += 1
            await msg.nak(delay=BACKOFF[min(delivered, len(BACKOFF)) - 1])
            return
        self.stats.dead += 1
        headers = {**dict(msg.headers or {}), "Callbacks-Dead-Reason": f"{error.code}: {error.message}",
                   "Callbacks-Deliveries": str(delivered)}
        await self.js.publish(self.ctx.subjects.dead_intake, msg.data, headers=headers)
        await self._outcome(msg, _request_id(msg.data), None, error)
        await msg.term()

    async def _outcome(self, msg: Msg, request_id: str | None, data: dict[str, Any] | None,
                       error: BaseException | None) -> None:
        body: dict[str, Any] = {"request_id": request_id, "ok": error is None}
        if error is None:
            body["data"] = data
        else:
            code, message, details = error_of(error)
            body["error"] = {"code": code, "message": message, "details": details}
        await self.nc.publish(self.ctx.subjects.intake_outcomes, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def _request_id(data: bytes) -> str | None:
    try:
        value = json.loads(data).get("request_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
