"""Waits that count only open time: how long, in real time, until a route has been open
for so many seconds (DOMAIN.md "Business hours, holidays and time slots")."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.calendar import Calendar

_CHUNK = timedelta(days=7)
_LIMIT = timedelta(days=366)


def real_seconds(calendar: Calendar, start: datetime, open_seconds: float) -> float | None:
    """The real seconds from `start` until the calendar has been open `open_seconds`
    (closed time does not count); None if it is not open that long within a year."""
    left, chunk = max(0.0, open_seconds), start
    while chunk < start + _LIMIT:
        upto = chunk + _CHUNK
        for a, b in calendar.open_intervals(chunk, upto):
            span = (b - a).total_seconds()
            if span >= left:
                return (a - start).total_seconds() + left
            left -= span
        chunk = upto
    return None
