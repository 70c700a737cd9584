"""The line board answers a fresh request's place exactly, or says it cannot.

A model of one route set's log: fresh requests join the back of their route's line,
other writes take callbacks out of it, and the views catch up to any position at any
moment, and another process may write too. Whenever the board answers, its place is the
callback's true place as of the later of its own position and the board's; it declines
only when something other than its own process's fresh requests was written between
the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.views.line_board import Board, LineBoard
from callback_domain.lifecycle import CallbackState, NhnStatus
from callback_domain.results import CallbackAccepted, Outcome
from callback_domain.values import Policies

NOW = datetime(2026, 11, 30, tzinfo=UTC)
ROUTES = ("billing", "tech")


@dataclass
class Queued:
    route: str
    position: int
    left: int | None = None  # the position that took it out of the line


def accepted(route: str, state: CallbackState, *, fresh: bool = True) -> CallbackAccepted:
    return CallbackAccepted(
        callback_id=uuid4(),
        request_id=str(uuid4()),
        route=route,
        state=state,
        status=NhnStatus.REGISTERED,
        duplicate=not fresh,
        queue_since=NOW,
    )


def board_at(position: int, line: list[Queued]) -> Board:
    queued: dict[str, int] = {}
    for c in line:
        if c.position <= position and (c.left is None or c.left > position):
            queued[c.route] = queued.get(c.route, 0) + 1
    return Board(position, queued, {}, 1, Policies(), {})


def true_place(line: list[Queued], mine: Queued, as_of: int) -> int:
    return sum(
        1
        for c in line
        if c.route == mine.route
        and c.position <= mine.position
        and (c.left is None or c.left > as_of)
    )


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("fresh"), st.sampled_from(ROUTES)),
        st.tuples(st.just("foreign fresh"), st.sampled_from(ROUTES)),  # another process's
        st.tuples(st.just("foreign leave"), st.integers(0, 50)),
        st.tuples(st.just("scheduled"), st.sampled_from(ROUTES)),
        st.tuples(st.just("replayed"), st.sampled_from(ROUTES)),
        st.tuples(st.just("leave"), st.integers(0, 50)),
        st.tuples(st.just("views"), st.floats(0, 1)),
        st.tuples(st.just("ask"), st.integers(0, 50)),
    ),
    max_size=60,
)


@settings(max_examples=1000, deadline=None)
@given(OPS)
@example([("fresh", "billing"), ("leave", 0), ("fresh", "billing"), ("ask", 1)])
def test_a_place_is_exact_or_declined(ops: list[tuple[str, object]]) -> None:
    lines = LineBoard()
    line: list[Queued] = []
    foreign: list[int] = []  # positions another process wrote
    head = views = 0
    board = board_at(0, line)
    for op, arg in ops:
        if op in ("fresh", "scheduled"):
            head += 1
            state = CallbackState.QUEUED if op == "fresh" else CallbackState.SCHEDULED
            outcome = Outcome(
                value=accepted(str(arg), state), log_position=head, events=(1,), first_position=head
            )
            lines.written([outcome])
            if op == "fresh":
                line.append(Queued(str(arg), head))
        elif op == "foreign fresh":  # recorded by another process: this board never hears
            head += 1
            foreign.append(head)
            line.append(Queued(str(arg), head))
        elif op == "replayed":  # nothing written: its outcome has no events of its own
            lines.written([Outcome(value=accepted(str(arg), CallbackState.QUEUED, fresh=False))])
        elif op in ("leave", "foreign leave"):
            waiting = [c for c in line if c.left is None]
            if waiting:
                head += 1
                waiting[int(str(arg)) % len(waiting)].left = head
                if op == "leave":
                    left = Outcome(value=None, log_position=head, events=(1,), first_position=head)
                    lines.written([left])
                else:
                    foreign.append(head)
        elif op == "views":
            views = views + round((head - views) * float(str(arg)))
            board = board_at(views, line)
            lines._forget(views)
        elif line:
            mine = line[int(str(arg)) % len(line)]
            as_of = max(views, mine.position)
            if mine.left is not None and mine.left <= as_of:
                continue  # no longer in line: not a fresh reply's question
            found = lines._place(board, mine.route, mine.position, NOW)
            low, high = sorted((views, mine.position))  # the board's position and its own
            others = any(c.left is not None and low < c.left <= high for c in line)
            others = others or any(low < f <= high for f in foreign)
            if found is None:
                assert others
            else:
                assert found.position_in_queue == true_place(line, mine, as_of)
