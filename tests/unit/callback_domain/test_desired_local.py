"""A desired time as the customer says it: a wall-clock time in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from callback_domain.errors import InvalidRequestError
from tests.factories import T0, request

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


def refusal(sut: CallbackService, **fields: object) -> dict[str, str]:
    with pytest.raises(InvalidRequestError) as refused:
        sut.execute(request(**fields))
    return {d["field"]: d["message"] for d in refused.value.details}


def test_a_local_time_in_the_customers_zone_is_accepted(sut: CallbackService) -> None:
    # T0 is 18:00 in Seoul.
    callback_id = sut.execute(
        request(desired_local=datetime(2026, 11, 23, 20, 30), customer_timezone="Asia/Seoul")
    ).callback_id

    callback = sut.get_callback(callback_id)
    assert callback.desired_time == datetime(
        2026, 11, 23, 20, 30, tzinfo=timezone(timedelta(hours=9))
    )
    assert callback.desired_time.astimezone(UTC) == T0 + timedelta(hours=2, minutes=30)
    assert callback.callback_type.value == "SCHEDULED"
    assert callback.customer_timezone == "Asia/Seoul"


def test_a_local_time_needs_the_customers_zone(sut: CallbackService) -> None:
    assert set(refusal(sut, desired_local=datetime(2026, 11, 23, 20, 30))) == {"customer_timezone"}


def test_either_an_offset_time_or_a_local_time(sut: CallbackService) -> None:
    fields = refusal(
        sut,
        desired_time=T0 + timedelta(hours=1),
        desired_local=datetime(2026, 11, 23, 20, 30),
        customer_timezone="Asia/Seoul",
    )
    assert set(fields) == {"desired_local"}


def test_a_local_time_the_clocks_skip_is_refused(sut: CallbackService) -> None:
    # New York springs forward at 02:00 on 14 March 2027: 02:30 never happens.
    fields = refusal(
        sut,
        at=datetime(2027, 3, 1, tzinfo=UTC),
        desired_local=datetime(2027, 3, 14, 2, 30),
        customer_timezone="America/New_York",
    )
    assert set(fields) == {"desired_local"}
    assert "does not exist in America/New_York" in fields["desired_local"]


def test_a_local_time_the_clocks_pass_twice_is_the_earlier(sut: CallbackService) -> None:
    # New York falls back at 02:00 on 7 November 2027: 01:30 happens at -04:00, then -05:00.
    callback_id = sut.execute(
        request(
            at=datetime(2027, 11, 1, tzinfo=UTC),
            desired_local=datetime(2027, 11, 7, 1, 30),
            customer_timezone="America/New_York",
        )
    ).callback_id

    desired = sut.get_callback(callback_id).desired_time
    assert desired is not None
    assert desired.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


def test_the_past_and_the_horizon_name_the_local_field(sut: CallbackService) -> None:
    assert set(
        refusal(sut, desired_local=datetime(2026, 11, 23, 17, 0), customer_timezone="Asia/Seoul")
    ) == {"desired_local"}
    assert set(
        refusal(sut, desired_local=datetime(2027, 1, 23, 17, 0), customer_timezone="Asia/Seoul")
    ) == {"desired_local"}
