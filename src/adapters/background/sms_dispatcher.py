"""The SMS dispatcher: hands due messages to the provider, exactly once per message.

Each hand-over is recorded BEFORE the provider is called (`StartSmsHandOver`) and its
answer after (`RecordSmsDelivery`). A process killed in between leaves the hand-over
unanswered: the message stays due, and the next holder of the lease hands it over again
with the same message id, which the provider dedups (the port's promise). Once a
provider ACCEPTED or SENT a message, the aggregate refuses another hand-over."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import TYPE_CHECKING, Any

from adapters.messaging.context import NO_SMS_PROVIDER
from adapters.pauses import pause
from adapters.sms.port import Delivery, Image, Outbound
from callback_domain import commands as c
from callback_domain.sms_image import SmsImage
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    from uuid import UUID

    from adapters.messaging.context import ServiceContext
    from adapters.sms.port import SmsProvider
    from callback_domain.results import SmsHandOver

log = logging.getLogger(__name__)
DISPATCHER = Caller(actor="sms-dispatcher", role=Role.SYSTEM, channel="sms-dispatcher")


class SmsDispatcher:
    """Polls the `sms_messages` view for due messages (`interval`, so a message due now
    leaves within about that long) and hands each to `provider`, at most `concurrency`
    at a time. Without a provider it hands nothing over: messages wait RESERVED."""

    def __init__(
        self,
        ctx: ServiceContext,
        provider: SmsProvider | None,
        *,
        interval: float = 0.25,
        batch: int = 200,
        concurrency: int = 16,
    ) -> None:
        self.ctx, self.provider = ctx, provider
        self.interval, self.batch = interval, batch
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: set[UUID] = set()
        self.handed = self.refused = self.errors = 0

    @property
    def status(self) -> str:
        return NO_SMS_PROVIDER if self.provider is None else f"provider {self.provider.name}"

    async def run(self, stop: asyncio.Event) -> None:
        if self.provider is None:
            log.warning("sms: %s; messages wait RESERVED until one is", NO_SMS_PROVIDER)
            await stop.wait()
            return
        log.info("sms: handing messages to %s", self.provider.name)
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:
                log.exception("sms dispatcher round failed; retrying")
                busy = False
            if not busy:
                await pause(stop, self.interval)

    async def close(self) -> None:
        if self.provider is not None:
            await self.provider.close()

    async def round(self) -> bool:
        """One pass; True if there may be more due at once."""
        ctx = self.ctx
        due = await ctx.read(ctx.queries.due_messages, ctx.clock(), self.batch)
        todo = [i for i in due if i not in self._in_flight]
        if not todo:
            return False
        self._in_flight.update(todo)
        try:
            positions = await asyncio.gather(*(self._deliver(i) for i in todo))
        finally:
            self._in_flight.difference_update(todo)
        written = [p for p in positions if p]
        if written:  # the next round reads a view that shows these answers
            await ctx.caught_up(max(written))
        return len(due) == self.batch

    async def _deliver(self, message_id: UUID) -> int | None:
        """Hands one message over; the log position of its answer, if recorded."""
        async with self._slots:
            ctx = self.ctx
            start = c.StartSmsHandOver(caller=DISPATCHER, at=ctx.clock(), message_id=message_id)
            started = await ctx.batcher.submit(start)
            if started.error is not None:  # the view trailed a change already made
                self.refused += 1
                log.debug("sms: no hand-over of %s: %s", message_id, started.error.message)
                return started.log_position
            hand: SmsHandOver = started.value
            outbound = await ctx.read(self._outbound, message_id, hand)
            delivery = await self._send(outbound)
            self.handed += 1
            answer = c.RecordSmsDelivery(
                caller=DISPATCHER,
                at=ctx.clock(),
                message_id=message_id,
                attempt=hand.attempt,
                delivery=delivery.state,
                reason=delivery.reason,
                retryable=delivery.retryable,
                provider=self.provider.name if self.provider else "",
                provider_id=delivery.provider_id,
            )
            recorded = await ctx.batcher.submit(answer)
            if recorded.error is not None:  # unanswered: handed over again (deduped)
                self.errors += 1
                log.warning("sms: answer for %s not recorded: %s", message_id, recorded.error)
            return recorded.log_position

    async def _send(self, outbound: Outbound) -> Delivery:
        assert self.provider is not None
        try:
            return await self.provider.send(outbound)
        except Exception as e:  # the port says it never raises; a bug must not stop us
            log.exception("sms: provider %s raised", self.provider.name)
            return Delivery("FAILED", reason=f"provider error: {type(e).__name__}", retryable=True)

    def _outbound(self, message_id: UUID, message: SmsHandOver) -> Outbound:
        """The message as the provider sends it, its images read from the store."""
        images = []
        for name, sha256 in message.images:
            stored: Any = self.ctx.service.repository.get(SmsImage.create_id(sha256))
            images.append(Image(name, base64.b64decode(stored.jpeg_base64)))
        return Outbound(
            message_id=str(message_id),
            type=message.type,  # type: ignore[arg-type]
            sender=message.sender,
            recipient=message.recipient,
            subject=message.subject or None,
            body=message.body,
            images=tuple(images),
        )
