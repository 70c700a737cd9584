"""The agent counts view: directory, presence, and how many callbacks each agent holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from projections.agent_counts import AgentCountsProjection, count_change
from projections.event_record import EventRecord
from tests.factories import ADMIN, T0, agent
from tests.unit.projections.log import Center, follow

if TYPE_CHECKING:
    from collections.abc import Hashable

    from projections.agent_counts import AgentRow


class Counts:
    def __init__(self, *agents: str) -> None:
        self.center = Center(*agents)
        self.rows: dict[Hashable, AgentRow] = {}
        self.projection = AgentCountsProjection()
        self.catch_up()

    def catch_up(self) -> None:
        follow(self.projection, self.center.new_events(), self.rows)

    def incomplete(self, agent_id: str) -> int:
        self.catch_up()
        return self.rows[agent_id].incomplete


def test_a_registered_agent_has_a_row_with_nothing_held_and_logged_out() -> None:
    counts = Counts("kim")

    row = counts.rows["kim"]

    assert (row.name, row.teams, row.permissions) == ("Kim", ("team-a", "team-b"), ("call",))
    assert (row.incomplete, row.logged_in) == (0, False)


def test_presence_and_profile_changes_update_the_row() -> None:
    counts = Counts("kim")
    counts.center.do(c.SetPresence(caller=ADMIN, at=T0, agent_id="kim", logged_in=True))
    counts.center.do(
        c.UpsertAgent(caller=ADMIN, at=T0, agent_id="kim", name="Kim Minji", teams=("vip",))
    )
    counts.catch_up()

    row = counts.rows["kim"]

    assert (row.name, row.teams, row.logged_in) == ("Kim Minji", ("vip",), True)


def test_an_assignment_adds_one_and_an_unassignment_takes_it_back() -> None:
    counts = Counts("kim")
    center = counts.center
    first, second = center.request(), center.request()

    center.assign(first, "kim")
    center.assign(second, "kim")
    assert counts.incomplete("kim") == 2

    center.do(c.UnassignCallbacks(caller=ADMIN, at=T0, callback_ids=(first,)))
    assert counts.incomplete("kim") == 1


def test_a_failed_dial_with_attempts_left_keeps_the_agent_holding_it() -> None:
    counts = Counts("kim")
    held = counts.center.request()
    counts.center.assign(held, "kim")

    counts.center.dial(held, "kim", fails=True)

    assert counts.incomplete("kim") == 1


def test_a_failed_dial_that_completes_releases_the_agent() -> None:
    counts = Counts("kim")
    held = counts.center.request()
    counts.center.assign(held, "kim")

    for _ in range(3):  # the default policy's max attempts
        counts.center.dial(held, "kim", fails=True)

    assert counts.incomplete("kim") == 0


@pytest.mark.parametrize("ending", ["complete", "finish", "cancel"])
def test_a_held_callback_that_ends_releases_the_agent(ending: str) -> None:
    counts = Counts("kim")
    center = counts.center
    held = center.request()
    center.assign(held, "kim")
    if ending == "complete":
        center.dial(held, "kim", fails=False)
        center.do(c.CompleteCallback(caller=agent("kim"), at=T0, callback_id=held))
    elif ending == "finish":
        center.do(c.FinishCallback(caller=agent("kim"), at=T0, callback_id=held))
    else:
        center.cancel(held)

    assert counts.incomplete("kim") == 0


def test_ending_a_callback_nobody_holds_changes_no_count() -> None:
    counts = Counts("kim")
    center = counts.center
    held, waiting = center.request(), center.request()
    center.assign(held, "kim")

    center.cancel(waiting, by_customer=True)

    assert counts.incomplete("kim") == 1


def test_a_batch_loads_exactly_the_rows_of_the_agents_it_touches() -> None:
    counts = Counts("kim", "lee", "park")
    center = counts.center
    held = center.request()
    center.assign(held, "lee")
    center.do(c.SetPresence(caller=ADMIN, at=T0, agent_id="park", logged_in=True))

    assert counts.projection.keys(center.new_events()) == {"lee", "park"}


def test_the_agents_notifications_follow_the_views_rule() -> None:
    """What `notify.agent.{id}` says changed is what the view counted, event by event."""
    counts = Counts("kim", "lee")
    center = counts.center
    for n, agent_id in enumerate(["kim", "lee", "kim", "kim"]):
        callback_id = center.request()
        center.assign(callback_id, agent_id)
        if n == 1:
            center.do(c.UnassignCallbacks(caller=ADMIN, at=T0, callback_ids=(callback_id,)))
        if n == 2:
            for _ in range(3):
                center.dial(callback_id, "kim", fails=True)
        if n == 3:
            center.cancel(callback_id)
    items = center.new_events()
    before = {k: r.incomplete for k, r in counts.rows.items()}
    follow(counts.projection, items, counts.rows)

    noticed: dict[str, int] = {}
    for item in items:
        record = EventRecord.of(item.event, item.position)
        change = count_change(record.type, record.data) if record.aggregate == "Callback" else None
        if change is not None:
            noticed[change.agent_id] = noticed.get(change.agent_id, 0) + change.delta

    after = {k: r.incomplete for k, r in counts.rows.items()}
    assert {k: after[k] - before[k] for k in after} == {"kim": 0, "lee": 0} | noticed
    assert noticed == {"kim": 1, "lee": 0}  # kim still holds the first one
