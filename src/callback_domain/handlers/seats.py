"""Slot capacity: a scheduled callback's seat, refused when its slot is full, and kept in
its route's ledger whatever changes the callback (one home for every command)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.handlers.routes import NEXT_SLOTS
from callback_domain.lifecycle import CallbackState
from callback_domain.route_book import ROUTE_BOOK_ID, RouteBook
from callback_domain.slot_seats import SlotSeats, remaining, slot_of
from callback_domain.values import Validator

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime, timedelta
    from uuid import UUID

    from callback_domain.calendar import Slot
    from callback_domain.route_book import RouteSettings
    from callback_domain.workspace import Workspace

_LOOK_AHEAD = 96  # slots read at a time while looking for free ones


def held(ws: Workspace, route: str, *, besides: UUID | None = None) -> list[datetime]:
    """The desired times of the route's seats (but `besides`'s own)."""
    ledger = ws.get(SlotSeats, SlotSeats.create_id(route))
    return [] if ledger is None else ledger.times(besides=besides)


def ensure_seat(
    ws: Workspace,
    name: str,
    desired_time: datetime | None,
    *,
    settings: RouteSettings | None,
    window: timedelta,
    at: datetime,
    horizon: timedelta,
    callback_id: UUID | None = None,
) -> None:
    """A scheduled callback needs a free seat in the slot it counts in (its own seat,
    when it moves, does not count). Refused (InvalidRequestError, reason `full`) with
    the nearest free slots after it."""
    if desired_time is None or settings is None or settings.slot_capacity is None:
        return
    slot = slot_of(settings, desired_time, window)
    if slot is None:
        return
    times = held(ws, settings.route, besides=callback_id)
    (free,) = remaining(settings, [slot], times, window)
    if free:
        return
    found = free_slots(settings, slot.end, times, window=window, until=at + horizon)
    zone = settings.calendar().zone
    v = Validator()
    v.refuse(
        name,
        f"falls in a full slot of route '{settings.route}'; choose one of next_slots",
        reason="full",
        next_slots=[
            {
                "start": s.start.astimezone(zone).isoformat(),
                "end": s.end.astimezone(zone).isoformat(),
            }
            for s in found
        ],
    )
    v.raise_if_any()


def free_slots(
    settings: RouteSettings,
    after: datetime,
    times: list[datetime],
    *,
    window: timedelta,
    until: datetime,
    count: int = NEXT_SLOTS,
) -> list[Slot]:
    """The first `count` slots with a free seat starting from `after` to `until`."""
    calendar = settings.calendar()
    found: list[Slot] = []
    while len(found) < count and after < until:
        batch = calendar.next_slots(
            after, slot_minutes=settings.slot_minutes, count=_LOOK_AHEAD, within=until - after
        )
        if not batch:
            break
        seats = remaining(settings, batch, times, window)
        found += [s for s, n in zip(batch, seats, strict=True) if n]
        after = batch[-1].end
    return found[:count]


def keep_seats(ws: Workspace, events: Iterable[object], *, at: datetime) -> None:
    """Records the seat of every callback the events changed: its desired time while it
    is SCHEDULED on a registered route, none otherwise."""
    book: RouteBook | None = None
    for callback_id in dict.fromkeys(getattr(e, "originator_id", None) for e in events):
        callback = None if callback_id is None else ws.find_callback(callback_id)
        if callback is None:
            continue
        book = book or ws.get(RouteBook, ROUTE_BOOK_ID)
        if book is None or callback.route not in book.routes:
            continue
        scheduled = callback.state is CallbackState.SCHEDULED
        wanted = callback.desired_time if scheduled else None
        ledger = ws.get(SlotSeats, SlotSeats.create_id(callback.route))
        if ledger is None:
            if wanted is None:
                continue
            ledger = SlotSeats.open(callback.route, at=at)
            ws.add(ledger)
        ledger.keep(callback.id, wanted, at=at)
