"""The history view (every event of a callback) and the log times view (time → position)."""

from __future__ import annotations

from callback_domain import commands as c
from projections.history import HistoryProjection
from projections.log_times import LogTime, LogTimesProjection
from tests.factories import ADMIN, T0
from tests.unit.projections.log import Center, follow, minutes


def test_history_appends_each_callback_event_with_who_passed_it() -> None:
    center = Center("kim")
    made = center.request(at=minutes(1))
    center.assign(made, "kim", at=minutes(2))
    center.do(c.UnassignCallbacks(caller=ADMIN, at=minutes(3), callback_ids=(made,)))

    batch = follow(HistoryProjection(), center.new_events())

    mine = [r for r in batch.appended if r.callback_id == made]
    assert [(r.type, r.version, r.at, r.actor, r.role) for r in mine] == [
        ("Requested", 1, minutes(1), "ivr-1", "IVR"),
        ("Assigned", 2, minutes(2), "sv-1", "SUPERVISOR"),
        ("Unassigned", 3, minutes(3), "admin-1", "ADMIN"),
    ]
    assert mine[1].data["agent_id"] == "kim"
    assert not {"actor", "role", "channel", "originator_id", "timestamp"} & set(mine[1].data)
    assert [r.position for r in mine] == sorted(r.position for r in mine)


def test_history_keeps_only_callbacks_events_and_loads_no_rows() -> None:
    center = Center("kim")  # agent events only
    items = center.new_events()

    batch = follow(HistoryProjection(), items)

    assert items and batch.appended == []
    assert HistoryProjection().keys(items) == set()


def test_log_times_record_every_event_at_its_position() -> None:
    center = Center("kim")
    center.request(at=minutes(5))
    items = center.new_events()

    batch = follow(LogTimesProjection(), items)

    assert batch.appended == [LogTime(position=i.position, at=i.event.timestamp) for i in items]
    assert batch.appended[0].at == T0 and batch.appended[-1].at == minutes(5)
