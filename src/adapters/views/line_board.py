"""Places in line for fresh requests without waiting for the views.

A fresh QUEUED request stands at the back of its route's line. Its place is the route's
QUEUED total as the views last had it (at log position P), plus the fresh requests this
process wrote after P up to and including it, minus those the views counted that came
after it:

    place = queued_at_P(route) + #{fresh of route at or before it} - #{fresh of route up to P}

That is exact while everything written since P is this process's fresh requests (a
storm). When anything else was written since P (an assignment, a cancel, an agent
logging in, a route's policy), or anything this process did not write (another process:
one taking requests too, or the followers' process, whose scheduler and distributor
write), `places` says so (None) and the reply waits for the views as before
(`PlaceLookups`). A batch's events take consecutive positions (one insert under the
store's write lock), so the positions this process wrote tell what it did not.

The totals, the recent rate and the policies are read at most every `max_age` seconds,
once for every reply that needs them meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.views.line_queries import recent_wait
from adapters.views.places import Place, estimate, in_open_time, open_hours
from callback_domain.lifecycle import CallbackState
from callback_domain.results import CallbackAccepted

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from adapters.messaging.context import ServiceContext
    from callback_domain.calendar import Calendar
    from callback_domain.results import Outcome
    from callback_domain.values import Policies

MAX_AGE = 0.2  # seconds a board answers before it is read again
KEEP = 100_000  # log positions of fresh requests kept behind the board's


@dataclass(frozen=True, slots=True)
class Board:
    position: int  # the callback list's log position the totals are as of
    queued: Mapping[str, int]
    handled: Mapping[str, int]  # assigned in the last hour, by route
    logged_in: int
    policies: Policies
    hours: Mapping[str, Calendar]
    read_at: float = field(default_factory=time.monotonic)


def is_fresh(outcome: Outcome) -> bool:
    """A request that made a new callback (not a replay, not a duplicate)."""
    value = outcome.value
    return isinstance(value, CallbackAccepted) and not value.replayed and not value.duplicate


class LineBoard:
    def __init__(self, *, max_age: float = MAX_AGE) -> None:
        self.max_age = max_age
        self._board: Board | None = None
        self._reading: asyncio.Future[Board] | None = None
        self._fresh: dict[str, list[int]] = {}  # route -> log positions, ascending
        self._other: list[int] = []  # positions of every other write, ascending
        self._mine: list[list[int]] = []  # [first, last] of what this process wrote, merged

    def written(self, outcomes: Sequence[Outcome]) -> None:
        """Each committed batch (the batcher calls it before any reply goes out)."""
        for outcome in outcomes:
            position = outcome.log_position
            if outcome.error is not None or position is None or not outcome.events:
                continue
            if outcome.first_position is not None:
                _cover(self._mine, outcome.first_position, position)
            value = outcome.value
            if is_fresh(outcome):
                assert isinstance(value, CallbackAccepted)
                if value.state is CallbackState.QUEUED:
                    _insert(self._fresh.setdefault(value.route, []), position)
                continue  # a fresh scheduled request changes no line
            _insert(self._other, position)

    async def places(
        self, ctx: ServiceContext, asked: Sequence[tuple[str, int]]
    ) -> list[Place | None]:
        """The places of fresh QUEUED callbacks (route, log position); None where the
        views must be asked (something else was written since the board's position)."""
        board = await self._current(ctx)
        now = ctx.clock()
        return [self._place(board, route, position, now) for route, position in asked]

    def _place(self, board: Board, route: str, position: int, now: datetime) -> Place | None:
        # Between the board's position and this callback's (either may be the later):
        # only this process's fresh requests, or the views must answer.
        low, high = sorted((board.position, position))
        if position <= board.position - KEEP or self._changed(low, high):
            return None
        if low < high and not self._wrote(low + 1, high):
            return None  # another process wrote in between
        fresh = self._fresh.get(route, [])
        place = (
            board.queued.get(route, 0)
            + bisect_right(fresh, position)
            - bisect_right(fresh, board.position)
        )
        if place < 1:  # not this callback's line as the board knows it: ask the views
            return None
        recent = recent_wait(place, board.handled.get(route, 0))
        handle_seconds = board.policies.for_route(route).average_handle_seconds
        found = estimate(place, recent, handle_seconds, board.logged_in)
        return in_open_time(found, board.hours.get(route), now)

    def _wrote(self, first: int, last: int) -> bool:
        """Whether this process wrote every position from `first` to `last`."""
        at = bisect_right(self._mine, [first, float("inf")]) - 1
        return at >= 0 and self._mine[at][0] <= first and self._mine[at][1] >= last

    def _changed(self, since: int, until: int) -> bool:
        """Whether this process wrote anything but fresh requests in (since, until]."""
        return bisect_right(self._other, until) > bisect_right(self._other, since)

    async def _current(self, ctx: ServiceContext) -> Board:
        board = self._board
        if board is not None and time.monotonic() - board.read_at < self.max_age:
            return board
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read(ctx))
        reading = self._reading
        try:
            return await asyncio.shield(reading)
        finally:
            if self._reading is reading and reading.done():
                self._reading = None

    async def _read(self, ctx: ServiceContext) -> Board:
        board = await ctx.read(_board_of, ctx)
        self._board = board
        self._forget(board.position)
        return board

    def _forget(self, position: int) -> None:
        """Drops what no answer needs any more."""
        del self._other[: bisect_right(self._other, position - KEEP)]
        while len(self._mine) > 1 and self._mine[0][1] <= position - KEEP:
            del self._mine[0]
        for fresh in self._fresh.values():
            del fresh[: bisect_right(fresh, position - KEEP)]


def _board_of(ctx: ServiceContext) -> Board:
    """In one reader thread: the views' totals, the agents logged in, the policies and
    hours in force (the route book loaded once for both)."""
    position, queued, handled = ctx.queries.line_totals(ctx.clock())
    book = ctx.service.route_book()
    policies = ctx.service.route_policies(book)
    logged_in = ctx.queries.logged_in_agents()
    return Board(position, queued, handled, logged_in, policies, open_hours(book))


def _insert(positions: list[int], position: int) -> None:
    """Positions arrive almost always in order: append, else insert in place."""
    if not positions or positions[-1] < position:
        positions.append(position)
    else:
        positions.insert(bisect_right(positions, position), position)


def _cover(spans: list[list[int]], first: int, last: int) -> None:
    """Adds [first, last] to the sorted, merged spans (almost always at the end)."""
    if spans and spans[-1][0] <= first and first <= spans[-1][1] + 1:
        spans[-1][1] = max(spans[-1][1], last)
        return
    at = bisect_right(spans, [first, last])
    spans.insert(at, [first, last])
    merged: list[list[int]] = []
    for span in spans:
        if merged and span[0] <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], span[1])
        else:
            merged.append(span)
    spans[:] = merged
