"""The view follower: reads the log in batches and writes every view exactly once."""

from __future__ import annotations

import logging
import threading
import time
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

    def run_batch(
        self,
        generations: Sequence[Generation],
        *,
        until: int | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Applies the next batch to the generations furthest behind.

        Returns how many events it applied: 0 when there is nothing to do, CONFLICT
        when another follower applied the same batch first.
        """
        if not generations:
            return 0
        positions = self.store.positions(generations)
        start = min(positions.values())
        if until is not None and start >= until:
            return 0
        group = [g for g in generations if positions[g.key] == start]
        notifications = self.recorder.select_notifications(
            start=start + 1,
            limit=batch_size or self.batch_size,
            stop=until,
            inclusive_of_start=True,
        )
        if not notifications:
            return 0
        started = time.monotonic()
        items = [Positioned(n.id, self.mapper.to_domain_event(n)) for n in notifications]
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
        overrides the follower's (a rebuild takes bigger ones)."""
        total = 0
        while (done := self.run_batch(generations, until=until, batch_size=batch_size)) != 0:
            if done > 0:
                total += done
                if on_batch is not None:
                    on_batch(done)
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
