"""Time → log position: which position the log had reached at a given moment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from datetime import datetime

    from projections.batch import Positioned, ViewBatch


@dataclass(slots=True, kw_only=True)  # not frozen: a frozen init costs 3x (millions in a rebuild)
class LogTime:
    position: int
    at: datetime


class LogTimesProjection:
    """One row per event. "As of T" is the log up to the first event after T."""

    name = "log_times"

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        return set()

    def apply(self, batch: ViewBatch[LogTime], item: Positioned) -> None:
        batch.appended.append(LogTime(position=item.position, at=item.event.timestamp))
