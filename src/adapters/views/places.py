"""Places in line and estimated waits, and concurrent requests reading them together.

The estimated wait comes from the route's recent handling rate (callbacks assigned in
the last hour, `ViewQueries.places_in_line`) when there is one; until then (a cold
start, a quiet route) from the route's policy: its average handle time per callback
ahead, shared by the agents logged in (at least one). `wait_basis` says which. Either
counts only open time: on a route with hours, closed time is added to it
(`callback_domain.open_wait`).

Each accepted `intake.request` answers with its place in line: a read of the views.
Under load, hundreds of requests ask at once; one read per request would make the
readers the bottleneck. Requests that ask while a read is in flight wait for the next
one, which answers all of them (one statement per 100).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from callback_domain.open_wait import real_seconds

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime
    from uuid import UUID

    from adapters.messaging.context import ServiceContext
    from adapters.views.queries import ViewQueries
    from callback_domain.calendar import Calendar
    from callback_domain.route_book import RouteBook
    from callback_domain.values import Policies
    from projections.callback_list import CallbackRow

WaitBasis = Literal["recent_rate", "policy"]
WAIT_BASIS = (
    "what estimated_wait_seconds comes from: recent_rate (the route's assignments in the "
    "last hour) or policy (its average handle time over the logged-in agents); null "
    "unless QUEUED"
)


class Place(NamedTuple):
    """A QUEUED callback's place in line (1 = next), its estimated wait and whence."""

    position_in_queue: int | None
    estimated_wait_seconds: int | None
    wait_basis: WaitBasis | None


NOT_QUEUED = Place(None, None, None)


def estimate(position: int, recent_wait: int | None, handle_seconds: int, logged_in: int) -> Place:
    """The recent rate's wait when there is one, else the policy's: each callback
    ahead (and this one) takes `handle_seconds`, spread over the logged-in agents."""
    if recent_wait is not None:
        return Place(position, recent_wait, "recent_rate")
    return Place(position, round(position * handle_seconds / max(1, logged_in)), "policy")


def open_hours(book: RouteBook | None) -> dict[str, Calendar]:
    """The calendars of the routes with hours (the others are always open)."""
    found = [] if book is None else book.all()
    return {s.route: s.calendar() for s in found if s.hours is not None}


def in_open_time(place: Place, calendar: Calendar | None, now: datetime) -> Place:
    """The place with its wait counted in open time only (closed time added to it)."""
    if calendar is None or place.estimated_wait_seconds is None:
        return place
    wait = real_seconds(calendar, now, place.estimated_wait_seconds)
    return place._replace(estimated_wait_seconds=None if wait is None else round(wait))


def places_now(
    queries: ViewQueries,
    policies: Policies | Callable[[], Policies],
    callbacks: Sequence[tuple[str, datetime, UUID]],
    now: datetime,
    *,
    from_the_back: bool = False,
    route_book: Callable[[], RouteBook | None] | None = None,
) -> list[Place]:
    """The places of QUEUED callbacks (route, queue_since, id), in one read of each view."""
    if not callbacks:
        return []
    # (cast: mypy reads `list` in ViewQueries' annotations as its method `list`)
    found = cast(
        "Sequence[tuple[int, int | None]]",
        queries.places_in_line(callbacks, now, from_the_back=from_the_back),
    )
    logged_in = queries.logged_in_agents()
    policies = policies() if callable(policies) else policies  # read here, off the event loop
    hours = {} if route_book is None else open_hours(route_book())
    return [
        in_open_time(
            estimate(position, wait, policies.for_route(route).average_handle_seconds, logged_in),
            hours.get(route),
            now,
        )
        for (route, _, _), (position, wait) in zip(callbacks, found, strict=True)
    ]


def place_of(
    queries: ViewQueries,
    policies: Policies,
    row: CallbackRow,
    now: datetime,
    hours: Mapping[str, Calendar] | None = None,
) -> Place:
    """`query.get`'s place in line: none unless QUEUED."""
    position, recent_wait = queries.queue_position(row, now)
    if position is None:
        return NOT_QUEUED
    handle_seconds = policies.for_route(row.route).average_handle_seconds
    place = estimate(position, recent_wait, handle_seconds, queries.logged_in_agents())
    return in_open_time(place, (hours or {}).get(row.route), now)


class PlaceLookups:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._pending: list[tuple[str, datetime, UUID, asyncio.Future[Place]]] = []
        self._running = False

    async def places(self, callbacks: list[tuple[str, datetime, UUID]]) -> list[Place]:
        """Each callback's (route, queue_since, id) place in line and estimated wait."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Place]] = []
        for route, queue_since, callback_id in callbacks:
            futures.append(loop.create_future())
            self._pending.append((route, queue_since, callback_id, futures[-1]))
        if not self._running:
            self._running = True
            asyncio.ensure_future(self._drain())  # noqa: RUF006 - it resolves every future it takes
        return list(await asyncio.gather(*futures))

    async def _drain(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # let the requests of this moment join
                batch, self._pending = self._pending, []
                try:
                    found = await self.ctx.read(
                        places_now,
                        self.ctx.queries,
                        self.ctx.service.route_policies,
                        [(r, q, c) for r, q, c, _ in batch],
                        self.ctx.clock(),
                        from_the_back=True,
                        route_book=self.ctx.service.route_book,
                    )
                except Exception as e:
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(e)
                    continue
                for (*_, future), place in zip(batch, found, strict=True):
                    if not future.done():
                        future.set_result(place)
        finally:
            self._running = False
