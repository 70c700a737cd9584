"""The relay: every event of the log onto CALLBACK_EVENTS, once and in log order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError, Tracking
from nats.js.errors import NotFoundError

from adapters.messaging.streams import EVENTS, event_subject, msg_id, stream_name
from adapters.pauses import pause
from projections.event_record import EventRecord

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from eventsourcing.persistence import TrackingRecorder
    from nats.aio.client import Client
    from nats.js import JetStreamContext

    from callback_domain.application import CallbackService

log = logging.getLogger(__name__)
NOTIFY_KEY = "notifications"


@dataclass(slots=True)
class RelayStats:
    published: int = 0
    notified: int = 0
    batches: int = 0
    errors: int = 0
    resyncs: int = 0
    position: int = 0  # the last event on the stream
    last_error: str | None = None


class EventRelay:
    """Follows the event log and publishes it to JetStream, pipelined.

    The stream itself says how far the relay got: its last message carries its log
    position. Each message expects the stream's last sequence to be the previous
    one's (`Nats-Expected-Last-Sequence`), so a lost publish makes every later one
    of the batch fail instead of overtaking it: the stream holds each event once,
    in log order, with no reliance on the dedup window. After any failure the relay
    re-reads the stream's last message and carries on from there.

    Notifications (`notify.*`) follow with their own tracked position: a crash
    between the stream and the notifications repeats notifications (at least once)
    but never loses them.
    """

    def __init__(
        self,
        *,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        prefix: str,
        notifier: Callable[[list[EventRecord]], Awaitable[list[tuple[str, bytes]]]] | None = None,
        nc: Client | None = None,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        ack_timeout: float = 10.0,
    ) -> None:
        self.service, self.tracking, self.js, self.prefix = service, tracking, js, prefix
        self.notifier, self.nc = notifier, nc
        self.batch_size, self.poll_interval, self.ack_timeout = (
            batch_size,
            poll_interval,
            ack_timeout,
        )
        self.stats = RelayStats()
        self.stream = stream_name(EVENTS, prefix)
        self._stream_seq: int | None = None  # None: read the stream's tail first
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                done = await self.run_once()
                backoff = 0.5
            except Exception as e:
                self.stats.errors += 1
                self.stats.last_error = f"{type(e).__name__}: {e}"
                self._stream_seq = None
                log.warning(
                    "relay: %s; re-syncing from the stream in %.1fs", self.stats.last_error, backoff
                )
                await pause(stop, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if done < self.batch_size:
                await pause(self._wake, self.poll_interval)
                self._wake.clear()

    async def run_once(self) -> int:
        """Publishes (and notifies) the next batch; returns how many events it read."""
        if self._stream_seq is None:
            await self._resync()
        notified = await asyncio.to_thread(self.tracking.max_tracking_id, NOTIFY_KEY) or 0
        if self.notifier is None:
            notified = self.stats.position
        start = min(self.stats.position, notified)
        notifications = await asyncio.to_thread(
            self.service.recorder.select_notifications, start + 1, self.batch_size
        )
        if not notifications:
            return 0
        records = [
            EventRecord.of(self.service.mapper.to_domain_event(n), n.id) for n in notifications
        ]
        await self._publish([r for r in records if r.position > self.stats.position])
        fresh = [r for r in records if r.position > notified]
        if self.notifier is not None and fresh:
            await self._notify(fresh)
        self.stats.batches += 1
        return len(records)

    async def _publish(self, records: list[EventRecord]) -> None:
        if not records:
            return
        assert self._stream_seq is not None
        futures = []
        for i, record in enumerate(records):
            headers = {
                "Nats-Msg-Id": msg_id(record),
                "Nats-Expected-Last-Sequence": str(self._stream_seq + i),
            }
            body = json.dumps(record.as_json(), ensure_ascii=False, separators=(",", ":")).encode()
            futures.append(
                await self.js.publish_async(
                    event_subject(self.prefix, record), body, headers=headers
                )
            )
        acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=self.ack_timeout)
        for i, ack in enumerate(acks):
            if ack.stream != self.stream or ack.seq != self._stream_seq + i + 1:
                msg = f"unexpected ack {ack} for position {records[i].position}"
                raise RuntimeError(msg)
        self._stream_seq += len(records)
        self.stats.position = records[-1].position
        self.stats.published += len(records)
        if self.notifier is None:
            await asyncio.to_thread(self._checkpoint, self.stats.position)

    async def _notify(self, records: list[EventRecord]) -> None:
        assert self.notifier is not None and self.nc is not None
        for subject, body in await self.notifier(records):
            await self.nc.publish(subject, body)
        await self.nc.flush(timeout=math.ceil(self.ack_timeout))
        self.stats.notified += len(records)
        await asyncio.to_thread(self._checkpoint, records[-1].position)

    def _checkpoint(self, position: int) -> None:
        key = NOTIFY_KEY if self.notifier is not None else "relay"
        # Already at or past it (a re-sync went back): the stream is the truth.
        with contextlib.suppress(IntegrityError):
            self.tracking.insert_tracking(Tracking(key, position))

    async def _resync(self) -> None:
        """Reads where the stream stands: its last sequence and the last event's position."""
        self.stats.resyncs += 1
        info = await self.js.stream_info(self.stream)
        self._stream_seq = info.state.last_seq
        self.stats.position = 0
        if info.state.messages:
            try:
                last = await self.js.get_last_msg(self.stream, f"{self.prefix}.events.>")
            except NotFoundError:
                return
            self.stats.position = int(json.loads(last.data or b"{}").get("position", 0))

    def lag(self) -> int:
        head = self.service.recorder.max_notification_id() or 0
        return max(0, head - self.stats.position)
