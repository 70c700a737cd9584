"""The seats of a route's slots (DOMAIN.md "Business hours, holidays and time slots").

A SCHEDULED callback on a registered route holds a seat while it is SCHEDULED: the
seat is its desired time, in the `SlotSeats` ledger of its route. Which slot a seat
counts in is worked out with the route's calendar of the moment (so changing the hours
or the slot length never strands a seat): the slot that holds the desired time, else
the first slot starting within the callback's window after it (the slot it will be
called in), else none.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from callback_domain.calendar import Slot
    from callback_domain.route_book import RouteSettings

SEATS_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:slot-seats")


class SlotSeatsSnapshot(Snapshot):
    """The ledger as of one version (its state is JSON already)."""

    TOPIC = "callbacks:SlotSeats.Snapshot"


register_topic(SlotSeatsSnapshot.TOPIC, SlotSeatsSnapshot)  # stored snapshots name it


class SlotSeats(Aggregate):
    """The capacity's consistency boundary: one ledger per route.

    - Every seat taken, moved or freed is recorded here in the same transaction as the
      callback's change, so two requests for a route's last seat conflict: the retry
      sees the other's seat and is refused.
    - `held` maps each SCHEDULED callback (its id, as text) to its desired time (ISO).
    """

    TOPIC = "callbacks:SlotSeats"
    Snapshot = SlotSeatsSnapshot  # the name eventsourcing looks for

    class Created(Aggregate.Created):
        TOPIC = "callbacks:SlotSeats.Created"

    class Opened(Aggregate.Created):
        TOPIC = "callbacks:SlotSeats.Opened"
        route: str

        def apply(self, agg: SlotSeats) -> None:
            agg.route = self.route
            agg.held = {}

    class Taken(Aggregate.Event):
        """A seat taken, or moved to another desired time."""

        TOPIC = "callbacks:SlotSeats.Taken"
        callback_id: UUID
        desired_time: datetime

        def apply(self, agg: SlotSeats) -> None:
            agg.held[str(self.callback_id)] = self.desired_time.isoformat()

    class Freed(Aggregate.Event):
        TOPIC = "callbacks:SlotSeats.Freed"
        callback_id: UUID

        def apply(self, agg: SlotSeats) -> None:
            agg.held.pop(str(self.callback_id), None)

    if TYPE_CHECKING:  # set by Opened.apply; not dataclass fields
        route: str
        held: dict[str, str]

    @staticmethod
    def create_id(route: str) -> UUID:
        return uuid5(SEATS_NAMESPACE, route)

    @classmethod
    def open(cls, route: str, *, at: datetime) -> SlotSeats:
        return cls._create(cls.Opened, id=cls.create_id(route), timestamp=at, route=route)

    def seat(self, callback_id: UUID) -> datetime | None:
        held = self.held.get(str(callback_id))
        return None if held is None else datetime.fromisoformat(held)

    def times(self, *, besides: UUID | None = None) -> list[datetime]:
        """Every seat's desired time (but `besides`'s own)."""
        skip = None if besides is None else str(besides)
        return [datetime.fromisoformat(t) for i, t in self.held.items() if i != skip]

    def keep(self, callback_id: UUID, desired_time: datetime | None, *, at: datetime) -> bool:
        """Records the callback's seat as `desired_time` (None: it holds none); False
        if it was so already."""
        if self.seat(callback_id) == desired_time:
            return False
        if desired_time is None:
            self.trigger_event(self.Freed, timestamp=at, callback_id=callback_id)
        else:
            self.trigger_event(
                self.Taken, timestamp=at, callback_id=callback_id, desired_time=desired_time
            )
        return True


def seats_in(slots: Sequence[Slot], held: Iterable[datetime], window: timedelta) -> list[int]:
    """The seats counted in each of `slots` (a run of a calendar's consecutive slots that
    starts early enough to hold every seat before its slots of interest: see
    `counted_slots`): a seat counts in the slot holding it, else in the next slot if
    that starts within `window` after it."""
    starts = [s.start for s in slots]
    counts = [0] * len(slots)
    for wanted in held:
        n = bisect_right(starts, wanted) - 1
        if n >= 0 and wanted < slots[n].end:
            counts[n] += 1
        elif n + 1 < len(slots) and slots[n + 1].start - wanted <= window:
            counts[n + 1] += 1
    return counts


def counted_slots(
    settings: RouteSettings, start: datetime, end: datetime, window: timedelta
) -> list[Slot]:
    """The route's slots from early enough before `start` (the slot length and the window,
    twice) to `end`: what `seats_in` needs to count the seats of the slots in
    [start, end) exactly."""
    reach = 2 * (window + timedelta(minutes=settings.slot_minutes))
    return settings.calendar().slots_between(start - reach, end, settings.slot_minutes)


def remaining(
    settings: RouteSettings, slots: Sequence[Slot], held: Iterable[datetime], window: timedelta
) -> list[int | None]:
    """Each of `slots`' free seats (its capacity less the seats counted in it), from the
    ledger's `held` desired times; None where the route sets no capacity."""
    if settings.slot_capacity is None:
        return [None] * len(slots)
    if not slots:
        return []
    run = counted_slots(settings, slots[0].start, slots[-1].end, window)
    counts = dict(zip(run, seats_in(run, held, window), strict=True))
    return [max(0, settings.slot_capacity - counts.get(s, 0)) for s in slots]


def slot_of(settings: RouteSettings, wanted: datetime, window: timedelta) -> Slot | None:
    """The slot a seat wanted at `wanted` counts in (see `seats_in`), if any."""
    length = timedelta(minutes=settings.slot_minutes)
    run = settings.calendar().slots_between(
        wanted - length, wanted + window + length, settings.slot_minutes
    )
    for slot in run:
        if slot.start <= wanted < slot.end:
            return slot
    later = [s for s in run if wanted < s.start <= wanted + window]
    return later[0] if later else None
