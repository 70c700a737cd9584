"""The registered routes (DOMAIN.md "Routes"): each one's settings, policy and hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

from callback_domain.audit import AuditedEvent
from callback_domain.calendar import Calendar

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from callback_domain.values import Caller, Policies, Policy

ROUTE_BOOK_ID: UUID = uuid5(NAMESPACE_URL, "urn:callbacks:routes")


class Distribution(StrEnum):
    MANUAL = "MANUAL"  # supervisors and assigners assign (NHN)
    AUTO = "AUTO"  # the service offers each callback to an eligible agent (Genesys)


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteSettings:
    """One route as an administrator registered it. `policy` holds only the fields the
    route sets; the others are the deployment's. `hours` None: open at all times."""

    route: str
    name: str
    timezone: str
    distribution: Distribution = Distribution.MANUAL
    offer_timeout_seconds: int = 30
    ownership_minutes: int | None = None  # None: ownership never expires
    policy: Mapping[str, Any] = field(default_factory=dict)
    slot_minutes: int = 15
    slot_capacity: int | None = None  # None: no limit per slot
    hours: Mapping[str, Any] | None = None  # Calendar.as_data()
    # Automatic messages (handlers/sms_auto.py): confirm_template_id, missed_template_id,
    # sender; empty: none (the default).
    sms: Mapping[str, str] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """What events record (everything but the hours, which HoursSet records); `sms`
        only when set, so a route recorded before it existed compares equal."""
        data = {
            "name": self.name,
            "timezone": self.timezone,
            "distribution": self.distribution.value,
            "offer_timeout_seconds": self.offer_timeout_seconds,
            "ownership_minutes": self.ownership_minutes,
            "policy": dict(self.policy),
            "slot_minutes": self.slot_minutes,
            "slot_capacity": self.slot_capacity,
        }
        return data | ({"sms": dict(self.sms)} if self.sms else {})

    def calendar(self) -> Calendar:
        """When the route is open (always, until hours are set)."""
        if self.hours is None:
            return Calendar.always(self.timezone)
        return Calendar.parse(
            timezone=self.timezone,
            weekly=self.hours["weekly"],
            holidays=self.hours["holidays"],
            exceptions=self.hours["exceptions"],
        )

    def policy_over(self, deployment: Policy) -> Policy:
        return deployment.with_overrides(self.policy)


class RouteBookSnapshot(Snapshot):
    """The book as of one version (its state is JSON already)."""

    TOPIC = "callbacks:RouteBook.Snapshot"


register_topic(RouteBookSnapshot.TOPIC, RouteBookSnapshot)  # stored snapshots name it


class RouteBook(Aggregate):
    """One per event store: every registered route, as data.

    - With no route registered, every route is accepted (the embedded default's first
      hour); once one is, requests must name a registered route.
    - A registered route's policy fields override the deployment's for that route.
    - Routes are never removed, so a callback's route stays known.
    """

    TOPIC = "callbacks:RouteBook"
    Snapshot = RouteBookSnapshot  # the name eventsourcing looks for

    class Created(Aggregate.Created):
        TOPIC = "callbacks:RouteBook.Created"

    class Event(AuditedEvent, Aggregate.Event):
        actor: str
        role: str
        channel: str
        issuer: str

    class Opened(Aggregate.Created, Event):
        TOPIC = "callbacks:RouteBook.Opened"

        def apply(self, agg: RouteBook) -> None:
            agg.routes = {}

    class RouteRegistered(Event):
        TOPIC = "callbacks:RouteBook.RouteRegistered"
        route: str
        settings: dict[str, Any]

        def apply(self, agg: RouteBook) -> None:
            agg.routes[self.route] = {**self.settings, "hours": None}

    class RouteChanged(Event):
        TOPIC = "callbacks:RouteBook.RouteChanged"
        route: str
        settings: dict[str, Any]

        def apply(self, agg: RouteBook) -> None:
            agg.routes[self.route] = {**self.settings, "hours": agg.routes[self.route]["hours"]}

    class HoursSet(Event):
        TOPIC = "callbacks:RouteBook.HoursSet"
        route: str
        weekly: dict[str, list[list[str]]]
        holidays: list[str]
        exceptions: list[dict[str, Any]]

        def apply(self, agg: RouteBook) -> None:
            hours = {
                "weekly": self.weekly,
                "holidays": self.holidays,
                "exceptions": self.exceptions,
            }
            agg.routes[self.route] = {**agg.routes[self.route], "hours": hours}

    if TYPE_CHECKING:
        routes: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, *, by: Caller, at: datetime) -> RouteBook:
        return cls._create(cls.Opened, id=ROUTE_BOOK_ID, timestamp=at, **by.audit())

    def settings(self, route: str) -> RouteSettings | None:
        data = self.routes.get(route)
        if data is None:
            return None
        return RouteSettings(
            route=route,
            name=data["name"],
            timezone=data["timezone"],
            distribution=Distribution(data["distribution"]),
            offer_timeout_seconds=data["offer_timeout_seconds"],
            ownership_minutes=data["ownership_minutes"],
            policy=data["policy"],
            slot_minutes=data["slot_minutes"],
            slot_capacity=data["slot_capacity"],
            hours=data["hours"],
            sms=data.get("sms", {}),
        )

    def all(self) -> list[RouteSettings]:
        return [s for r in sorted(self.routes) if (s := self.settings(r)) is not None]

    def save(self, settings: RouteSettings, *, by: Caller, at: datetime) -> bool:
        """Registers the route, or changes it; False if nothing changed."""
        data = settings.as_data()
        known = self.routes.get(settings.route)
        if known is None:
            kind: type[RouteBook.Event] = self.RouteRegistered
        elif {k: v for k, v in known.items() if k != "hours"} == data:
            return False
        else:
            kind = self.RouteChanged
        self.trigger_event(kind, timestamp=at, route=settings.route, settings=data, **by.audit())
        return True

    def set_hours(self, route: str, calendar: Calendar, *, by: Caller, at: datetime) -> bool:
        """Sets a registered route's hours; False if they were these already."""
        hours = calendar.as_data()
        if self.routes[route]["hours"] == hours:
            return False
        self.trigger_event(self.HoursSet, timestamp=at, route=route, **hours, **by.audit())
        return True


def effective_policy(policies: Policies, route: str, settings: RouteSettings | None) -> Policy:
    """A route's policy: the deployment's (its default, or its setting for the route),
    with the fields a registered route sets in their place."""
    deployment = policies.for_route(route)
    return deployment if settings is None else settings.policy_over(deployment)
