"""The questions the views answer: filters, pages, summary, queue position, reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.bootstrap import build_read_side, build_service
from adapters.settings import Settings
from adapters.views.queries import ListFilters
from callback_domain import commands as c
from callback_domain.errors import InvalidRequestError
from callback_domain.values import AssignMethod, Permission
from tests.factories import ADMIN, SUPERVISOR, T0, add_agents, agent, assigner, queued, request

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from adapters.bootstrap import ReadSide
    from callback_domain.application import CallbackService

pytestmark = pytest.mark.integration


class Center:
    """A small contact center: 12 callbacks over two routes and three agents."""

    def __init__(self, database_url: str) -> None:
        settings = Settings.load(database_url=database_url, timezone="Asia/Seoul")
        self.service: CallbackService = build_service(settings)
        self.side: ReadSide = build_read_side(settings, self.service)
        s = self.service
        add_agents(s, "kim", "lee", teams=("team-a",))
        add_agents(s, "park", teams=("team-b",))
        add_agents(s, "boss", permissions=(Permission.CALL, Permission.ASSIGN), teams=("leads",))
        self.billing = [
            queued(s, at=T0 + timedelta(minutes=i), route="billing", phone=f"010-0000-{i:04d}")
            for i in range(8)
        ]
        self.tech = [queued(s, at=T0 + timedelta(minutes=i), route="tech") for i in range(3)]
        self.scheduled = s.execute(request(at=T0, desired_time=T0 + timedelta(hours=3))).callback_id
        s.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0 + timedelta(minutes=30),
                callback_ids=tuple(self.billing[:4]),
                agent_ids=("kim", "lee"),
                method=AssignMethod.EQUAL,
            )
        )
        s.execute(
            c.AssignCallbacks(
                caller=assigner("boss"),
                at=T0 + timedelta(hours=20),
                callback_ids=(self.tech[0],),
                agent_ids=("park",),
            )
        )
        self.kims = [i for i in self.billing[:4] if s.get_callback(i).agent_id == "kim"]
        s.execute(
            c.DialCallback(
                caller=agent("kim"), at=T0 + timedelta(minutes=40), callback_id=self.kims[0]
            )
        )
        s.execute(
            c.CompleteCallback(
                caller=agent("kim"), at=T0 + timedelta(minutes=41), callback_id=self.kims[0]
            )
        )
        s.execute(
            c.CancelCallbacks(
                caller=ADMIN, at=T0 + timedelta(minutes=50), callback_ids=(self.billing[7],)
            )
        )
        s.execute(
            c.UnassignCallbacks(
                caller=SUPERVISOR, at=T0 + timedelta(minutes=55), callback_ids=(self.kims[1],)
            )
        )
        self.side.runner.catch_up(list(self.side.store.active().values()))
        self.q = self.side.queries

    def ids(self, **filters: object) -> set[UUID]:
        return {r.callback_id for r in self.q.iter_rows(ListFilters(**filters))}  # type: ignore[arg-type]


@pytest.fixture
def center(database_url: str) -> Iterator[Center]:
    made = Center(database_url)
    yield made
    made.side.close()
    made.service.close()


def test_each_filter_selects_what_it_names(center: Center) -> None:
    everything = center.ids()
    assert len(everything) == 12
    assert center.ids(route="tech") == set(center.tech)
    assert center.ids(state="SCHEDULED") == {center.scheduled}
    assert center.ids(status="CANCELLED") == {
        center.billing[7],
        center.kims[1],
    }  # cancelled; unassigned
    assert center.ids(agent="kim") == {center.kims[0]}
    assert center.ids(agent_team="team-b") == {center.tech[0]}
    assert center.ids(assigner="boss") == {center.tech[0]}
    assert center.ids(assigner_team="leads") == {center.tech[0]}
    assert center.ids(phone="010 0000 0003") == {center.billing[3]}
    assert center.ids(from_=T0 + timedelta(minutes=2), to=T0 + timedelta(minutes=4)) == {
        center.billing[2],
        center.billing[3],
        center.tech[2],
    }


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"route": "billing"},
        {"state": "QUEUED"},
        {"status": "CANCELLED"},
        {"agent_team": "team-a"},
        {"assigner_team": "leads"},
        {"assigner": "boss"},
        {"assigner": "boss", "route": "tech"},
        {"route": "billing", "state": "ROUTING", "agent_team": "team-a"},
        {"states": ("ROUTING", "PROCESSING")},
        {"states": ()},
        {"agent_team": ""},
        {"route": "nowhere"},
        {"agent": "kim"},
        {"phone": "010 0000 0003"},
        {"from_": T0 + timedelta(minutes=2)},
    ],
)
def test_total_is_the_number_of_rows_the_filter_selects(
    center: Center, filters: dict[str, object]
) -> None:
    # Filters on counted columns only add up the counts table; the others count rows.
    assert center.q.list_page(ListFilters(**filters)).total == len(center.ids(**filters))  # type: ignore[arg-type]


def test_counts_made_for_an_older_generation_match_its_rows(center: Center) -> None:
    store = center.side.store
    (generation,) = [g for g in store.active().values() if g.view == "callback_list"]
    before = center.q.list_page(ListFilters(state="QUEUED")).total
    with store.tx(commit=True) as cur:  # as a generation made before the view had counts
        store.run(cur, f"DROP TABLE {store.counts_table(generation.view, generation.tag)}")
    store.ensure_live("Asia/Seoul")
    assert center.q.list_page(ListFilters(state="QUEUED")).total == before
    assert center.q.list_page(ListFilters()).total == 12


def test_rows_by_many_ids_are_the_rows_by_each(center: Center) -> None:
    from uuid import uuid4

    ids = [*center.billing, *center.tech, uuid4()]
    found = center.q.get_many([*ids, center.tech[0]])
    assert found == {i: row for i in ids if (row := center.q.get(i)) is not None}
    assert len(found) == 11 and center.q.get_many([]) == {}


def test_copy_values_for_postgres_equal_the_column_by_column_conversion(center: Center) -> None:
    from adapters.views.dialect import POSTGRES
    from adapters.views.schema import TABLES, _get

    rows = {
        "callback_list": [
            center.q.get(i) for i in [*center.billing, *center.tech, center.scheduled]
        ],
        "agent_counts": center.q.agent_counts(),
        "history": [h for i in center.billing[:4] for h in center.q.history(i)],
    }
    for view, found in rows.items():
        table = TABLES[view]
        assert found
        for row in found:
            expected = [POSTGRES.to_db(_get(row, c), t) for c, t in table.columns.items()]
            assert table.values(row, POSTGRES) == expected


def test_pages_walk_every_row_once_newest_first(center: Center) -> None:
    seen, cursor, totals = [], None, set()
    while True:
        page = center.q.list_page(ListFilters(), page_size=5, cursor=cursor)
        seen.extend(page.items)
        totals.add(page.total)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert totals == {12} and len(seen) == 12 and len({r.callback_id for r in seen}) == 12
    assert [r.requested_at for r in seen] == sorted((r.requested_at for r in seen), reverse=True)


def test_a_forged_cursor_is_refused_naming_the_field(center: Center) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        center.q.list_page(ListFilters(), cursor="not-a-cursor")
    assert refused.value.details[0]["field"] == "cursor"


def test_assignment_summary_counts_callbacks_with_and_without_an_agent(center: Center) -> None:
    assert center.q.summary(ListFilters()) == {"total": 12, "assigned": 4, "unassigned": 8}
    assert center.q.summary(ListFilters(route="tech")) == {
        "total": 3,
        "assigned": 1,
        "unassigned": 2,
    }


def test_queue_position_follows_the_original_request_time(center: Center) -> None:
    queued_billing = [i for i in center.billing if center.q.get(i).state == "QUEUED"]
    positions = [
        center.q.queue_position(center.q.get(i), T0 + timedelta(hours=1))[0] for i in queued_billing
    ]

    assert positions == list(range(1, len(queued_billing) + 1))
    # The unassigned one went back to its original place: it was requested early.
    assert (
        queued_billing[0] == center.kims[1]
        or center.q.get(queued_billing[0]).requested_at <= center.q.get(center.kims[1]).requested_at
    )


def test_estimated_wait_comes_from_the_recent_handling_rate(center: Center) -> None:
    row = center.q.get(center.billing[6])
    position, wait = center.q.queue_position(row, T0 + timedelta(minutes=45))
    # Four billing callbacks were assigned in the hour before 09:45: 1 per 15 min.
    assert wait == position * 900
    assert center.q.queue_position(row, T0 + timedelta(hours=5)) == (position, None)


def test_search_by_id_phone_and_request_id(center: Center) -> None:
    one = center.q.get(center.tech[1])
    assert one is not None
    assert [r.callback_id for r in center.q.search(callback_id=one.callback_id)] == [
        one.callback_id
    ]
    assert [r.callback_id for r in center.q.search(phone=one.phone)] == [one.callback_id]
    assert [r.callback_id for r in center.q.search(request_id=one.request_id)] == [one.callback_id]


def test_agent_counts_and_history(center: Center) -> None:
    counts = {a.agent_id: a.incomplete for a in center.q.agent_counts()}
    assert counts == {"kim": 0, "lee": 2, "park": 1, "boss": 0}
    assert [a.agent_id for a in center.q.agent_counts(["park", "kim"])] == ["kim", "park"]
    assert [h.type for h in center.q.history(center.kims[0])] == [
        "Requested",
        "Assigned",
        "DialAttempted",
        "Completed",
    ]
    assert center.q.history(center.kims[0])[1].actor == SUPERVISOR.actor


def test_treatment_rate_is_cut_in_the_contact_centers_days(center: Center) -> None:
    rows = center.q.treatment_rate(date(2026, 11, 23), date(2026, 11, 24))
    # 09:30 UTC is 18:30 in Seoul (the 23rd); 20 hours later is 05:00 on the 24th there.
    assert [(r.period, r.assigned, r.completed, r.unprocessed) for r in rows] == [
        ("2026-11-23", 4, 1, 2),
        ("2026-11-24", 1, 0, 1),
    ]
    assert rows[0].rate == 0.25
    monthly = center.q.treatment_rate(
        date(2026, 11, 1), date(2026, 11, 30), by="month", route="billing"
    )
    assert [(r.period, r.assigned) for r in monthly] == [("2026-11", 4)]
    assert (
        center.q.treatment_rate(date(2026, 11, 23), date(2026, 11, 23), agent="kim")[0].completed
        == 1
    )


def test_reads_wait_for_a_given_log_position(center: Center) -> None:
    outcome = center.service.execute_batch([request()])[0]
    assert not center.q.wait_for(outcome.log_position, timeout=0.05)  # nobody follows the log

    center.side.runner.catch_up(list(center.side.store.active().values()))

    assert center.q.wait_for(outcome.log_position, timeout=0.05)
    assert center.q.get(outcome.value.callback_id) is not None


def test_the_scheduler_finds_due_and_expired_callbacks(center: Center) -> None:
    assert center.q.due_scheduled(T0 + timedelta(hours=2)) == []
    assert center.q.due_scheduled(T0 + timedelta(hours=3)) == [center.scheduled]
    assert center.q.next_due() == T0 + timedelta(hours=3)
    expired = set(center.q.expired(T0 + timedelta(days=14, minutes=5)))
    assert (
        center.billing[5] in expired and center.billing[7] not in expired
    )  # cancelled ones never expire
    assert center.scheduled not in expired  # due later, so it expires later


def test_places_in_line_for_many_equal_one_by_one(center: Center) -> None:
    from uuid import uuid4

    rows = [center.q.get(i) for i in [*center.billing, *center.tech]]
    unseen = (
        "tech",
        T0 + timedelta(seconds=90),
        uuid4(),
    )  # not in the view yet: counts those ahead
    wanted = [(r.route, r.queue_since, r.callback_id) for r in rows if r.state == "QUEUED"] + [
        unseen
    ]
    for now in (T0 + timedelta(minutes=45), T0 + timedelta(hours=5)):
        one_by_one = [center.q.place_in_line(route, qs, cid, now) for route, qs, cid in wanted]
        assert center.q.places_in_line(wanted, now) == one_by_one
        # Counted from the back (the route's QUEUED total less those behind): the same.
        assert center.q.places_in_line(wanted, now, from_the_back=True) == one_by_one
    assert center.q.places_in_line([], T0) == []


def test_the_line_totals_are_the_views_own_counts_as_of_their_position(center: Center) -> None:
    position, queued, handled = center.q.line_totals(T0 + timedelta(minutes=45))
    assert position == center.q.position() > 0
    waiting = {route: len(center.ids(route=route, state="QUEUED")) for route in ("billing", "tech")}
    assert queued == waiting and min(waiting.values()) > 0
    # Assigned since an hour before: billing's four (the supervisor's at 30 min) and
    # tech's one (at 20 h); an hour after 20 h 30 min, only tech's.
    assert handled == {"billing": 4, "tech": 1}
    assert center.q.line_totals(T0 + timedelta(hours=20, minutes=30))[2] == {"tech": 1}
