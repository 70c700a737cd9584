"""Slot capacity: a scheduled callback holds a seat in its route's ledger while SCHEDULED;
a full slot refuses more, with the nearest free slots; cancels and reschedules free seats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callback_domain import commands as c
from callback_domain.calendar import Slot
from callback_domain.errors import CallbackError, InvalidRequestError
from callback_domain.lifecycle import CallbackState
from callback_domain.route_book import RouteSettings
from callback_domain.slot_seats import SlotSeats, remaining, seats_in, slot_of
from callback_domain.values import Policies
from tests.factories import ADMIN, IVR, SYSTEM, T0, request
from tests.unit.callback_domain.test_routes import hours, service_with, upsert

if TYPE_CHECKING:
    from callback_domain.application import CallbackService

TUESDAY_10 = T0 + timedelta(hours=16)  # Tuesday 10:00 in Seoul (T0: Monday 18:00 there)
SLOT = timedelta(minutes=30)


def ledger(sut: CallbackService, route: str = "billing") -> SlotSeats | None:
    found = sut._load(SlotSeats.create_id(route))
    return found if isinstance(found, SlotSeats) else None


def seats(sut: CallbackService, route: str = "billing") -> dict[UUID, datetime]:
    found = ledger(sut, route)
    return (
        {} if found is None else {UUID(i): datetime.fromisoformat(t) for i, t in found.held.items()}
    )


def capacity_route(sut: CallbackService, capacity: int = 2) -> None:
    upsert(sut, timezone="Asia/Seoul", slot_minutes=30, slot_capacity=capacity)
    hours(sut)


def schedule(sut: CallbackService, at: datetime) -> Any:
    return sut.execute(request(desired_time=at))


def refusal(sut: CallbackService, command: c.Command) -> dict[str, Any]:
    with pytest.raises(InvalidRequestError) as refused:
        sut.execute(command)
    (detail,) = refused.value.details
    return detail


class TestCounting:
    slots: ClassVar[list[Slot]] = [
        Slot(datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 9, 30, tzinfo=UTC)),
        Slot(datetime(2026, 1, 5, 9, 30, tzinfo=UTC), datetime(2026, 1, 5, 10, tzinfo=UTC)),
        Slot(datetime(2026, 1, 5, 11, tzinfo=UTC), datetime(2026, 1, 5, 11, 30, tzinfo=UTC)),
    ]

    @pytest.mark.parametrize(
        ("wanted", "counts"),
        [
            ("09:00", [1, 0, 0]),  # its start is in the slot
            ("09:29", [1, 0, 0]),
            ("09:30", [0, 1, 0]),  # its end is not
            ("08:58", [1, 0, 0]),  # before opening, within the window: the first slot
            ("08:57", [0, 0, 0]),  # earlier: no slot's
            ("10:59", [0, 0, 1]),  # in a gap, within the window of the next slot
            ("10:30", [0, 0, 0]),
        ],
    )
    def test_a_seat_counts_in_its_slot_or_the_next_within_its_window(
        self, wanted: str, counts: list[int]
    ) -> None:
        hour, minute = map(int, wanted.split(":"))
        at = datetime(2026, 1, 5, hour, minute, tzinfo=UTC)
        assert seats_in(self.slots, [at], timedelta(minutes=2)) == counts

    def test_the_slot_of_a_seat_is_the_one_it_counts_in(self) -> None:
        monday = {"weekly": {"mon": [["09:00", "18:00"]]}, "holidays": [], "exceptions": []}
        route = RouteSettings(route="r", name="r", timezone="UTC", slot_minutes=30, hours=monday)
        before = datetime(2026, 1, 5, 8, 59, tzinfo=UTC)
        found = slot_of(route, before, timedelta(minutes=2))
        assert found is not None and found.start == datetime(2026, 1, 5, 9, tzinfo=UTC)


class TestCapacity:
    def test_a_full_slot_refuses_with_the_nearest_free_slots(self) -> None:
        sut = service_with(Policies())
        capacity_route(sut, capacity=2)
        schedule(sut, TUESDAY_10)
        schedule(sut, TUESDAY_10 + timedelta(minutes=10))  # the same slot, 10:00-10:30
        schedule(sut, TUESDAY_10 + SLOT)  # 10:30-11:00: one seat left there
        schedule(sut, TUESDAY_10 + SLOT)

        detail = refusal(sut, request(desired_time=TUESDAY_10 + timedelta(minutes=20)))

        assert detail["field"] == "desired_time" and detail["reason"] == "full"
        assert [s["start"] for s in detail["next_slots"]] == [
            "2026-11-24T11:00:00+09:00",
            "2026-11-24T11:30:00+09:00",
            "2026-11-24T12:00:00+09:00",
        ]
        assert len(seats(sut)) == 4

    def test_cancelling_or_rescheduling_frees_the_seat(self) -> None:
        sut = service_with(Policies())
        capacity_route(sut, capacity=1)
        first = schedule(sut, TUESDAY_10).callback_id
        assert refusal(sut, request(desired_time=TUESDAY_10))["reason"] == "full"

        sut.execute(
            c.RescheduleCallback(
                caller=ADMIN, at=T0, callback_id=first, desired_time=TUESDAY_10 + SLOT
            )
        )
        second = schedule(sut, TUESDAY_10).callback_id
        sut.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(second,)))
        third = schedule(sut, TUESDAY_10).callback_id

        assert seats(sut) == {first: TUESDAY_10 + SLOT, third: TUESDAY_10}

    def test_a_reschedule_into_a_full_slot_or_closed_hours_is_refused(self) -> None:
        sut = service_with(Policies())
        capacity_route(sut, capacity=1)
        first = schedule(sut, TUESDAY_10).callback_id
        second = schedule(sut, TUESDAY_10 + SLOT).callback_id

        def move(callback_id: UUID, to: datetime) -> c.RescheduleCallback:
            return c.RescheduleCallback(
                caller=ADMIN, at=T0, callback_id=callback_id, desired_time=to
            )

        assert refusal(sut, move(second, TUESDAY_10))["reason"] == "full"
        saturday = T0 + timedelta(days=5)
        closed = refusal(sut, move(second, saturday))
        assert closed["reason"] == "closed" and closed["next_slots"]
        sut.execute(move(first, TUESDAY_10 + timedelta(minutes=5)))  # within its own slot
        assert seats(sut) == {first: TUESDAY_10 + timedelta(minutes=5), second: TUESDAY_10 + SLOT}

    def test_a_queued_or_immediate_callback_holds_no_seat(self) -> None:
        sut = service_with(Policies())
        capacity_route(sut, capacity=1)
        first = schedule(sut, TUESDAY_10).callback_id
        sut.execute(c.QueueDueCallback(caller=SYSTEM, at=TUESDAY_10, callback_id=first))
        sut.execute(request(at=TUESDAY_10))

        assert seats(sut) == {}

    def test_a_route_without_capacity_still_keeps_seats_and_answers_none(self) -> None:
        sut = service_with(Policies())
        upsert(sut, timezone="Asia/Seoul", slot_minutes=30)
        for _ in range(3):
            schedule(sut, TUESDAY_10)
        book = sut.route_book()
        assert book is not None
        route = book.settings("billing")
        assert route is not None and len(seats(sut)) == 3
        slots = route.calendar().slots_between(TUESDAY_10, TUESDAY_10 + SLOT, 30)
        assert remaining(route, slots, seats(sut).values(), timedelta(minutes=2)) == [None]

    def test_unregistered_routes_keep_no_ledger(self, sut: CallbackService) -> None:
        sut.execute(request(desired_time=TUESDAY_10))
        assert ledger(sut) is None


# Random requests, cancels and reschedules: the seats held are exactly the route's
# SCHEDULED callbacks, and no slot ever holds more than its capacity.
CAPACITY = 2
TIMES = [TUESDAY_10 + n * timedelta(minutes=10) for n in range(6)]  # two slots of 30 min
steps = st.lists(
    st.tuples(
        st.sampled_from(["request", "cancel", "reschedule"]),
        st.integers(0, 99),
        st.sampled_from(TIMES),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_seats_held_are_the_scheduled_callbacks_in_their_slots(
    plan: list[tuple[str, int, datetime]],
) -> None:
    sut = service_with(Policies())
    capacity_route(sut, capacity=CAPACITY)
    made: list[UUID] = []
    refusals: list[str | None] = []
    for action, pick, when in plan:
        try:
            if action == "request" or not made:
                made.append(sut.execute(request(caller=IVR, desired_time=when)).callback_id)
            elif action == "cancel":
                ids = (made[pick % len(made)],)
                sut.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=ids))
            else:
                callback_id = made[pick % len(made)]
                sut.execute(
                    c.RescheduleCallback(
                        caller=ADMIN, at=T0, callback_id=callback_id, desired_time=when
                    )
                )
        except InvalidRequestError as e:
            refusals.append(e.details[0].get("reason"))
        except CallbackError as e:  # a cancelled callback may not be rescheduled
            refusals.append(e.code)
    assert set(refusals) <= {"full", "invalid_transition"}
    scheduled = {
        i: cb.desired_time
        for i in made
        if (cb := sut.get_callback(i)).state is CallbackState.SCHEDULED
    }
    assert seats(sut) == scheduled
    per_slot: dict[datetime, int] = {}
    for when in scheduled.values():
        assert when is not None
        start = TUESDAY_10 + ((when - TUESDAY_10) // SLOT) * SLOT
        per_slot[start] = per_slot.get(start, 0) + 1
    assert all(n <= CAPACITY for n in per_slot.values())
