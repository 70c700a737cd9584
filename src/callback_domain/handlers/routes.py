"""Routes: registering them and their hours, and what a request must respect of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.calendar import Calendar
from callback_domain.errors import OutsideHoursError
from callback_domain.handlers.access import authorize_caller
from callback_domain.handlers.sms_auto import SMS_FIELDS, TEMPLATE_OF
from callback_domain.permissions import Action
from callback_domain.results import RouteSaved
from callback_domain.route_book import ROUTE_BOOK_ID, Distribution, RouteBook, RouteSettings
from callback_domain.sms_rules import sender_number
from callback_domain.values import MAX_NAME_LENGTH, MAX_ROUTE_LENGTH, Validator

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime, timedelta

    from callback_domain.commands import SetHours, UpsertRoute
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace

# What an administrator may set (both ends included).
OFFER_TIMEOUT_SECONDS = (5, 3_600)
OWNERSHIP_MINUTES = (1, 24 * 60)
SLOT_MINUTES = (5, 24 * 60)
SLOT_CAPACITY = (1, 100_000)
NEXT_SLOTS = 3  # offered with a refused desired time


def upsert_route(cmd: UpsertRoute, ws: Workspace, policies: Policies) -> RouteSaved:
    authorize_caller(ws, cmd.caller, Action.MANAGE_ROUTES)
    v = Validator()
    route = v.text("route", cmd.route, max_length=MAX_ROUTE_LENGTH)
    name = v.text("name", cmd.name, max_length=MAX_NAME_LENGTH)
    timezone = policies.timezone if cmd.timezone is None else v.timezone("timezone", cmd.timezone)
    try:
        distribution = Distribution(cmd.distribution)
    except ValueError:
        distribution = Distribution.MANUAL  # refused: never recorded
        v.refuse("distribution", "must be MANUAL or AUTO")
    low, high = OFFER_TIMEOUT_SECONDS
    offer = v.number("offer_timeout_seconds", cmd.offer_timeout_seconds, low=low, high=high)
    low, high = OWNERSHIP_MINUTES
    ownership = v.number(
        "ownership_minutes", cmd.ownership_minutes, low=low, high=high, required=False
    )
    policy = v.policy("policy", cmd.policy)
    low, high = SLOT_MINUTES
    slot_minutes = v.number("slot_minutes", cmd.slot_minutes, low=low, high=high)
    low, high = SLOT_CAPACITY
    capacity = v.number("slot_capacity", cmd.slot_capacity, low=low, high=high, required=False)
    sms = _automatic_messages(v, cmd.sms)
    v.raise_if_any()
    assert route is not None and name is not None and timezone is not None
    assert offer is not None and slot_minutes is not None
    settings = RouteSettings(
        route=route,
        name=name,
        timezone=timezone,
        distribution=distribution,
        offer_timeout_seconds=offer,
        ownership_minutes=ownership,
        policy=policy,
        slot_minutes=slot_minutes,
        slot_capacity=capacity,
        sms=sms,
    )
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    if book is None:
        book = RouteBook.open(by=cmd.caller, at=cmd.at)
        ws.add(book)
    created = book.settings(route) is None
    changed = book.save(settings, by=cmd.caller, at=cmd.at)
    return RouteSaved(route=route, created=created, changed=changed)


def _automatic_messages(v: Validator, given: Mapping[str, str | None]) -> dict[str, str]:
    """The route's `sms` settings, the fields set (templates are checked when a message
    is due: one deleted meanwhile sends nothing)."""
    found: dict[str, str] = {}
    for name, value in given.items():
        if name not in SMS_FIELDS:
            v.refuse(f"sms.{name}", f"is not one of {', '.join(SMS_FIELDS)}", "unknown")
        elif value is None or value == "":
            continue
        elif name == "sender":
            if (number := sender_number(v, "sms.sender", value)) is not None:
                found[name] = number
        elif (token := v.token(f"sms.{name}", value)) is not None:
            found[name] = token
    if "sender" in found and not any(k in found for k in TEMPLATE_OF.values()):
        v.refuse("sms.sender", "names no template to send from", "needs_template")
    return found


def set_hours(cmd: SetHours, ws: Workspace, _p: Policies) -> RouteSaved:
    authorize_caller(ws, cmd.caller, Action.MANAGE_ROUTES)
    v = Validator()
    route = v.text("route", cmd.route, max_length=MAX_ROUTE_LENGTH)
    v.raise_if_any()
    assert route is not None
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    settings = book.settings(route) if book is not None else None
    if book is None or settings is None:
        v.refuse("route", f"no route '{route}' is registered; register it with route-upsert")
        v.raise_if_any()
    assert book is not None and settings is not None
    calendar = Calendar.parse(
        timezone=settings.timezone,
        weekly=cmd.weekly,
        holidays=cmd.holidays,
        exceptions=cmd.exceptions,
    )
    changed = book.set_hours(route, calendar, by=cmd.caller, at=cmd.at)
    return RouteSaved(route=route, created=False, changed=changed)


def registered(ws: Workspace, v: Validator, route: str | None) -> RouteSettings | None:
    """The route's registration, if any. Once any route is registered, a route that is
    not is refused (`route`); with none registered, every route is accepted."""
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    if book is None or not book.routes or route is None:
        return None
    settings = book.settings(route)
    if settings is None:
        v.refuse("route", f"no route '{route}' is registered (query.routes lists them)")
    return settings


def refuse_if_closed(
    v: Validator,
    name: str,
    desired_time: datetime | None,
    *,
    window: timedelta,
    settings: RouteSettings | None,
    at: datetime,
    horizon: timedelta,
) -> None:
    """A scheduled callback must be due while its route is open: at its desired time or
    within its window after it. Refused with the next open slots after it."""
    if desired_time is None or settings is None or settings.hours is None:
        return
    calendar = settings.calendar()
    if calendar.is_open(desired_time) or calendar.open_seconds_between(
        desired_time, desired_time + window
    ):
        return
    after = max(desired_time, at)
    slots = calendar.next_slots(
        after,
        slot_minutes=settings.slot_minutes,
        count=NEXT_SLOTS,
        within=max(at + horizon - after, window),
    )
    v.refuse(
        name,
        f"falls outside the hours of route '{settings.route}'; choose one of next_slots",
        reason="closed",
        next_slots=[
            {
                "start": s.start.astimezone(calendar.zone).isoformat(),
                "end": s.end.astimezone(calendar.zone).isoformat(),
            }
            for s in slots
        ],
    )


def ensure_open(ws: Workspace, route: str, at: datetime) -> None:
    """What needs the route open now (a dial, a due callback's queueing): refused with
    `outside_hours` while it is closed. A route without hours is always open."""
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    settings = None if book is None else book.settings(route)
    if settings is None or settings.hours is None:
        return
    calendar = settings.calendar()
    if calendar.is_open(at):
        return
    following = calendar.next_slots(at, slot_minutes=1, count=1)
    opens = following[0].start.astimezone(calendar.zone).isoformat() if following else "no time set"
    raise OutsideHoursError(route=route, opens=opens)
