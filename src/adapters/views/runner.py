"""The view follower: reads the log in batches and writes every view exactly once."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import IntegrityError

from callback_domain.phones import DEFAULT_REGION, PhoneNumbers
from projections.agent_counts import AgentCountsProjection
from projections.batch import Positioned, ViewBatch
from projections.callback_list import CallbackListProjection
from projections.history import HistoryProjection
from projections.log_times import LogTimesProjection
from projections.sms_messages import SmsMessagesProjection

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from adapters.views.store import Generation, ViewStore
    from projections.batch import Projection

log = logging.getLogger(__name__)
CONFLICT = -1  # run_batch: another follower applied this batch first


def projections_for(
    timezone: ZoneInfo, phones: PhoneNumbers | None = None
) -> dict[str, Projection[Any]]:
    found: list[Projection[Any]] = [
        CallbackListProjection(timezone, phones),
        AgentCountsProjection(),
        HistoryProjection(),
        LogTimesProjection(),
        SmsMessagesProjection(),
    ]
    return {p.name: p for p in found}


@cache
def _projections_in(timezone: str, region: str) -> dict[str, Projection[Any]]:
    return projections_for(ZoneInfo(timezone), PhoneNumbers(region))


@dataclass
class FollowerStatus:
    batches: int = 0
    events: int = 0
    errors: int = 0
    last_error: str | None = None
    last_batch_seconds: float = 0.0
    positions: dict[str, int] = field(default_factory=dict)


class _ReadAhead:
    """Reads (and decodes) the next batch of the log in a thread of its own while the
    current one is projected and written.

    The log is append-only and a batch's reading is independent of the views' writes;
    what makes a batch exactly-once is its tracking position, written in the same
    transaction as its rows, which does not change. A batch read ahead is used only if
    the next batch starts where it does; otherwise it is dropped and read again.
    """

    def __init__(self, read: Callable[[int, int, int | None], list[Positioned]]) -> None:
        self._read = read
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="views-read-ahead")
        self._pending: tuple[tuple[int, int, int | None], Future[list[Positioned]]] | None = None

    def ask(self, start: int, limit: int, until: int | None) -> None:
        """Starts reading the batch after `start` (`until` included at most)."""
        self._drop()
        self._pending = ((start, limit, until), self._pool.submit(self._read, start, limit, until))

    def take(self, start: int, limit: int, until: int | None) -> list[Positioned]:
        """The batch after `start`: the one read ahead if it is that one, else read now."""
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending[0] == (start, limit, until):
                return pending[1].result()
            pending[1].cancel()
        return self._read(start, limit, until)

    def _drop(self) -> None:
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None

    def close(self) -> None:
        self._drop()
        self._pool.shutdown(wait=True, cancel_futures=True)


class ViewFollower:
    """Applies batches of the log to generations of views.

    Each generation is projected in the time zone it records (a rebuild in another
    zone never mixes two zones in one generation). Each batch is read once, applied
    to every generation that stands at the same position, and written with those
    generations' positions in ONE transaction, so a crash mid-batch loses nothing
    and applies nothing twice.
    """

    def __init__(
        self,
        *,
        recorder: Any,
        mapper: Any,
        store: ViewStore,
        batch_size: int = 1000,
        on_progress: Callable[[int], None] | None = None,
        region: str = DEFAULT_REGION,
    ) -> None:
        self.recorder, self.mapper, self.store = recorder, mapper, store
        self.region = region  # numbers recorded without a country code are read there
        self.on_progress = on_progress  # told each position a batch of live views reached
        self.batch_size = batch_size
        self.status = FollowerStatus()
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def _read(self, start: int, limit: int, until: int | None) -> list[Positioned]:
        """The events after position `start`, decoded (at most `limit`, none past `until`)."""
        notifications = self.recorder.select_notifications(
            start=start + 1, limit=limit, stop=until, inclusive_of_start=True
        )
        to_event = self.mapper.to_domain_event
        return [Positioned(n.id, to_event(n)) for n in notifications]

    def run_batch(
        self,
        generations: Sequence[Generation],
        *,
        until: int | None = None,
        batch_size: int | None = None,
        ahead: _ReadAhead | None = None,
    ) -> int:
        """Applies the next batch to the generations furthest behind.

        Returns how many events it applied: 0 when there is nothing to do, CONFLICT
        when another follower applied the same batch first. With `ahead`, the next
        batch is read while this one is projected and written.
        """
        if not generations:
            return 0
        positions = self.store.positions(generations)
        start = min(positions.values())
        if until is not None and start >= until:
            return 0
        group = [g for g in generations if positions[g.key] == start]
        limit = batch_size or self.batch_size
        started = time.monotonic()
        items = ahead.take(start, limit, until) if ahead else self._read(start, limit, until)
        if not items:
            return 0
        if ahead is not None and (until is None or items[-1].position < until):
            ahead.ask(items[-1].position, limit, until)
        batches = []
        for generation in group:
            projection = _projections_in(generation.timezone, self.region)[generation.view]
            batch: ViewBatch[Any] = ViewBatch(
                rows=self.store.load(generation, projection.keys(items))
            )
            for item in items:
                projection.apply(batch, item)
            batches.append((generation, batch))
        last = items[-1].position
        try:
            self.store.write(batches, last)
        except IntegrityError:
            # Another follower recorded these positions first (their tracking rows
            # refuse ours): nothing of ours was written; carry on from theirs.
            log.info("positions %s..%s already applied by another follower", start + 1, last)
            return CONFLICT
        self.status.batches += 1
        self.status.events += len(items)
        self.status.last_batch_seconds = time.monotonic() - started
        for generation in group:
            self.status.positions[generation.key] = last
        if self.on_progress is not None and any(g.status == "active" for g in group):
            self.on_progress(last)
        return len(items)

    def catch_up(
        self,
        generations: Sequence[Generation],
        *,
        until: int | None = None,
        on_batch: Callable[[int], None] | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Runs batches until every generation reached `until` or the head; `batch_size`
        overrides the follower's (a rebuild takes bigger ones). Each next batch is read
        and decoded while the current one is projected and written (`_ReadAhead`)."""
        total = 0
        ahead = _ReadAhead(self._read)
        try:
            while (
                done := self.run_batch(generations, until=until, batch_size=batch_size, ahead=ahead)
            ) != 0:
                if done > 0:
                    total += done
                    if on_batch is not None:
                        on_batch(done)
        finally:
            ahead.close()
        return total

    def run_forever(self, stop: threading.Event, *, poll_interval: float = 0.2) -> None:
        """Follows the log with the active generations until `stop` is set.

        Reads the active generations before each batch, so a rebuild's switch is
        picked up at once. A failing batch is retried with backoff and reported.
        """
        backoff = 0.5
        while not stop.is_set():
            try:
                done = self.run_batch(list(self.store.active().values()))
                backoff = 0.5
            except Exception as e:
                self.status.errors += 1
                self.status.last_error = f"{type(e).__name__}: {e}"
                log.exception("projection batch failed; retrying in %.1fs", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if done < self.batch_size:
                self._wake.wait(poll_interval)
                self._wake.clear()
