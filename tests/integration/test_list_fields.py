"""The list and report fields supervisors use (issue 13): one number in any spelling, what
is due next, several values per filter, the routing team, a treatment rate that adds up,
and an unassigned callback without an assigner."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.bootstrap import build_read_side, build_service
from adapters.settings import Settings
from adapters.views.queries import ListFilters
from callback_domain import commands as c
from callback_domain.values import AssignMethod, DialOutcome
from tests.factories import ADMIN, SUPERVISOR, T0, add_agents, agent, request

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from adapters.bootstrap import ReadSide
    from callback_domain.application import CallbackService

pytestmark = pytest.mark.integration
HOUR = timedelta(hours=1)


class Floor:
    """Callbacks of one morning: scheduled ones due at different times, immediate ones."""

    def __init__(self, database_url: str) -> None:
        settings = Settings.load(database_url=database_url, timezone="Asia/Seoul")
        self.service: CallbackService = build_service(settings)
        self.side: ReadSide = build_read_side(settings, self.service)
        add_agents(self.service, "kim", teams=("team-a", "care"))  # takes the care team's
        add_agents(self.service, "lee")

    def ask(self, **fields: object) -> UUID:
        return self.service.execute(request(**fields)).callback_id  # type: ignore[no-any-return]

    def caught_up(self) -> None:
        self.side.runner.catch_up(list(self.side.store.active().values()))

    def ids(self, **filters: object) -> set[UUID]:
        self.caught_up()
        rows = self.side.queries.iter_rows(ListFilters(**filters))  # type: ignore[arg-type]
        return {r.callback_id for r in rows}

    def assign(self, callback_id: UUID, agent_id: str, at: object = T0) -> None:
        self.service.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=at,  # type: ignore[arg-type]
                callback_ids=(callback_id,),
                agent_ids=(agent_id,),
                method=AssignMethod.MANUAL,
            )
        )


@pytest.fixture
def floor(database_url: str) -> Iterator[Floor]:
    made = Floor(database_url)
    yield made
    made.side.close()
    made.service.close()


def test_one_caller_is_one_number_in_any_spelling(floor: Floor) -> None:
    first = floor.ask(phone="010-3333-4444", route="billing")
    again = floor.service.execute(request(phone="+82 10-3333-4444", route="billing"))

    assert again.duplicate and again.callback_id == first
    floor.caught_up()
    row = floor.side.queries.get(first)
    assert row is not None
    assert (row.phone, row.phone_national) == ("+821033334444", "010-3333-4444")
    for spelling in ("+82 10-3333-4444", "01033334444", "8210 3333 4444"):
        assert floor.ids(phone=spelling) == {first}
        assert [r.callback_id for r in floor.side.queries.search(phone=spelling)] == [first]
    assert floor.ids(phone_suffix="4444") == {first}
    assert floor.ids(phone_suffix="34444") == {first}
    assert floor.ids(phone_suffix="5555") == set()


def test_supervisors_see_what_is_due_next(floor: Floor) -> None:
    soon = floor.ask(desired_time=T0 + HOUR, route="billing")
    later = floor.ask(desired_time=T0 + 5 * HOUR, route="tech")
    team = floor.ask(desired_time=T0 + 2 * HOUR, route="sales", routing_team="care")
    now = floor.ask(route="tech")

    # Desired period: from included, to excluded; requested time plays no part.
    assert floor.ids(desired_from=T0, desired_to=T0 + 3 * HOUR) == {soon, team}
    assert floor.ids(desired_from=T0 + 2 * HOUR) == {team, later}
    # Several values per filter; type; the routing team.
    assert floor.ids(route=("billing", "sales")) == {soon, team}
    assert floor.ids(state=("SCHEDULED", "QUEUED"), route="tech") == {later, now}
    assert floor.ids(callback_type="IMMEDIATE") == {now}
    assert floor.ids(callback_type=("IMMEDIATE", "SCHEDULED")) == {soon, later, team, now}
    assert floor.ids(team="care") == {team}
    assert floor.ids(state="QUEUED", states=("SCHEDULED",)) == set()  # both filters hold
    # Overdue: SCHEDULED, and its desired time plus the window (2 min) has passed.
    at = T0 + HOUR + timedelta(minutes=3)
    assert floor.ids(overdue=True, now=at) == {soon}
    assert floor.ids(overdue=False, now=at) == {later, team, now}
    page = floor.side.queries.list_page(ListFilters(route=("billing", "sales")))
    assert page.total == 2


def test_the_treatment_rate_adds_up(floor: Floor) -> None:
    s = floor.service
    done, held, failed, released, cancelled = (floor.ask() for _ in range(5))
    for callback_id in (done, held, failed, released, cancelled):
        floor.assign(callback_id, "kim")
    s.execute(c.DialCallback(caller=agent("kim"), at=T0, callback_id=done))
    s.execute(c.CompleteCallback(caller=agent("kim"), at=T0, callback_id=done))
    for _ in range(3):
        s.execute(c.DialCallback(caller=agent("kim"), at=T0, callback_id=failed))
        s.execute(
            c.RecordDialResult(
                caller=agent("kim"), at=T0, callback_id=failed, outcome=DialOutcome.BUSY
            )
        )
    s.execute(c.UnassignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(released,)))
    s.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(cancelled,)))
    floor.caught_up()

    (row,) = floor.side.queries.treatment_rate(date(2026, 11, 23), date(2026, 11, 23))

    assert (row.assigned, row.completed, row.unprocessed, row.failed, row.released) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert row.as_json()["failed"] == 1 and row.as_json()["released"] == 2


def test_treatment_rate_by_routing_team_and_phone(floor: Floor) -> None:
    cared = floor.ask(routing_team="care", phone="010-7000-0001")
    other = floor.ask(phone="010-7000-0002")
    floor.assign(cared, "kim")
    floor.assign(other, "lee")
    floor.caught_up()
    day = date(2026, 11, 23)

    (by_team,) = floor.side.queries.treatment_rate(day, day, team="care")
    (by_phone,) = floor.side.queries.treatment_rate(day, day, phone="+82 10 7000 0002")

    assert (by_team.assigned, by_phone.assigned) == (1, 1)
    assert floor.side.queries.treatment_rate(day, day, team="nobody")[0].assigned == 0


def test_unassign_clears_the_lists_assigner_and_the_history_keeps_it(floor: Floor) -> None:
    kept, released = floor.ask(), floor.ask()
    floor.assign(kept, "kim")
    floor.assign(released, "lee")
    floor.service.execute(c.UnassignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(released,)))

    assert floor.ids(assigner=SUPERVISOR.actor) == {kept}
    row = floor.side.queries.get(released)
    assert row is not None and (row.assigner, row.assigner_team, row.agent) == (None, None, None)
    history = floor.side.queries.history(released)
    assert [(h.type, h.actor) for h in history][1] == ("Assigned", SUPERVISOR.actor)
