"""A route's calendar: weekly hours, holidays and exceptions in its zone; when it is open.

Hours are wall-clock times of the route's zone. An instant is open when its wall time
falls in an interval of its own date's hours: a time the clocks skip (a DST gap) is no
instant at all, and both instants of a time the clocks pass twice (a DST overlap) are
open if that time is. A date's hours are its exception if it has one, else none if it
is a holiday, else its weekday's.

Slots (of `slot_minutes` real minutes) are cut from each of a day's open stretches: a
stretch is a run of open time of one date (two days' hours that meet at midnight are
two stretches), its slots aligned to its start and each wholly inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from callback_domain.values import Validator

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
MAX_INTERVALS = 24  # per day
MAX_DATES = 1000  # holidays, and exceptions
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_SAMPLE = timedelta(hours=1)  # no zone changes its offset twice within an hour
_MARGIN = timedelta(days=3)  # every instant of a date lies within this of its midnight

Interval = tuple[int, int]  # minutes from midnight, [start, end); end may be 1440
Hours = tuple[Interval, ...]
ALL_DAY: Hours = ((0, DAY_MINUTES),)


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class _Stretch:
    day: date
    start: datetime
    end: datetime


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Calendar:
    """When one route is open. Build it with `parse` (which validates) or `always`."""

    zone: ZoneInfo
    weekly: tuple[Hours, ...] = (ALL_DAY,) * 7  # Monday first
    holidays: frozenset[date] = frozenset()
    exceptions: Mapping[date, Hours] = field(default_factory=dict)

    @classmethod
    def always(cls, timezone: str) -> Calendar:
        """A route without hours: open all day, every day."""
        return cls(zone=ZoneInfo(timezone))

    @classmethod
    def parse(
        cls,
        *,
        timezone: str,
        weekly: Mapping[str, Sequence[Sequence[str]]],
        holidays: Sequence[str] = (),
        exceptions: Sequence[Mapping[str, Any]] = (),
    ) -> Calendar:
        """The calendar an administrator set, or InvalidRequestError naming each refused
        field (`weekly.mon.1`, `holidays.0`, `exceptions.2.hours.0`, ...). A weekday not
        given is closed."""
        v = Validator()
        zone_name = v.timezone("timezone", timezone or None)
        if not timezone:
            v.refuse("timezone", "is required, e.g. Asia/Seoul")
        for name in weekly:
            if name not in WEEKDAYS:
                v.refuse(f"weekly.{name}", f"is not a weekday; use {', '.join(WEEKDAYS)}")
        week = tuple(_hours(v, f"weekly.{d}", weekly.get(d, ())) for d in WEEKDAYS)
        if len(holidays) > MAX_DATES:
            v.refuse("holidays", f"must list at most {MAX_DATES} dates")
        closed = {d for n, text in enumerate(holidays) if (d := _date(v, f"holidays.{n}", text))}
        if len(exceptions) > MAX_DATES:
            v.refuse("exceptions", f"must list at most {MAX_DATES} dates")
        special: dict[date, Hours] = {}
        for n, item in enumerate(exceptions):
            day: date | None = _date(v, f"exceptions.{n}.date", item.get("date"))
            hours = _hours(v, f"exceptions.{n}.hours", item.get("hours", ()))
            if day is not None and day in special:
                v.refuse(f"exceptions.{n}.date", "is given twice; give each date once")
            elif day is not None and day in closed:
                v.refuse(f"exceptions.{n}.date", "is also a holiday; give the date once")
            elif day is not None:
                special[day] = hours
        v.raise_if_any()
        assert zone_name is not None
        return cls(
            zone=ZoneInfo(zone_name), weekly=week, holidays=frozenset(closed), exceptions=special
        )

    def as_data(self) -> dict[str, Any]:
        """The set-up as `parse` takes it (and events record it), normalised."""
        return {
            "weekly": {
                d: [[_hhmm(a), _hhmm(b)] for a, b in h]
                for d, h in zip(WEEKDAYS, self.weekly, strict=True)
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "exceptions": [
                {"date": d.isoformat(), "hours": [[_hhmm(a), _hhmm(b)] for a, b in h]}
                for d, h in sorted(self.exceptions.items())
            ],
        }

    def hours_on(self, day: date) -> Hours:
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        wall = timedelta(
            hours=local.hour,
            minutes=local.minute,
            seconds=local.second,
            microseconds=local.microsecond,
        )
        return any(
            timedelta(minutes=a) <= wall < timedelta(minutes=b)
            for a, b in self.hours_on(local.date())
        )

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open time within [start, end): maximal intervals, in order (UTC)."""
        merged: list[list[datetime]] = []
        for s in self._stretches(start, end):
            a, b = max(s.start, start), min(s.end, end)
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return [(a, b) for a, b in merged]

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """How much of [start, end) is open: for waits that count only open time."""
        return sum((b - a).total_seconds() for a, b in self.open_intervals(start, end))

    def slots_between(self, start: datetime, end: datetime, slot_minutes: int) -> list[Slot]:
        """The slots that lie wholly within [start, end)."""
        return [
            slot
            for stretch in self._stretches(start, end)
            for slot in _cut(stretch, slot_minutes)
            if slot.start >= start and slot.end <= end
        ]

    def next_slots(
        self,
        after: datetime,
        *,
        slot_minutes: int,
        count: int,
        within: timedelta = timedelta(days=366),
    ) -> list[Slot]:
        """The first `count` slots starting at or after `after`, starting before
        `after + within` (fewer if the route is closed that long)."""
        found: list[Slot] = []
        chunk, stop = after, after + within
        while chunk < stop and len(found) < count:
            upto = min(chunk + timedelta(days=7), stop)
            for stretch in self._stretches(chunk, upto):
                found += [
                    s
                    for s in _cut(stretch, slot_minutes)
                    if s.start >= after and chunk <= s.start < upto
                ]
            chunk = upto
        return sorted(found)[:count]

    def _stretches(self, start: datetime, end: datetime) -> list[_Stretch]:
        """Each date's open stretches that overlap [start, end), whole (not clipped)."""
        spans: dict[date, list[tuple[datetime, datetime]]] = {}
        for a, b, offset in _segments(self.zone, start - _MARGIN, end + _MARGIN):
            wall_a, wall_b = _wall(a, offset), _wall(b, offset)
            day = wall_a.date()
            while datetime.combine(day, time()) < wall_b:
                midnight = datetime.combine(day, time())
                for m1, m2 in self.hours_on(day):
                    p = max(a, _instant(midnight + timedelta(minutes=m1), offset))
                    q = min(b, _instant(midnight + timedelta(minutes=m2), offset))
                    if p < q:
                        spans.setdefault(day, []).append((p, q))
                day += timedelta(days=1)
        stretches: list[_Stretch] = []
        for day, pieces in spans.items():
            merged: list[list[datetime]] = []
            for p, q in sorted(pieces):
                if merged and p <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], q)
                else:
                    merged.append([p, q])
            stretches += [_Stretch(day, p, q) for p, q in merged if p < end and q > start]
        return sorted(stretches, key=lambda s: s.start)


def _cut(stretch: _Stretch, slot_minutes: int) -> list[Slot]:
    length = timedelta(minutes=slot_minutes)
    slots, at = [], stretch.start
    while at + length <= stretch.end:
        slots.append(Slot(at, at + length))
        at += length
    return slots


def _wall(instant: datetime, offset: timedelta) -> datetime:
    return (instant + offset).replace(tzinfo=None)


def _instant(wall: datetime, offset: timedelta) -> datetime:
    return (wall - offset).replace(tzinfo=UTC)


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _segments(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """[start, end) cut where the zone's offset changes: (from, until, offset), UTC."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    segments = []
    begun, offset, at = start, _offset(zone, start), start
    while at < end:
        step = min(at + _SAMPLE, end)
        if (later := _offset(zone, step)) != offset:
            change = _change(zone, at, step, offset)
            segments.append((begun, change, offset))
            begun, offset = change, later
        at = step
    segments.append((begun, end, offset))
    return segments


def _change(zone: ZoneInfo, lo: datetime, hi: datetime, before: timedelta) -> datetime:
    """The first whole second in (lo, hi] whose offset is no longer `before` (zones
    change offsets on whole seconds)."""
    low, high = int(lo.timestamp()), int(hi.timestamp()) + (hi.microsecond > 0)
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(mid, UTC)) == before:
            low = mid
        else:
            high = mid
    return max(datetime.fromtimestamp(high, UTC), lo)


def _minutes(v: Validator, name: str, text: Any, *, end: bool) -> int | None:
    if end and text == "24:00":
        return DAY_MINUTES
    match = _HHMM.match(text) if isinstance(text, str) else None
    if match is None:
        v.refuse(name, "must be a time HH:MM from 00:00 to 23:59" + (" or 24:00" if end else ""))
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def _hours(v: Validator, name: str, given: Any) -> Hours:
    """One day's intervals: well-formed, each starting before it ends, in order, apart."""
    if not isinstance(given, (list, tuple)):
        v.refuse(name, 'must be a list of [start, end] pairs, e.g. [["09:00", "18:00"]]')
        return ()
    if len(given) > MAX_INTERVALS:
        v.refuse(name, f"must hold at most {MAX_INTERVALS} intervals")
        return ()
    hours: list[Interval] = []
    for n, pair in enumerate(given):
        where = f"{name}.{n}"
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            v.refuse(where, 'must be a [start, end] pair such as ["09:00", "18:00"]')
            continue
        a = _minutes(v, f"{where}.0", pair[0], end=False)
        b = _minutes(v, f"{where}.1", pair[1], end=True)
        if a is None or b is None:
            continue
        if a >= b:
            v.refuse(where, "must start before it ends")
        elif hours and a < hours[-1][1]:
            v.refuse(where, "must start after the previous interval ends (in order, apart)")
        else:
            hours.append((a, b))
    return tuple(hours)


def _date(v: Validator, name: str, text: Any) -> date | None:
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        v.refuse(name, "must be a date YYYY-MM-DD")
        return None
