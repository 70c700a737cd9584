"""Hours respected: a due callback is not queued and a dial is refused while the route is
closed (`outside_hours`); waits count only open time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callback_domain import commands as c
from callback_domain.calendar import Calendar
from callback_domain.errors import OutsideHoursError
from callback_domain.lifecycle import CallbackState
from callback_domain.open_wait import real_seconds
from callback_domain.values import Caller, Policies, Role
from tests.factories import ADMIN, SYSTEM, T0, add_agents, request
from tests.unit.callback_domain.test_routes import hours, service_with, upsert

TUESDAY_10 = T0 + timedelta(hours=16)  # Tuesday 10:00 in Seoul (T0: Monday 18:00 there)
NINE_TO_SIX = Calendar.parse(timezone="UTC", weekly={"mon": [["09:00", "18:00"]]})
MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "open_seconds", "real"),
    [
        (MONDAY.replace(hour=10), 600, 600),  # open: as is
        (MONDAY.replace(hour=8), 600, 3600 + 600),  # before opening: the wait for it too
        (
            MONDAY.replace(hour=17, minute=50),
            1200,
            7 * 86400 - 8 * 3600 - 40 * 60,
        ),  # next Mon 09:10
        (MONDAY.replace(hour=8), 0, 3600),
    ],
)
def test_a_wait_counts_only_open_time(start: datetime, open_seconds: int, real: int) -> None:
    assert real_seconds(NINE_TO_SIX, start, open_seconds) == real


def test_a_route_never_open_gives_no_wait() -> None:
    never = Calendar.parse(timezone="UTC", weekly={})
    assert real_seconds(never, MONDAY, 60) is None


def test_a_due_callback_is_not_queued_while_the_route_is_closed() -> None:
    sut = service_with(Policies())
    upsert(sut, timezone="Asia/Seoul")
    hours(sut)  # weekdays 09:00-18:00 in Seoul
    made = sut.execute(request(desired_time=TUESDAY_10 + timedelta(hours=7, minutes=59)))
    late = TUESDAY_10 + timedelta(hours=9)  # 19:00: due, and closed

    with pytest.raises(OutsideHoursError) as refused:
        sut.execute(c.QueueDueCallback(caller=SYSTEM, at=late, callback_id=made.callback_id))

    assert "2026-11-25T09:00:00+09:00" in refused.value.message  # when it opens
    assert sut.get_callback(made.callback_id).state is CallbackState.SCHEDULED
    wednesday_9 = TUESDAY_10 + timedelta(hours=23)
    sut.execute(c.QueueDueCallback(caller=SYSTEM, at=wednesday_9, callback_id=made.callback_id))
    assert sut.get_callback(made.callback_id).state is CallbackState.QUEUED


def test_a_dial_while_the_route_is_closed_is_refused() -> None:
    sut = service_with(Policies())
    upsert(sut, timezone="Asia/Seoul")
    hours(sut)
    add_agents(sut, "kim")
    made = sut.execute(request(at=TUESDAY_10))
    sut.execute(
        c.AssignCallbacks(
            caller=ADMIN, at=TUESDAY_10, callback_ids=(made.callback_id,), agent_ids=("kim",)
        )
    )
    agent = Caller(actor="kim", role=Role.AGENT, channel="test")
    evening = TUESDAY_10 + timedelta(hours=9)

    with pytest.raises(OutsideHoursError):
        sut.execute(c.DialCallback(caller=agent, at=evening, callback_id=made.callback_id))
    dialled = sut.execute(c.DialCallback(caller=agent, at=TUESDAY_10, callback_id=made.callback_id))
    assert dialled.state is CallbackState.PROCESSING
