"""Durable intake: `intake.submit` through JetStream, handled exactly once per request id."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nats.errors
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from adapters.messaging import identity
from adapters.messaging.errors import error_of
from adapters.messaging.messages import envelope
from adapters.messaging.messages import intake as i
from adapters.messaging.streams import INTAKE, stream_name
from adapters.messaging.writes import accepted_replies
from callback_domain.errors import CallbackError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

    from adapters.messaging.context import ServiceContext
    from callback_domain.commands import Command
    from callback_domain.results import Outcome

log = logging.getLogger(__name__)
DURABLE = "callbacks-intake"
MAX_DELIVER = 8
ACK_WAIT = 10.0  # an unacknowledged message (its handler died) is delivered again after this
BACKOFF = [1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0]  # nak delays after each failed delivery
STORE_DOWN_DELAY = 1.0  # the nak delay while the store is down: back within a second of it
PROBE_EVERY = 1.0  # while the store is down, it is asked this often whether it is back
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
    so it never blocks the messages behind it. While the store is down (`store_up` says
    so), nothing is fetched: the failed ones come back a second after it is up again,
    not after a backoff grown during the outage, and an outage spends one delivery.
    A redelivered message is decided alone, so one that keeps failing never takes its
    batch-mates to the dead letters with it.
    Outcomes go to `notify.intake`.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        nc: Client,
        js: JetStreamContext,
        *,
        batch: int = 200,
        max_deliver: int = MAX_DELIVER,
        backoff: Sequence[float] = tuple(BACKOFF),
        store_up: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.ctx, self.nc, self.js, self.batch = ctx, nc, js, batch
        self.max_deliver, self.backoff = max_deliver, list(backoff)
        self.store_up = store_up  # None: the store is taken as up (a failure is the message's)
        self._down_since: float | None = None
        self._probed_at, self._last_up = float("-inf"), True
        self.stream = stream_name(INTAKE, ctx.subjects.prefix)
        self.stats = IntakeStats()

    async def ensure_consumer(self) -> None:
        await self.js.add_consumer(
            self.stream,
            ConsumerConfig(
                durable_name=DURABLE,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                filter_subject=self.ctx.subjects.submit,
                ack_wait=ACK_WAIT,
                max_deliver=self.max_deliver,
                max_ack_pending=20_000,
            ),
        )

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_consumer()
        sub = await self.js.pull_subscribe_bind(DURABLE, stream=self.stream)
        try:
            while not stop.is_set():
                if self._down_since is not None:
                    await self._until_store_up(stop)
                    continue
                try:
                    messages = await sub.fetch(self.batch, timeout=0.5)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except nats.errors.Error as e:  # NATS lost or restarting: said in one line
                    log.warning("intake fetch failed (%s); retrying", type(e).__name__)
                    await asyncio.sleep(1)
                    continue
                except Exception:
                    log.exception("intake fetch failed; retrying")
                    await asyncio.sleep(1)
                    continue
                try:
                    await self.handle(messages)
                except Exception:
                    # Never let one batch end the loop: durable intake would stop for good.
                    # What was not acknowledged is delivered again after ACK_WAIT, and a
                    # redelivery of a recorded request answers with the same callback.
                    log.exception(
                        "intake: a batch of %d failed; unacknowledged ones come back", len(messages)
                    )
                    await asyncio.sleep(1)
        finally:
            # Off the connection before it drains: a pull subscription nobody fetches from
            # any more would hold the drain until its timeout.
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def handle(self, messages: list[Msg]) -> None:
        ctx, now = self.ctx, self.ctx.clock()
        fresh: list[tuple[Msg, str, Command]] = []
        again: list[tuple[Msg, str, Command]] = []
        for msg in messages:
            try:
                payload = envelope.parse(i.IntakeRequest, msg.data)
                caller = await identity.submitter(ctx, dict(msg.headers or {}))
            except CallbackError as e:
                self.stats.refused += 1
                await self._outcome(msg, envelope.request_id_of(msg.data), None, e)
                await msg.ack()
                continue
            entry = (msg, payload.request_id, payload.to_command(caller, now))
            (again if _deliveries(msg) > 1 else fresh).append(entry)
        if fresh:
            outcomes = await ctx.batcher.submit_many([command for _, _, command in fresh])
            # One wait for the views and one read for every place in line of the batch.
            answers = await accepted_replies(ctx, outcomes)
            await asyncio.gather(
                *(
                    self._settle(msg, request_id, outcome, answer)
                    for (msg, request_id, _), outcome, answer in zip(
                        fresh, outcomes, answers, strict=True
                    )
                )
            )
        await self._one_by_one(again)

    async def _one_by_one(self, again: list[tuple[Msg, str, Command]]) -> None:
        """Redelivered messages go one at a time.

        A storage error fails its whole transaction, so every message of a batch shares
        the fate of one that keeps failing (a poison). Alone, an innocent one succeeds on
        its next delivery and the poison fails alone, until it is dead-lettered alone.
        Two failures in a row mean the storage is down, not the messages: the rest are
        put back without being tried.
        """
        failed_in_a_row, last_error = 0, None
        decided: list[tuple[Msg, str, Outcome]] = []
        for index, (msg, request_id, command) in enumerate(again):
            if failed_in_a_row >= 2 and last_error is not None:
                for rest, _, _ in again[index:]:
                    await self._retry(rest, last_error)
                break
            if failed_in_a_row:
                for rest, _, _ in again[index:]:
                    await rest.in_progress()  # the failure may have taken a while
            outcome = await self.ctx.batcher.submit(command)  # one transaction each
            if outcome.error is not None and outcome.error.code in _RETRYABLE:
                failed_in_a_row, last_error = failed_in_a_row + 1, outcome.error
            else:
                failed_in_a_row = 0
            decided.append((msg, request_id, outcome))
        # The writes went one by one; the replies (which wait for the views) go together.
        answers = await accepted_replies(self.ctx, [outcome for _, _, outcome in decided])
        await asyncio.gather(
            *(
                self._settle(msg, request_id, outcome, answer)
                for (msg, request_id, outcome), answer in zip(decided, answers, strict=True)
            )
        )

    async def _settle(
        self, msg: Msg, request_id: str, outcome: Outcome, answer: dict[str, Any] | None
    ) -> None:
        """`answer`: the reply of an accepted outcome (None when refused)."""
        if outcome.error is not None and outcome.error.code in _RETRYABLE:
            await self._retry(msg, outcome.error)
            return
        if outcome.error is not None:
            self.stats.refused += 1
            await self._outcome(msg, request_id, None, outcome.error)
        else:
            self.stats.handled += 1
            await self._outcome(msg, request_id, answer, None)
        await msg.ack()

    async def _retry(self, msg: Msg, error: CallbackError) -> None:
        delivered = _deliveries(msg)
        if delivered < self.max_deliver:
            self.stats.retried += 1
            if error.code == "unavailable" and await self._store_down():
                await msg.nak(delay=STORE_DOWN_DELAY)
            else:
                await msg.nak(delay=self.backoff[min(delivered, len(self.backoff)) - 1])
            return
        self.stats.dead += 1
        headers = {
            **dict(msg.headers or {}),
            "Callbacks-Dead-Reason": f"{error.code}: {error.message}",
            "Callbacks-Deliveries": str(delivered),
        }
        await self.js.publish(self.ctx.subjects.dead_intake, msg.data, headers=headers)
        await self._outcome(msg, envelope.request_id_of(msg.data), None, error)
        await msg.term()

    async def _store_down(self) -> bool:
        """Whether the store is down (asked at most once per PROBE_EVERY)."""
        loop = asyncio.get_running_loop()
        if self._down_since is not None:
            return True
        if self.store_up is None:
            return False
        now = loop.time()
        if now - self._probed_at >= PROBE_EVERY:
            self._probed_at, self._last_up = now, await self.store_up()
            if not self._last_up:
                self._down_since = now
                log.warning("intake: the store is down; fetching paused until it is back")
        return not self._last_up

    async def _until_store_up(self, stop: asyncio.Event) -> None:
        assert self.store_up is not None
        while not stop.is_set():
            if await self.store_up():
                log.warning("intake: the store is back; fetching again")
                self._down_since, self._last_up = None, True
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_EVERY)

    async def _outcome(
        self,
        msg: Msg,
        request_id: str | None,
        data: dict[str, Any] | None,
        error: BaseException | None,
    ) -> None:
        body: dict[str, Any] = {"request_id": request_id, "ok": error is None}
        if error is None:
            body["data"] = data
        else:
            code, message, details = error_of(error)
            body["error"] = {"code": code, "message": message, "details": details}
        await self.nc.publish(
            self.ctx.subjects.intake_outcomes,
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        )


def _deliveries(msg: Msg) -> int:
    return msg.metadata.num_delivered if msg.metadata and msg.metadata.num_delivered else 1
