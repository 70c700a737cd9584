"""The read side over NATS: what query.* and agent.{id}.list / pending answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.messaging import identity
from adapters.messaging.messages import envelope
from adapters.messaging.messages import queries as q
from adapters.messaging.subjects import verb
from adapters.views.items import list_item
from adapters.views.places import place_of
from adapters.views.queries import ListFilters
from callback_domain.errors import CallbackNotFoundError
from callback_domain.lifecycle import HOLDING

if TYPE_CHECKING:
    from adapters.messaging.context import ServiceContext

_HELD = tuple(sorted(s.value for s in HOLDING))
PENDING_LIMIT = 250


def _page(
    ctx: ServiceContext, filters: ListFilters, page_size: int, cursor: str | None
) -> dict[str, Any]:
    page = ctx.queries.list_page(filters, page_size=page_size, cursor=cursor)
    now = ctx.clock()
    return {
        "items": [list_item(r, now) for r in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "log_position": ctx.queries.position(),
    }


def _get(ctx: ServiceContext, callback_id: Any, agent_id: str | None = None) -> dict[str, Any]:
    row = ctx.queries.get(callback_id)
    if row is None or (agent_id is not None and row.agent != agent_id):
        raise CallbackNotFoundError(callback_id=callback_id)
    now = ctx.clock()
    place = place_of(ctx.queries, ctx.service.policies, row, now)
    return {
        **list_item(row, now),
        "history_length": row.history_length,
        **place._asdict(),
        "log_position": ctx.queries.position(),
    }


def _health(ctx: ServiceContext) -> dict[str, Any]:
    head = ctx.service.recorder.max_notification_id() or 0
    views = ctx.queries.position()
    return {
        "status": "ok",
        "version": ctx.version,
        "log_position": head,
        "views_position": views,
        "views_lag": max(0, head - views),
    }


async def query(
    ctx: ServiceContext, tail: list[str], body: bytes, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """`query.{name}`: monitors and above. NATS permissions say who may publish here;
    a caller naming a lesser role (`Callbacks-Role: AGENT`) is refused."""
    identity.monitor(headers or {}, "nats:query")
    name = verb(
        tail,
        1,
        (
            "health",
            "get",
            "list",
            "search",
            "history",
            "assignment-summary",
            "agent-counts",
            "treatment-rate",
        ),
    )
    model = {
        "health": q.HealthQuery,
        "get": q.GetQuery,
        "list": q.ListQuery,
        "search": q.SearchQuery,
        "history": q.HistoryQuery,
        "assignment-summary": q.AssignmentSummaryQuery,
        "agent-counts": q.AgentCountsQuery,
        "treatment-rate": q.TreatmentRateQuery,
    }[name]
    p: Any = envelope.parse(model, body)
    await ctx.caught_up(p.min_position)
    if name == "health":
        return await ctx.read(_health, ctx)
    if name == "get":
        return await ctx.read(_get, ctx, p.callback_id)
    if name == "list":
        return await ctx.read(_page, ctx, p.to_filters(), p.page_size, p.cursor)
    if name == "search":
        rows = await ctx.read(
            ctx.queries.search, callback_id=p.callback_id, phone=p.phone, request_id=p.request_id
        )
        now = ctx.clock()
        return {"items": [list_item(r, now) for r in rows]}
    if name == "history":
        entries = await ctx.read(ctx.queries.history, p.callback_id)
        if not entries:
            raise CallbackNotFoundError(callback_id=p.callback_id)
        return {"events": [e.as_json() for e in entries]}
    if name == "assignment-summary":
        return await ctx.read(ctx.queries.summary, p.to_filters())
    if name == "agent-counts":
        rows = await ctx.read(ctx.queries.agent_counts, p.agent_ids)
        return {
            "agents": [
                {
                    "agent_id": a.agent_id,
                    "name": a.name,
                    "teams": list(a.teams),
                    "incomplete": a.incomplete,
                    "logged_in": a.logged_in,
                }
                for a in rows
            ]
        }
    rows = await ctx.read(
        ctx.queries.treatment_rate, p.from_, p.to, by=p.by, route=p.route, agent=p.agent
    )
    return {
        "rows": [r.as_json() for r in rows],
        "timezone": ctx.queries.generation("callback_list").timezone,
    }


async def agent_list(ctx: ServiceContext, agent_id: str, body: bytes) -> dict[str, Any]:
    """An agent sees only the callbacks assigned to them."""
    p = envelope.parse(q.AgentListQuery, body)
    await ctx.caught_up(p.min_position)
    return await ctx.read(_page, ctx, p.to_filters(agent=agent_id), p.page_size, p.cursor)


async def agent_pending(ctx: ServiceContext, agent_id: str, body: bytes) -> dict[str, Any]:
    p = envelope.parse(q.PendingQuery, body)
    await ctx.caught_up(p.min_position)
    filters = ListFilters(agent=agent_id, states=_HELD)
    page = await ctx.read(ctx.queries.list_page, filters, page_size=PENDING_LIMIT)
    now = ctx.clock()
    return {"count": page.total, "items": [list_item(r, now) for r in page.items]}
