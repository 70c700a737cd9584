"""The route subjects of the subject table: `admin.route-upsert`, `admin.hours-set`,
`query.routes`, and the open slots (`intake.slots`, `query.slots`).

Routes and the seats taken in their slots are read from the write model (the route book
and the route's seat ledger), so an answer follows the last recorded change at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.messaging.grants import granted
from adapters.messaging.messages import routes as m
from callback_domain.errors import InvalidRequestError
from callback_domain.permissions import Action, authorize
from callback_domain.route_book import RouteSettings, effective_policy
from callback_domain.slot_seats import remaining
from callback_domain.visibility import may_see_route

if TYPE_CHECKING:
    from adapters.messaging.context import Call, ServiceContext
    from callback_domain.commands import Command
    from callback_domain.values import Caller

MAX_SLOTS = 3_000  # a period's slots in one answer


async def route_upsert(call: Call[m.RouteUpsertPayload]) -> m.RouteSavedReply:
    return await _saved(call.ctx, call.payload.to_command(call.caller, call.ctx.clock()))


async def hours_set(call: Call[m.HoursSetPayload]) -> m.RouteSavedReply:
    return await _saved(call.ctx, call.payload.to_command(call.caller, call.ctx.clock()))


async def _saved(ctx: ServiceContext, command: Command) -> m.RouteSavedReply:
    outcome = await ctx.command(command)
    saved = outcome.unwrap()
    return m.RouteSavedReply(
        route=saved.route,
        created=saved.created,
        changed=saved.changed,
        log_position=outcome.log_position,
    )


def _item(ctx: ServiceContext, settings: RouteSettings) -> m.RouteItem:
    policy = effective_policy(ctx.service.policies, settings.route, settings)
    return m.RouteItem.model_validate(
        {
            "route": settings.route,
            **settings.as_data(),
            "policy": policy.as_dict(),
            "policy_set": dict(settings.policy),
            "hours": settings.hours,
        }
    )


async def routes(call: Call[m.RoutesQuery]) -> m.RoutesReply:
    """The registered routes the caller may read (a route-limited caller: theirs)."""
    ctx = call.ctx
    book = await ctx.read(ctx.service.route_book)
    found = [] if book is None else book.all()
    seen = [s for s in found if may_see_route(call.caller, s.route)]
    return m.RoutesReply(routes=[_item(ctx, s) for s in seen])


async def slots(call: Call[m.SlotsQuery]) -> m.SlotsReply:
    """A route's open slots in a period, each with the seats it has left."""
    ctx, p = call.ctx, call.payload
    authorize(call.caller, Action.READ_SLOTS)
    _within_grants(call.caller, p.route)
    await ctx.caught_up(p.min_position)  # (the answer is the write model's: nothing to wait for)
    book = await ctx.read(ctx.service.route_book)
    settings = None if book is None else book.settings(p.route)
    if settings is None and book is not None and book.routes:
        raise InvalidRequestError.single(
            "route", f"no route '{p.route}' is registered (query.routes lists them)"
        )
    if settings is None:  # no route registered yet: any route, open at all times
        settings = RouteSettings(
            route=p.route, name=p.route, timezone=ctx.service.policies.timezone
        )
    calendar = settings.calendar()
    found = calendar.slots_between(p.from_, p.to, settings.slot_minutes)
    if len(found) > MAX_SLOTS:
        raise InvalidRequestError.single(
            "to", f"the period holds more than {MAX_SLOTS} slots; ask for a shorter one"
        )
    seats: list[int | None] = [None] * len(found)
    if settings.slot_capacity is not None and found:
        ledger = await ctx.read(ctx.service.slot_seats, p.route)
        held = [] if ledger is None else ledger.times()
        window = effective_policy(ctx.service.policies, p.route, settings).window
        seats = remaining(settings, found, held, window)
    zone = calendar.zone
    return m.SlotsReply(
        route=settings.route,
        timezone=settings.timezone,
        slot_minutes=settings.slot_minutes,
        slot_capacity=settings.slot_capacity,
        slots=[
            m.SlotItem(start=s.start.astimezone(zone), end=s.end.astimezone(zone), remaining=n)
            for s, n in zip(found, seats, strict=True)
        ],
    )


def _within_grants(caller: Caller, route: str) -> None:
    if not may_see_route(caller, route):
        routes = granted(caller) or ()
        raise InvalidRequestError.single("route", f"you may read routes {', '.join(routes)}")
