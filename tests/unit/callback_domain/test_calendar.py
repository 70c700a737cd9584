"""The calendar against an independently written reference that walks real time minute by
minute and asks zoneinfo for each minute's wall clock (nothing of the module is reused),
over random weekly hours, holidays and exceptions in zones with and without DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callback_domain.calendar import Calendar, Slot
from callback_domain.errors import InvalidRequestError

ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Seoul",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",
    "UTC",
)
# Days around DST changes (and one quiet week) where the random weeks are centred.
AROUND = (
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 9, 6),
    date(2026, 7, 15),
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTE = timedelta(minutes=1)


# -- the reference: a spec as given, read minute by minute ---------------------------


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def ref_hours(spec: dict[str, Any], day: date) -> list[tuple[int, int]]:
    for exception in spec["exceptions"]:
        if exception["date"] == day.isoformat():
            return [(_minutes(a), _minutes(b)) for a, b in exception["hours"]]
    if day.isoformat() in spec["holidays"]:
        return []
    return [(_minutes(a), _minutes(b)) for a, b in spec["weekly"].get(DAYS[day.weekday()], [])]


def ref_open_day(spec: dict[str, Any], at: datetime) -> date | None:
    """The local date whose hours hold `at`, or None when closed."""
    local = at.astimezone(ZoneInfo(spec["timezone"]))
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    for a, b in ref_hours(spec, local.date()):
        if a * 60 <= seconds < b * 60:
            return local.date()
    return None


def ref_next_slot(spec: dict[str, Any], after: datetime, length: int, days: int) -> Slot | None:
    """Walks whole minutes: a stretch is a run of minutes open on one date; slots start
    every `length` minutes from a stretch's first minute and lie wholly inside it."""
    t = after.replace(second=0, microsecond=0)
    t = t if t == after else t + MINUTE
    run_start = t
    while ref_open_day(spec, t) is not None and ref_open_day(spec, run_start - MINUTE) == (
        ref_open_day(spec, t)
    ):
        run_start -= MINUTE
    stop = after + timedelta(days=days)
    while t < stop:
        day = ref_open_day(spec, t)
        if day is not None:
            if t != run_start and ref_open_day(spec, t - MINUTE) != day:
                run_start = t
            aligned = (t - run_start) % (length * MINUTE) == timedelta(0)
            if aligned and all(ref_open_day(spec, t + n * MINUTE) == day for n in range(length)):
                return Slot(t, t + length * MINUTE)
        t += MINUTE
    return None


# -- random set-ups -----------------------------------------------------------------


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    """Sorted, apart intervals; sometimes two that meet; often around 01:00-03:30."""
    grain = draw(st.sampled_from([1, 15, 30, 60]))
    points = sorted(set(draw(st.lists(st.integers(0, 1440 // grain), max_size=6))))
    points = [p * grain for p in points]
    pairs = [[points[i], points[i + 1]] for i in range(0, len(points) - 1, 2)]
    if pairs and draw(st.booleans()):  # split one interval into two that meet
        a, b = pairs[0]
        if b - a >= 2:
            middle = draw(st.integers(a + 1, b - 1))
            pairs[0:1] = [[a, middle], [middle, b]]
    return [[_text(a), _text(b)] for a, b in pairs]


@st.composite
def specs(draw: st.DrawFn) -> tuple[dict[str, Any], datetime]:
    centre = draw(st.sampled_from(AROUND))
    nearby = st.integers(-4, 10).map(lambda n: (centre + timedelta(days=n)).isoformat())
    weekly = {d: draw(day_hours()) for d in DAYS if draw(st.integers(0, 5)) > 0}
    holidays = sorted(set(draw(st.lists(nearby, max_size=3))))
    exception_days = [
        d for d in sorted(set(draw(st.lists(nearby, max_size=3)))) if d not in holidays
    ]
    exceptions = [{"date": d, "hours": draw(day_hours())} for d in exception_days]
    spec = {
        "timezone": draw(st.sampled_from(ZONES)),
        "weekly": weekly,
        "holidays": holidays,
        "exceptions": exceptions,
    }
    minutes = draw(st.integers(-2 * 1440, 5 * 1440))
    seconds = draw(st.sampled_from([0, 0, 30]))
    at = datetime(centre.year, centre.month, centre.day, tzinfo=UTC) + timedelta(
        minutes=minutes, seconds=seconds
    )
    return spec, at


def calendar_of(spec: dict[str, Any]) -> Calendar:
    return Calendar.parse(
        timezone=spec["timezone"],
        weekly=spec["weekly"],
        holidays=spec["holidays"],
        exceptions=spec["exceptions"],
    )


# -- the acceptance properties --------------------------------------------------------


@given(specs())
def test_open_at_an_instant_agrees_with_the_reference(
    case: tuple[dict[str, Any], datetime],
) -> None:
    spec, at = case
    sut = calendar_of(spec)

    for n in range(0, 48 * 60, 37):  # a sweep across two days from `at`
        instant = at + n * MINUTE
        assert sut.is_open(instant) == (ref_open_day(spec, instant) is not None), instant


@given(specs(), st.sampled_from([15, 20, 30, 45, 60, 90]))
def test_the_next_open_slot_agrees_with_the_reference(
    case: tuple[dict[str, Any], datetime], length: int
) -> None:
    spec, after = case
    sut = calendar_of(spec)

    found = sut.next_slots(after, slot_minutes=length, count=1, within=timedelta(days=6))

    assert (found[0] if found else None) == ref_next_slot(spec, after, length, days=6)


@given(specs())
def test_open_seconds_count_the_open_minutes(case: tuple[dict[str, Any], datetime]) -> None:
    spec, at = case
    start = at.replace(second=0)
    end = start + timedelta(hours=30)
    sut = calendar_of(spec)

    minutes = sum(ref_open_day(spec, start + n * MINUTE) is not None for n in range(30 * 60))

    assert sut.open_seconds_between(start, end) == minutes * 60


# -- DST, by example ------------------------------------------------------------------

NY = ZoneInfo("America/New_York")


def test_a_time_the_clocks_pass_twice_is_open_both_times() -> None:
    sut = Calendar.parse(timezone="America/New_York", weekly={"sun": [["01:00", "01:30"]]})
    first = datetime(2026, 11, 1, 1, 15, tzinfo=NY)  # EDT
    second = first.replace(fold=1)  # EST, an hour later

    assert sut.is_open(first) and sut.is_open(second)
    assert sut.is_open(first.astimezone(UTC) + timedelta(minutes=30)) is False
    slots = sut.slots_between(
        datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 1, 8, tzinfo=UTC), 15
    )
    assert [s.start.astimezone(UTC).strftime("%H:%M") for s in slots] == [
        "05:00", "05:15", "06:00", "06:15"
    ]  # fmt: skip


def test_a_day_the_clocks_skip_an_hour_has_23_open_hours() -> None:
    sut = Calendar.parse(timezone="America/New_York", weekly={"sun": [["00:00", "24:00"]]})
    day = datetime(2026, 3, 8, tzinfo=NY)

    assert (
        sut.open_seconds_between(day - timedelta(hours=1), day + timedelta(hours=25)) == 23 * 3600
    )
    assert sut.open_intervals(day, day + timedelta(days=2)) == [
        (day.astimezone(UTC), datetime(2026, 3, 9, tzinfo=NY).astimezone(UTC))
    ]


def test_days_that_meet_at_midnight_are_one_open_interval_but_two_stretches_of_slots() -> None:
    sut = Calendar.parse(
        timezone="Asia/Seoul", weekly={"mon": [["22:00", "24:00"]], "tue": [["00:00", "01:00"]]}
    )
    start = datetime(2026, 11, 30, 21, tzinfo=ZoneInfo("Asia/Seoul"))

    assert len(sut.open_intervals(start, start + timedelta(hours=5))) == 1
    slots = sut.next_slots(start, slot_minutes=45, count=3)
    assert [s.start.astimezone(sut.zone).strftime("%a %H:%M") for s in slots] == [
        "Mon 22:00", "Mon 22:45", "Tue 00:00"
    ]  # fmt: skip


def test_an_exception_replaces_the_weekday_and_a_holiday_closes_it() -> None:
    sut = Calendar.parse(
        timezone="Asia/Seoul",
        weekly={d: [["09:00", "18:00"]] for d in DAYS},
        holidays=["2026-12-25"],
        exceptions=[
            {"date": "2026-12-24", "hours": [["09:00", "12:00"]]},
            {"date": "2026-12-31", "hours": []},
        ],
    )
    seoul = ZoneInfo("Asia/Seoul")

    assert sut.is_open(datetime(2026, 12, 24, 11, tzinfo=seoul))
    assert not sut.is_open(datetime(2026, 12, 24, 13, tzinfo=seoul))
    assert not sut.is_open(datetime(2026, 12, 25, 10, tzinfo=seoul))
    assert not sut.is_open(datetime(2026, 12, 31, 10, tzinfo=seoul))
    assert sut.as_data()["holidays"] == ["2026-12-25"]


def test_a_calendar_closed_for_ever_has_no_next_slot() -> None:
    sut = Calendar.parse(timezone="UTC", weekly={})

    assert sut.next_slots(datetime(2026, 1, 1, tzinfo=UTC), slot_minutes=15, count=3) == []


# -- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "holidays", "exceptions", "field"),
    [
        ({"mon": [["9:00", "18:00"]]}, [], [], "weekly.mon.0.0"),
        ({"mon": [["09:00", "24:01"]]}, [], [], "weekly.mon.0.1"),
        ({"mon": [["24:00", "24:00"]]}, [], [], "weekly.mon.0.0"),
        ({"mon": [["18:00", "09:00"]]}, [], [], "weekly.mon.0"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, [], [], "weekly.mon.1"),
        ({"mon": [["13:00", "14:00"], ["09:00", "12:00"]]}, [], [], "weekly.mon.1"),
        ({"mon": [["09:00"]]}, [], [], "weekly.mon.0"),
        ({"monday": []}, [], [], "weekly.monday"),
        ({}, ["2026-02-30"], [], "holidays.0"),
        ({}, ["26-12-25"], [], "holidays.0"),
        ({}, [], [{"date": "2026-13-01", "hours": []}], "exceptions.0.date"),
        ({}, [], [{"date": "2026-12-01", "hours": [["10:00", "09:00"]]}], "exceptions.0.hours.0"),
        ({}, ["2026-12-25"], [{"date": "2026-12-25", "hours": []}], "exceptions.0.date"),
        ({}, [], [{"date": "2026-12-01", "hours": []}] * 2, "exceptions.1.date"),
    ],
)
def test_a_malformed_set_up_is_refused_naming_the_field(
    weekly: dict[str, Any], holidays: list[str], exceptions: list[Any], field: str
) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        Calendar.parse(timezone="UTC", weekly=weekly, holidays=holidays, exceptions=exceptions)

    assert [e.field for e in refused.value.errors] == [field]


def test_an_unknown_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidRequestError) as refused:
        Calendar.parse(timezone="Mars/Olympus", weekly={})

    assert [e.field for e in refused.value.errors] == ["timezone"]
