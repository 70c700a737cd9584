"""The treatment rate's periods and rate (the views count the rows, see report_queries)."""

from __future__ import annotations

from datetime import date

from projections.treatment_rate import DAY, MONTH, RateRow, periods


def test_every_day_of_the_range_is_a_period_so_empty_days_show_as_zeros() -> None:
    assert periods(date(2026, 11, 29), date(2026, 12, 2), DAY) == [
        "2026-11-29",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]


def test_months_are_listed_once_each_from_first_to_last() -> None:
    assert periods(date(2026, 11, 15), date(2027, 1, 3), MONTH) == ["2026-11", "2026-12", "2027-01"]


def test_an_empty_range_has_no_periods() -> None:
    assert periods(date(2026, 11, 2), date(2026, 11, 1), DAY) == []


def test_the_rate_is_treated_over_assigned_and_none_without_assignments() -> None:
    assert RateRow(period="2026-11", assigned=3, completed=2, unprocessed=1).rate == 0.6667
    assert RateRow(period="2026-11", assigned=0, completed=0, unprocessed=0).rate is None
    row = RateRow(period="2026-11", assigned=4, completed=1, unprocessed=0, failed=1, released=2)
    assert row.as_json() == {
        "period": "2026-11",
        "assigned": 4,
        "completed": 1,
        "unprocessed": 0,
        "failed": 1,
        "released": 2,
        "rate": 0.25,
    }
