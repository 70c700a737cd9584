"""The PhoneLine aggregate: the callbacks opened for one phone number on one route."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

from callback_domain.phones import PARSED_NUMBERS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from callback_domain.phones import PhoneNumbers

LINE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:phone-line")


class PhoneLineSnapshot(Snapshot):
    """The line as of one version (candidates restored to a tuple on load)."""

    TOPIC = "callbacks:PhoneLine.Snapshot"

    def mutate(self, _: None) -> Any:
        agg: Any = super().mutate(None)
        agg.candidates = tuple(agg.candidates)
        return agg


register_topic(PhoneLineSnapshot.TOPIC, PhoneLineSnapshot)  # stored snapshots name it


class PhoneLine(Aggregate):
    """The duplicate check's consistency boundary.

    - Every new callback is recorded on its line in the same transaction, so two
      concurrent requests for one number and route conflict: the retry sees the
      other's callback and answers with it.
    - `candidates` lists callbacks that may still be open; the next opening prunes
      those found completed (`closed`), so a line stays short without any write on
      the completion path.
    """

    TOPIC = "callbacks:PhoneLine"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:PhoneLine.Created"

    class Started(Aggregate.Created):
        TOPIC = "callbacks:PhoneLine.Started"
        phone: str
        route: str
        callback_id: UUID

        def apply(self, agg: PhoneLine) -> None:
            agg.phone = self.phone
            agg.route = self.route
            agg.candidates = (self.callback_id,)

    class Opened(Aggregate.Event):
        TOPIC = "callbacks:PhoneLine.Opened"
        callback_id: UUID
        closed: list[UUID]

        def apply(self, agg: PhoneLine) -> None:
            gone = set(self.closed)
            agg.candidates = (*(c for c in agg.candidates if c not in gone), self.callback_id)

    Snapshot = PhoneLineSnapshot  # the name eventsourcing looks for

    if TYPE_CHECKING:  # set by Started.apply; not dataclass fields
        phone: str
        route: str
        candidates: tuple[UUID, ...]

    @staticmethod
    def create_id(phone: str, route: str) -> UUID:
        return uuid5(LINE_NAMESPACE, f"{route}\n{phone}")

    @classmethod
    def ids_for(cls, phone: str, route: str, phones: PhoneNumbers) -> tuple[UUID, ...]:
        """The line of an E.164 number, then the lines the previous version may have
        opened for it under the digits as typed (read by the duplicate check, never
        written: new callbacks open on the E.164 line)."""
        return _line_ids(phone, route, phones)

    @classmethod
    def start(cls, *, phone: str, route: str, callback_id: UUID, at: datetime) -> PhoneLine:
        return cls._create(
            cls.Started,
            id=cls.create_id(phone, route),
            timestamp=at,
            phone=phone,
            route=route,
            callback_id=callback_id,
        )

    def open(self, callback_id: UUID, *, closed: Iterable[UUID], at: datetime) -> None:
        self.trigger_event(self.Opened, timestamp=at, callback_id=callback_id, closed=list(closed))


@lru_cache(maxsize=PARSED_NUMBERS)
def _line_ids(phone: str, route: str, phones: PhoneNumbers) -> tuple[UUID, ...]:
    """`PhoneLine.ids_for`, remembered: a request asks twice (prefetch, duplicate check)."""
    spellings = (phone, *(s for s in phones.legacy_spellings(phone) if s != phone))
    return tuple(PhoneLine.create_id(s, route) for s in spellings)
