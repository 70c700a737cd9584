"""Treatment rate: of the callbacks first assigned in a period, how many were treated.

Of each callback first assigned in a period, exactly one column: completed (COMPLETED with
a reason of `lifecycle.TREATED_REASONS`), unprocessed (still held: `lifecycle.HOLDING`),
failed (`lifecycle.FAILED_REASONS`) or released (back in the queue after an unassignment,
or COMPLETED with a reason of `lifecycle.RELEASED_REASONS`), so assigned = completed +
unprocessed + failed + released. The views count them over the callback list, by the day
or month of first assignment the list projection records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DAY, MONTH = "day", "month"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRow:
    period: str  # YYYY-MM-DD or YYYY-MM
    assigned: int
    completed: int
    unprocessed: int
    failed: int = 0
    released: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.completed / self.assigned, 4) if self.assigned else None

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "assigned": self.assigned,
            "completed": self.completed,
            "unprocessed": self.unprocessed,
            "failed": self.failed,
            "released": self.released,
            "rate": self.rate,
        }


def periods(first: date, last: date, by: str) -> list[str]:
    """Every period from `first` to `last` inclusive, so empty ones show as zeros."""
    found: list[str] = []
    day = first
    while day <= last:
        label = day.strftime("%Y-%m-%d" if by == DAY else "%Y-%m")
        if not found or found[-1] != label:
            found.append(label)
        day += timedelta(days=1)
    return found
