"""Treatment rate: of the callbacks first assigned in a period, how many were treated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from callback_domain.lifecycle import TREATED_REASONS, CallbackState

if TYPE_CHECKING:
    from collections.abc import Iterable

    from projections.callback_list import CallbackRow

DAY, MONTH = "day", "month"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRow:
    period: str  # YYYY-MM-DD or YYYY-MM
    assigned: int
    completed: int
    unprocessed: int

    @property
    def rate(self) -> float | None:
        return round(self.completed / self.assigned, 4) if self.assigned else None

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "assigned": self.assigned,
            "completed": self.completed,
            "unprocessed": self.unprocessed,
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


def is_treated(state: str, reason: str | None) -> bool:
    return state == CallbackState.COMPLETED and reason in TREATED_REASONS


def is_unprocessed(state: str) -> bool:
    return state in (CallbackState.ROUTING, CallbackState.PROCESSING)


def treatment_rate(
    rows: Iterable[CallbackRow],
    *,
    first: date,
    last: date,
    by: str = DAY,
    route: str | None = None,
    agent: str | None = None,
) -> list[RateRow]:
    """The report recomputed from list rows (the SQL views answer the same)."""
    counts = {p: [0, 0, 0] for p in periods(first, last, by)}
    for row in rows:
        period = row.first_assigned_day if by == DAY else row.first_assigned_month
        if period is None or period not in counts:
            continue
        if (route and row.route != route) or (agent and row.agent != agent):
            continue
        c = counts[period]
        c[0] += 1
        c[1] += is_treated(row.state, row.reason)
        c[2] += is_unprocessed(row.state)
    return [
        RateRow(period=p, assigned=a, completed=d, unprocessed=u) for p, (a, d, u) in counts.items()
    ]
