"""The callback list view: one row per callback, as the list and the reports read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from callback_domain import commands as c
from projections.callback_list import CallbackListProjection
from tests.factories import ADMIN, T0, agent
from tests.unit.projections.log import Center, follow, minutes

if TYPE_CHECKING:
    from collections.abc import Hashable
    from uuid import UUID

    from projections.callback_list import CallbackRow

SEOUL = ZoneInfo("Asia/Seoul")


class Listed:
    def __init__(self, *agents: str) -> None:
        self.center = Center(*agents)
        self.rows: dict[Hashable, CallbackRow] = {}
        self.projection = CallbackListProjection(SEOUL)

    def row(self, callback_id: UUID) -> CallbackRow:
        follow(self.projection, self.center.new_events(), self.rows)
        return self.rows[callback_id]


def test_a_request_lists_a_queued_callback_due_now() -> None:
    listed = Listed()
    made = listed.center.request(phone="+82 10-1234-5678", route="billing")

    row = listed.row(made)

    assert (row.state, row.status, row.reason, row.agent) == ("QUEUED", "REGISTERED", None, None)
    assert (row.phone, row.route, row.type, row.channel) == (
        "+821012345678",
        "billing",
        "IMMEDIATE",
        "test",
    )
    assert row.requested_at == row.due_at == row.queue_since == T0
    assert row.overdue_at == T0 + timedelta(minutes=2)  # the default window
    assert row.expires_at == T0 + timedelta(days=14)  # the default expiry
    assert row.history_length == 1


def test_rescheduling_moves_due_overdue_and_expiry_together() -> None:
    listed = Listed()
    made = listed.center.request(desired_time=T0 + timedelta(hours=3))
    assert listed.row(made).state == "SCHEDULED"

    later = T0 + timedelta(days=2)
    listed.center.do(
        c.RescheduleCallback(caller=ADMIN, at=T0, callback_id=made, desired_time=later)
    )
    row = listed.row(made)

    assert (row.desired_time, row.due_at) == (later, later)
    assert row.overdue_at == later + timedelta(minutes=2)
    assert row.expires_at == later + timedelta(days=14)
    assert row.is_overdue(later + timedelta(minutes=3)) and not row.is_overdue(later)


def test_an_assignment_lists_the_agent_and_the_day_of_first_assignment_in_local_time() -> None:
    listed = Listed("kim", "lee")
    made = listed.center.request()
    evening = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 05:00 on the 24th in Seoul

    listed.center.assign(made, "kim", at=evening)
    row = listed.row(made)

    assert (row.state, row.status, row.agent, row.team) == (
        "ROUTING",
        "UNPROCESSED",
        "kim",
        "team-a",
    )
    assert (row.assigner, row.assigned_at, row.first_assigned_at) == ("sv-1", evening, evening)
    assert (row.first_assigned_day, row.first_assigned_month) == ("2026-11-24", "2026-11")


def test_a_reassignment_keeps_the_first_assignment() -> None:
    listed = Listed("kim", "lee")
    made = listed.center.request()
    listed.center.assign(made, "kim", at=minutes(1))
    listed.center.do(c.UnassignCallbacks(caller=ADMIN, at=minutes(2), callback_ids=(made,)))
    assert (listed.row(made).state, listed.row(made).status) == ("QUEUED", "CANCELLED")

    listed.center.assign(made, "lee", at=minutes(3))
    row = listed.row(made)

    assert (row.agent, row.assigned_at, row.first_assigned_at) == ("lee", minutes(3), minutes(1))


def test_a_failed_dial_with_attempts_left_goes_back_to_routing() -> None:
    listed = Listed("kim")
    made = listed.center.request()
    listed.center.assign(made, "kim")

    listed.center.dial(made, "kim", fails=True)
    row = listed.row(made)

    assert (row.state, row.attempts, row.reason, row.completed_at) == ("ROUTING", 1, None, None)


def test_the_last_failed_dial_completes_with_max_attempts() -> None:
    listed = Listed("kim")
    made = listed.center.request()
    listed.center.assign(made, "kim")

    for n in range(3):
        listed.center.dial(made, "kim", fails=True, at=minutes(n))
    row = listed.row(made)

    assert (row.state, row.status, row.reason) == ("COMPLETED", "COMPLETED", "MAX_ATTEMPTS")
    assert (row.attempts, row.completed_at) == (3, minutes(2))


def test_a_completed_call_is_completed_by_the_agent() -> None:
    listed = Listed("kim")
    made = listed.center.request()
    listed.center.assign(made, "kim")
    listed.center.dial(made, "kim", fails=False)

    listed.center.do(c.CompleteCallback(caller=agent("kim"), at=minutes(5), callback_id=made))
    row = listed.row(made)

    assert (row.state, row.status, row.reason, row.completed_at) == (
        "COMPLETED",
        "COMPLETED",
        "AGENT",
        minutes(5),
    )


def test_a_cancel_shows_as_cancelled_with_who_cancelled_in_the_reason() -> None:
    listed = Listed()
    by_admin, by_customer = listed.center.request(), listed.center.request()

    listed.center.cancel(by_admin)
    listed.center.cancel(by_customer, by_customer=True)

    assert (listed.row(by_admin).status, listed.row(by_admin).reason) == (
        "CANCELLED",
        "CANCELLED_BY_ADMIN",
    )
    assert (listed.row(by_customer).status, listed.row(by_customer).reason) == (
        "CANCELLED",
        "CANCELLED",
    )


def test_every_event_of_a_callback_counts_in_its_history_length_and_position() -> None:
    listed = Listed("kim")
    made = listed.center.request()
    listed.center.assign(made, "kim")
    items = listed.center.new_events()
    follow(listed.projection, items, listed.rows)

    row = listed.rows[made]
    mine = [i for i in items if getattr(i.event, "originator_id", None) == made]
    assert row.history_length == len(mine) == 2
    assert row.position == mine[-1].position


def test_a_batch_loads_the_rows_of_the_callbacks_it_changes_not_of_new_ones() -> None:
    listed = Listed("kim")
    old = listed.center.request()
    listed.row(old)
    new = listed.center.request()
    listed.center.assign(old, "kim")
    listed.center.assign(new, "kim")  # requested in this batch: nothing to load either

    keys = listed.projection.keys(listed.center.new_events())

    assert old in keys and new not in keys


def test_events_of_agents_and_phone_lines_leave_the_list_alone() -> None:
    listed = Listed("kim")  # an agent registered: its events are in the log
    batch = follow(listed.projection, listed.center.new_events())

    assert batch.changed == set() and batch.rows == {}
