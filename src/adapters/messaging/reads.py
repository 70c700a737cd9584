"""The read handlers of the subject table: `query.*` and `agent.{id}.list` / `pending`.

Each takes a `Call` and returns its reply model; a query's `min_position` waits (≤ 2 s)
for the views first."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from adapters.messaging.context import NO_SMS_PROVIDER
from adapters.messaging.grants import granted, within_grants
from adapters.messaging.messages import read_replies as r
from adapters.views.items import list_item
from adapters.views.places import open_hours, place_of
from adapters.views.queries import ListFilters
from adapters.views.schema import HISTORY
from callback_domain.errors import CallbackNotFoundError, InvalidRequestError
from callback_domain.lifecycle import HOLDING
from callback_domain.visibility import may_see_route, scope_of

if TYPE_CHECKING:
    from adapters.messaging.context import Call, ServiceContext
    from adapters.messaging.messages import queries as q
    from callback_domain.values import Caller
    from callback_domain.visibility import Scope
    from projections.callback_list import CallbackRow

_HELD = tuple(sorted(s.value for s in HOLDING))
PENDING_LIMIT = 250


async def _caught_up(call: Call[Any]) -> ServiceContext:
    await call.ctx.caught_up(call.payload.min_position)
    return call.ctx


def _page(
    ctx: ServiceContext, filters: ListFilters, page_size: int, cursor: str | None
) -> r.ListPageReply:
    page = ctx.queries.list_page(filters, page_size=page_size, cursor=cursor)
    now = ctx.clock()
    return r.ListPageReply.model_validate(
        {
            "items": [list_item(row, now) for row in page.items],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "log_position": ctx.queries.position(),
        }
    )


def _seen(caller: Caller, scope: Scope | None, row: CallbackRow) -> bool:
    """Whether the caller may see a row of the list (callback_domain.visibility's rule:
    a route-limited caller's routes, an assigner's teams)."""
    return may_see_route(caller, row.route) and (
        scope is None
        or scope.admits(
            agent=row.agent, routing_agent=row.routing_agent, routing_team=row.routing_team
        )
    )


def _get(
    ctx: ServiceContext, callback_id: Any, caller: Caller, scope: Scope | None
) -> r.CallbackDetail:
    row = ctx.queries.get(callback_id)
    if row is None or not _seen(caller, scope, row):
        raise CallbackNotFoundError(callback_id=callback_id)
    now = ctx.clock()
    book = ctx.service.route_book()  # once, for the policies and the hours
    place = place_of(ctx.queries, ctx.service.route_policies(book), row, now, open_hours(book))
    return r.CallbackDetail.model_validate(
        {
            **list_item(row, now),
            "history_length": row.history_length,
            **place._asdict(),
            "log_position": ctx.queries.position(),
        }
    )


def _health(ctx: ServiceContext) -> r.HealthReply:
    head = ctx.service.recorder.max_notification_id() or 0
    views = ctx.queries.position()
    return r.HealthReply(
        status="ok",
        auth="off" if ctx.identity.off else "on",
        version=ctx.version,
        log_position=head,
        views_position=views,
        views_lag=max(0, head - views),
        sms=f"provider {ctx.sms_provider}" if ctx.sms_provider else NO_SMS_PROVIDER,
    )


async def health(call: Call[q.HealthQuery]) -> r.HealthReply:
    ctx = await _caught_up(call)
    return await ctx.read(_health, ctx)


async def _views_at_head(ctx: ServiceContext) -> bool:
    """Waits (≤ 2 s) for the views to apply everything recorded so far; False if they
    did not in time. Read-your-writes for one callback: a request's reply does not wait
    for the views (views/line_board.py), so a question about the callback it made may
    come before they applied it."""
    return await ctx.caught_up(await ctx.read(ctx.service.recorder.max_notification_id))


async def get(call: Call[q.GetQuery]) -> r.CallbackDetail:
    ctx = await _caught_up(call)
    scope = await _scope(call)
    try:
        return await ctx.read(_get, ctx, call.payload.callback_id, call.caller, scope)
    except CallbackNotFoundError:
        if not await _views_at_head(ctx):
            raise
    return await ctx.read(_get, ctx, call.payload.callback_id, call.caller, scope)


async def list_page(call: Call[q.ListQuery]) -> r.ListPageReply:
    ctx, p = await _caught_up(call), call.payload
    filters = await _visible(call, p.to_filters(now=ctx.clock()))  # overdue: by our clock
    return await ctx.read(_page, ctx, filters, p.page_size, p.cursor)


async def search(call: Call[q.SearchQuery]) -> r.SearchReply:
    ctx, p = await _caught_up(call), call.payload
    rows = await ctx.read(
        ctx.queries.search, callback_id=p.callback_id, phone=p.phone, request_id=p.request_id
    )
    now = ctx.clock()
    scope = await _scope(call)
    seen = [row for row in rows if _seen(call.caller, scope, row)]
    return r.SearchReply.model_validate({"items": [list_item(row, now) for row in seen]})


async def history(call: Call[q.HistoryQuery]) -> r.HistoryReply:
    ctx, p = await _caught_up(call), call.payload
    row = await ctx.read(ctx.queries.get, p.callback_id)
    if row is None and await _views_at_head(ctx):
        row = await ctx.read(ctx.queries.get, p.callback_id)
    if row is not None and not _seen(call.caller, await _scope(call), row):
        raise CallbackNotFoundError(callback_id=p.callback_id)
    entries = await ctx.read(ctx.queries.history, p.callback_id)
    if not entries and row is not None:  # the history view may trail the list (≤ 2 s)
        head = await ctx.read(ctx.service.recorder.max_notification_id) or 0
        await ctx.read(ctx.queries.wait_for, head, view=HISTORY)
        entries = await ctx.read(ctx.queries.history, p.callback_id)
    if not entries:
        raise CallbackNotFoundError(callback_id=p.callback_id)
    return r.HistoryReply.model_validate({"events": [e.as_json() for e in entries]})


async def summary(call: Call[q.AssignmentSummaryQuery]) -> r.SummaryReply:
    ctx = await _caught_up(call)
    return r.SummaryReply.model_validate(
        await ctx.read(
            ctx.queries.summary, await _visible(call, call.payload.to_filters(now=ctx.clock()))
        )
    )


async def agent_counts(call: Call[q.AgentCountsQuery]) -> r.AgentCountsReply:
    ctx = await _caught_up(call)
    rows = await ctx.read(ctx.queries.agent_counts, call.payload.agent_ids)
    if call.payload.team is not None:  # a handful of agents: no need for the store to filter
        rows = [a for a in rows if call.payload.team in a.teams]
    return r.AgentCountsReply(
        agents=[
            r.AgentCount(
                agent_id=a.agent_id,
                name=a.name,
                teams=list(a.teams),
                incomplete=a.incomplete,
                logged_in=a.logged_in,
                permissions=list(a.permissions),
            )
            for a in rows
        ]
    )


async def treatment_rate(call: Call[q.TreatmentRateQuery]) -> r.TreatmentRateReply:
    ctx, p = await _caught_up(call), call.payload
    rows = await ctx.read(
        ctx.queries.treatment_rate,
        p.from_,
        p.to,
        by=p.by,
        route=_rate_route(call),
        agent=p.agent,
        team=p.team,
        phone=p.phone,
    )
    return r.TreatmentRateReply.model_validate(
        {
            "rows": [row.as_json() for row in rows],
            "timezone": ctx.queries.generation("callback_list").timezone,
        }
    )


async def _scope(call: Call[Any]) -> Scope | None:
    """What the caller may see (callback_domain.visibility), with their directory teams;
    None for callers no team limits (the directory is read for agents only)."""
    if scope_of(call.caller, ()) is None:
        return None
    ctx = call.ctx
    me = await ctx.read(ctx.service.get_agent, call.caller.actor)
    return scope_of(call.caller, me.teams if me is not None else ())


async def _visible(call: Call[Any], filters: ListFilters) -> ListFilters:
    """`filters`, within what the caller may see: their granted routes, their scope."""
    scope = await _scope(call)
    within = within_grants(call.caller, filters)
    return within if scope is None else replace(within, scope=scope)


def _rate_route(call: Call[q.TreatmentRateQuery]) -> str | None:
    """The route of a treatment rate: a caller limited to some routes reads one of them
    (their only one by default)."""
    granted_routes, route = granted(call.caller), call.payload.route
    if granted_routes is None:
        return route
    if route is None and len(granted_routes) == 1:
        return granted_routes[0]
    if route is None:
        raise InvalidRequestError.single(
            "route", f"is required: you may read routes {', '.join(granted_routes)}"
        )
    if route not in granted_routes:
        raise InvalidRequestError.single(
            "route", f"you may read routes {', '.join(granted_routes)}"
        )
    return route


async def agent_list(call: Call[q.AgentListQuery]) -> r.ListPageReply:
    """An agent sees only the callbacks assigned or routed to them or their team."""
    ctx, p = await _caught_up(call), call.payload
    filters = p.to_filters(scope=await _scope(call), now=ctx.clock())
    return await ctx.read(_page, ctx, filters, p.page_size, p.cursor)


async def agent_upcoming(call: Call[q.UpcomingQuery]) -> r.UpcomingReply:
    """The agent's SCHEDULED callbacks routed to them, soonest first."""
    ctx = await _caught_up(call)
    count, rows = await ctx.read(ctx.queries.upcoming, call.params["agent_id"], PENDING_LIMIT)
    now = ctx.clock()
    return r.UpcomingReply.model_validate(
        {"count": count, "items": [list_item(row, now) for row in rows]}
    )


async def agent_pending(call: Call[q.PendingQuery]) -> r.PendingReply:
    ctx = await _caught_up(call)
    filters = ListFilters(agent=call.params["agent_id"], states=_HELD)
    page = await ctx.read(ctx.queries.list_page, filters, page_size=PENDING_LIMIT)
    now = ctx.clock()
    return r.PendingReply.model_validate(
        {"count": page.total, "items": [list_item(row, now) for row in page.items]}
    )
