"""Routes, hours and slots: `admin.route-upsert`, `admin.hours-set`, `query.routes`,
`intake.slots` and `query.slots` (payloads and replies).

Field contents (zones, HH:MM times, dates, bounds) are checked by the core, which names
each refused field the same way whoever sends the command."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from adapters.messaging.messages.base import Name, Payload, Query, Route, Time, TimeZoneName
from adapters.messaging.messages.read_replies import Time as ReadTime
from adapters.messaging.messages.replies import LogPosition
from callback_domain.calendar import MAX_DATES, MAX_INTERVALS
from callback_domain.commands import SetHours, UpsertRoute

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller

MAX_SLOT_DAYS = 31

Clock = Annotated[str, Field(max_length=5, description="HH:MM from 00:00; an end may be 24:00")]
Interval = Annotated[list[Clock], Field(min_length=2, max_length=2, description="[start, end)")]
DayHours = Annotated[list[Interval], Field(max_length=MAX_INTERVALS)]
Day = Annotated[str, Field(max_length=10, description="YYYY-MM-DD")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class RoutePolicy(Payload):
    """The policy fields the route sets; those left out are the
    deployment's (its default, or CALLBACKS_ROUTE_POLICIES for this route)."""

    window_seconds: int | None = None
    duplicate_check: StrictBool | None = None
    duplicate_limit: int | None = None
    max_attempts: int | None = None
    expiry_days: int | None = None
    horizon_days: int | None = None
    average_handle_seconds: int | None = None


class RouteSms(Payload):
    """Automatic messages of the route (off by default): the service sends a template to
    the callback's phone, placeholders filled from the callback, once per callback."""

    confirm_template_id: str | None = Field(
        default=None, max_length=64, description="sent when a SCHEDULED callback is booked"
    )
    missed_template_id: str | None = Field(
        default=None,
        max_length=64,
        description='"we tried to reach you": sent when a callback ends with MAX_ATTEMPTS',
    )
    sender: str | None = Field(
        default=None, max_length=20, description="a sender number; default the template's"
    )


class RouteUpsertPayload(Payload):
    """`admin.route-upsert`: registers a route, or replaces its settings (its hours stay)."""

    route: Route
    name: Name
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA zone of its hours; default the contact center's"
    )
    distribution: Literal["MANUAL", "AUTO"] = "MANUAL"
    offer_timeout_seconds: int = Field(default=30, description="AUTO: 5 to 3600 seconds")
    ownership_minutes: int | None = Field(
        default=None, description="an accepted callback not dialled this long is queued again"
    )
    policy: RoutePolicy = Field(default_factory=RoutePolicy)
    slot_minutes: int = Field(default=15, description="5 to 1440 minutes")
    slot_capacity: int | None = Field(
        default=None, description="scheduled callbacks per slot; null: no limit"
    )
    sms: RouteSms = Field(
        default_factory=RouteSms, description="automatic messages; none by default"
    )

    def to_command(self, caller: Caller, at: datetime) -> UpsertRoute:
        return UpsertRoute(
            caller=caller,
            at=at,
            route=self.route,
            name=self.name,
            timezone=self.timezone,
            distribution=self.distribution,
            offer_timeout_seconds=self.offer_timeout_seconds,
            ownership_minutes=self.ownership_minutes,
            policy=self.policy.model_dump(exclude_none=True),
            slot_minutes=self.slot_minutes,
            slot_capacity=self.slot_capacity,
            sms=self.sms.model_dump(exclude_none=True),
        )


class HoursException(Payload):
    date: Day
    hours: DayHours = Field(description="special hours that day; [] closes it")


class HoursSetPayload(Payload):
    """`admin.hours-set`: a registered route's hours in its zone; a weekday left out is
    closed. Replaces the hours set before."""

    route: Route
    weekly: dict[Weekday, DayHours] = Field(default_factory=dict)
    holidays: list[Day] = Field(default_factory=list, max_length=MAX_DATES)
    exceptions: list[HoursException] = Field(default_factory=list, max_length=MAX_DATES)

    def to_command(self, caller: Caller, at: datetime) -> SetHours:
        return SetHours(
            caller=caller,
            at=at,
            route=self.route,
            weekly=dict(self.weekly.items()),
            holidays=tuple(self.holidays),
            exceptions=tuple(e.model_dump() for e in self.exceptions),
        )


class RouteSavedReply(BaseModel):
    """`admin.route-upsert` and `admin.hours-set`."""

    route: str
    created: bool
    changed: bool
    log_position: LogPosition


class RoutesQuery(Query):
    """`query.routes`: `{}`; the registered routes the caller may read."""


class RouteHours(BaseModel):
    weekly: dict[str, list[list[str]]]
    holidays: list[str]
    exceptions: list[dict[str, Any]]


class RouteItem(BaseModel):
    route: str
    name: str
    timezone: str
    distribution: Literal["MANUAL", "AUTO"]
    offer_timeout_seconds: int
    ownership_minutes: int | None
    policy: dict[str, Any] = Field(description="the policy in force: the deployment's and these")
    policy_set: dict[str, Any] = Field(description="the policy fields the route sets itself")
    slot_minutes: int
    slot_capacity: int | None
    hours: RouteHours | None = Field(description="null: no hours set, open at all times")
    sms: dict[str, str] = Field(
        default_factory=dict, description="its automatic messages (route-upsert's `sms`)"
    )


class RoutesReply(BaseModel):
    routes: list[RouteItem]


class SlotsQuery(Query):
    """`intake.slots` / `query.slots`: the open slots of a route from `from` to `to`
    (at most 31 days), each wholly within the period."""

    route: Route
    from_: Time = Field(alias="from")
    to: Time

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.to <= self.from_:
            raise PydanticCustomError("range", "must be after from", {"field": "to"})
        if self.to - self.from_ > timedelta(days=MAX_SLOT_DAYS):
            message = f"must be within {MAX_SLOT_DAYS} days of from"
            raise PydanticCustomError("range", message, {"field": "to"})
        return self


class SlotItem(BaseModel):
    start: ReadTime
    end: ReadTime
    remaining: int | None = Field(
        description="seats left: slot_capacity less the SCHEDULED callbacks in the slot; "
        "null when the route sets no capacity"
    )


class SlotsReply(BaseModel):
    route: str
    timezone: str = Field(description="the route's zone; slots are given in its offsets")
    slot_minutes: int
    slot_capacity: int | None
    slots: list[SlotItem]
