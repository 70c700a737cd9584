"""AUTO distribution (DOMAIN.md "Teams and distribution"): the service offers QUEUED
callbacks to eligible agents; the agent accepts or rejects; lapsed offers and expired
ownership go back to the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from callback_domain.errors import CallbackError, CallbackNotFoundError, InvalidRequestError
from callback_domain.handlers.access import authorize_caller
from callback_domain.handlers.assignment import bulk_ids, held_now
from callback_domain.handlers.work import changed
from callback_domain.lifecycle import Trigger
from callback_domain.permissions import Action
from callback_domain.results import BulkResult, ItemResult
from callback_domain.route_book import ROUTE_BOOK_ID, Distribution, RouteBook
from callback_domain.values import Permission, Validator
from callback_domain.visibility import may_take, visible

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.agent import Agent
    from callback_domain.callback import Callback
    from callback_domain.commands import (
        AcceptOffer,
        ExpireOwnership,
        OfferCallbacks,
        RejectOffer,
        WithdrawOffer,
    )
    from callback_domain.results import CallbackChanged
    from callback_domain.route_book import RouteSettings
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace


def eligible(callback: Callback, agents: list[Agent]) -> list[Agent]:
    """Who may be offered `callback`: the agents logged in to CTI with the `call`
    permission, in its routing team or the agent it is routed to; those who rejected it
    or let it lapse only if nobody else is."""
    fit = [
        a
        for a in agents
        if a.logged_in
        and a.may(Permission.CALL)
        and may_take(a.teams, callback.routing_team)
        and callback.routing_agent in (None, a.agent_id)
    ]
    fresh = [a for a in fit if a.agent_id not in callback.declined_by]
    return fresh or fit


def choose(candidates: list[Agent], loads: dict[str, int]) -> Agent:
    """The one holding the fewest incomplete callbacks; ties: least recently assigned."""

    def key(a: Agent) -> tuple[int, float, str]:
        last = a.last_assigned_at.timestamp() if a.last_assigned_at is not None else 0.0
        return loads[a.agent_id], last, a.agent_id

    return min(candidates, key=key)


def _auto_route(book: RouteBook | None, callback: Callback, at: datetime) -> RouteSettings:
    settings = book.settings(callback.route) if book is not None else None
    if settings is None or settings.distribution is not Distribution.AUTO:
        raise InvalidRequestError.single(
            "callback_ids", f"route '{callback.route}' does not distribute automatically"
        )
    if not settings.calendar().is_open(at):
        raise InvalidRequestError.single("callback_ids", f"route '{callback.route}' is closed")
    return settings


def offer(cmd: OfferCallbacks, ws: Workspace, _p: Policies) -> BulkResult:
    authorize_caller(ws, cmd.caller, Action.OFFER)
    v = Validator()
    callback_ids = bulk_ids(v, cmd.callback_ids)
    v.raise_if_any()
    agents = [a for i in dict.fromkeys(cmd.agent_ids) if (a := ws.agent(i)) is not None]
    holding = {a.agent_id: held_now(ws, a) for a in agents}
    loads = {i: len(held) for i, (held, _) in holding.items()}
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    results = []
    for callback_id in callback_ids:
        try:
            callback = ws.find_callback(callback_id)
            if callback is None:
                raise CallbackNotFoundError(callback_id=callback_id)
            settings = _auto_route(book, callback, cmd.at)
            callback.ensure(Trigger.OFFER)
            candidates = eligible(callback, agents)
            if not candidates:
                raise InvalidRequestError.single("agent_ids", "no eligible agent")
        except CallbackError as e:
            results.append(ItemResult(callback_id=callback_id, error=e))
            continue
        agent = choose(candidates, loads)
        callback.offer(
            agent.agent_id,
            agent_teams=agent.teams,
            expires_at=cmd.at + timedelta(seconds=settings.offer_timeout_seconds),
            by=cmd.caller,
            at=cmd.at,
        )
        held, released = holding[agent.agent_id]
        agent.take(callback.id, released=released, by=cmd.caller, at=cmd.at)
        holding[agent.agent_id] = (held, [])  # pruned by the first offer
        loads[agent.agent_id] += 1
        results.append(ItemResult(callback_id=callback_id, agent_id=agent.agent_id))
    return BulkResult(results=tuple(results))


def _answered(ws: Workspace, cmd: AcceptOffer | RejectOffer) -> Callback:
    authorize_caller(ws, cmd.caller, Action.ANSWER_OFFER)
    return visible(ws, cmd.caller, cmd.callback_id)


def accept(cmd: AcceptOffer, ws: Workspace, _p: Policies) -> CallbackChanged:
    callback = _answered(ws, cmd)
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    settings = book.settings(callback.route) if book is not None else None
    minutes = settings.ownership_minutes if settings is not None else None
    owned_until = cmd.at + timedelta(minutes=minutes) if minutes else None
    callback.accept_offer(owned_until=owned_until, by=cmd.caller, at=cmd.at)
    return changed(callback)


def reject(cmd: RejectOffer, ws: Workspace, _p: Policies) -> CallbackChanged:
    callback = _answered(ws, cmd)
    callback.reject_offer(by=cmd.caller, at=cmd.at)
    return changed(callback)


def withdraw(cmd: WithdrawOffer, ws: Workspace, _p: Policies) -> CallbackChanged:
    authorize_caller(ws, cmd.caller, Action.OFFER)
    callback = ws.callback(cmd.callback_id)
    callback.withdraw_offer(by=cmd.caller, at=cmd.at)
    return changed(callback)


def expire_ownership(cmd: ExpireOwnership, ws: Workspace, _p: Policies) -> CallbackChanged:
    authorize_caller(ws, cmd.caller, Action.OFFER)
    callback = ws.callback(cmd.callback_id)
    callback.expire_ownership(by=cmd.caller, at=cmd.at)
    return changed(callback)
