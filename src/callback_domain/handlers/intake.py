"""New callbacks: requests from every channel, and recreations of completed ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.callback import Callback
from callback_domain.errors import ForbiddenError
from callback_domain.handlers.access import authorize_caller
from callback_domain.handlers.assignment import give_directly
from callback_domain.handlers.routes import refuse_if_closed, registered
from callback_domain.handlers.seats import ensure_seat
from callback_domain.lifecycle import OPEN, CallbackState, Trigger
from callback_domain.permissions import Action
from callback_domain.phone_line import PhoneLine
from callback_domain.results import CallbackAccepted, CallbackRecreated
from callback_domain.route_book import ROUTE_BOOK_ID, RouteBook, effective_policy
from callback_domain.values import (
    MAX_ID_LENGTH,
    MAX_REMARK_LENGTH,
    MAX_ROUTE_LENGTH,
    AssignMethod,
    CallbackType,
    Permission,
    Role,
    Validator,
)
from callback_domain.visibility import may_see_route, sees, visible

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from callback_domain.agent import Agent
    from callback_domain.commands import RecreateCallback, RequestCallback
    from callback_domain.phones import PhoneNumbers
    from callback_domain.values import Caller, Policies, Policy
    from callback_domain.workspace import Workspace


def accepted(
    callback: Callback, *, duplicate: bool = False, replayed: bool = False
) -> CallbackAccepted:
    return CallbackAccepted(
        callback_id=callback.id,
        request_id=callback.request_id,
        route=callback.route,
        state=callback.state,
        status=callback.status,
        duplicate=duplicate,
        queue_since=callback.queue_since,
        replayed=replayed,
    )


def request(cmd: RequestCallback, ws: Workspace, policies: Policies) -> CallbackAccepted:
    me = authorize_caller(ws, cmd.caller, Action.REQUEST)
    v = Validator()
    request_id = v.text("request_id", cmd.request_id, max_length=MAX_ID_LENGTH)
    v.raise_if_any()
    assert request_id is not None
    # The same request id is the same callback, even if the first one was accepted
    # under rules (e.g. "not in the past") that a late redelivery would now fail.
    existing = ws.find_callback(Callback.create_id(request_id))
    if existing is not None:
        if not sees(cmd.caller, me, existing):
            # Said without a word of the other callback (its state, holder or route).
            v.refuse("request_id", "cannot be used; send a new request id")
            v.raise_if_any()
        return accepted(existing, replayed=True)  # its own callback: not a phone duplicate

    route = v.text("route", cmd.route, max_length=MAX_ROUTE_LENGTH)
    route_settings = registered(ws, v, route)
    policy = effective_policy(policies, route or "", route_settings)
    phone = v.phone("phone", cmd.phone, policies.phones)
    timezone = v.timezone("customer_timezone", cmd.customer_timezone)
    wanted, wanted_field = v.wanted_time(cmd.desired_time, cmd.desired_local, timezone)
    given = cmd.desired_time is not None or cmd.desired_local is not None
    callback_type = cmd.callback_type or (
        CallbackType.SCHEDULED if given else CallbackType.IMMEDIATE
    )
    desired_time = v.desired_time(wanted_field, wanted, at=cmd.at, policy=policy)
    refuse_if_closed(
        v,
        wanted_field,
        desired_time,
        window=policy.window,
        settings=route_settings,
        at=cmd.at,
        horizon=policy.horizon,
    )
    if callback_type is CallbackType.SCHEDULED and not given:
        v.refuse("desired_time", "is required for a SCHEDULED callback")
    if callback_type is CallbackType.IMMEDIATE and given:
        v.refuse(wanted_field, "is only for SCHEDULED callbacks; drop it or set type SCHEDULED")
    remark = v.text("remark", cmd.remark, max_length=MAX_REMARK_LENGTH, required=False)
    origin = v.text(
        "origin_interaction_id", cmd.origin_interaction_id, max_length=MAX_ID_LENGTH, required=False
    )
    routing_agent = v.token("routing.agent", cmd.routing_agent, required=False)
    routing_team = v.token("routing.team", cmd.routing_team, required=False)
    if routing_agent is not None and routing_team is not None:
        v.refuse("routing.team", "give either agent or team, not both")
    if cmd.caller.role is Role.AGENT:
        # An agent schedules for themselves (the default), another agent, or their team.
        if cmd.routing_agent is None and cmd.routing_team is None:
            routing_agent = cmd.caller.actor
        teams = me.teams if me is not None else ()
        if routing_team is not None and routing_team not in teams:
            v.refuse(
                "routing.team",
                "an agent may schedule callbacks only for their own teams "
                f"({', '.join(teams) or 'they have none'})",
            )
    if routing_agent is not None and routing_agent != getattr(me, "agent_id", None):
        target = ws.agent(routing_agent)
        if target is None or not target.may(Permission.CALL):
            v.refuse("routing.agent", f"no agent '{routing_agent}' who may take callbacks")
    if route is not None and not may_see_route(cmd.caller, route):
        raise ForbiddenError(f"'{cmd.caller.actor}' may not act on route '{route}'")
    v.raise_if_any()
    assert phone is not None and route is not None

    # The duplicate check counts only callbacks the caller may see: its answer never names
    # one they may not (an agent scheduling a number another agent holds, or an IVR a
    # number another channel made a callback for, gets a callback of their own).
    duplicate = _open_duplicate(
        ws, phone, route, policy, policies.phones, counted=_seen_by(cmd.caller, me)
    )
    if isinstance(duplicate, Callback):
        return accepted(duplicate, duplicate=True)
    ensure_seat(  # after the duplicate check: a duplicate takes no seat
        ws,
        wanted_field,
        desired_time,
        settings=route_settings,
        window=policy.window,
        at=cmd.at,
        horizon=policy.horizon,
    )
    callback = Callback.request(
        request_id=request_id,
        phone=phone,
        route=route,
        callback_type=callback_type,
        desired_time=desired_time,
        customer_timezone=timezone,
        routing_agent=routing_agent,
        routing_team=routing_team,
        remark=remark,
        origin_interaction_id=origin,
        policy=policy,
        by=cmd.caller,
        at=cmd.at,
    )
    _open(ws, callback, closed=duplicate, at=cmd.at)
    route_to_agent(ws, callback, by=cmd.caller, at=cmd.at)
    return accepted(callback, duplicate=False)


def _seen_by(caller: Caller, me: Agent | None) -> Callable[[Callback], bool]:
    return lambda callback: sees(caller, me, callback)


def recreate(cmd: RecreateCallback, ws: Workspace, policies: Policies) -> CallbackRecreated:
    authorize_caller(ws, cmd.caller, Action.RECREATE)
    old = visible(ws, cmd.caller, cmd.callback_id)
    old.ensure(Trigger.RECREATE)
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    policy = effective_policy(policies, old.route, book.settings(old.route) if book else None)
    phone = policies.phones.canonical(old.phone)  # E.164, if recorded by an older version
    duplicate = _open_duplicate(ws, phone, old.route, policy, policies.phones)
    if isinstance(duplicate, Callback):
        return CallbackRecreated(callback_id=duplicate.id, recreated_from=old.id, duplicate=True)
    still_ahead = not policy.due_now(old.desired_time, cmd.at)
    new = Callback.request(
        request_id=f"{old.request_id}#recreated-{len(old.recreated_as) + 1}",
        phone=phone,
        route=old.route,
        callback_type=CallbackType.SCHEDULED if still_ahead else CallbackType.IMMEDIATE,
        desired_time=old.desired_time if still_ahead else None,
        customer_timezone=old.customer_timezone,
        routing_agent=old.routing_agent,
        routing_team=old.routing_team,
        remark=old.remark,
        origin_interaction_id=old.origin_interaction_id,
        policy=policy,
        by=cmd.caller,
        at=cmd.at,
        queue_since=old.queue_since,  # the caller keeps their place in line
        recreated_from=old.id,
    )
    old.record_recreation(new.id, by=cmd.caller, at=cmd.at)
    _open(ws, new, closed=duplicate, at=cmd.at)
    route_to_agent(ws, new, by=cmd.caller, at=cmd.at)
    return CallbackRecreated(callback_id=new.id, recreated_from=old.id, duplicate=False)


def route_to_agent(ws: Workspace, callback: Callback, *, by: Caller, at: datetime) -> None:
    """A QUEUED callback routed to one agent goes straight to that agent."""
    if callback.state is not CallbackState.QUEUED or callback.routing_agent is None:
        return
    agent = ws.agent(callback.routing_agent)
    if agent is None or not agent.may(Permission.CALL):
        return  # the agent left the directory: the callback waits in the queue
    give_directly(ws, callback, agent, method=AssignMethod.ROUTED, by=by, at=at)


def _open_duplicate(
    ws: Workspace,
    phone: str,
    route: str,
    policy: Policy,
    phones: PhoneNumbers,
    *,
    counted: Callable[[Callback], bool] = lambda _: True,
) -> Callback | list[UUID]:
    """The oldest open callback if the number's lines hold enough open ones, else the
    closed ones of its E.164 line (lines the previous version keyed by the digits as
    typed are read too, so `010-…` and `+82 10-…` are one number across the upgrade).
    Open callbacks not `counted` neither fill the lines nor close."""
    line_ids = PhoneLine.ids_for(phone, route, phones)
    lines = [line for i in line_ids if (line := ws.get(PhoneLine, i)) is not None]
    if not lines:
        return []
    open_: list[Callback] = []
    closed: list[UUID] = []
    for line in lines:
        for callback_id in line.candidates:
            callback = ws.find_callback(callback_id)
            if callback is not None and callback.state in OPEN:
                if counted(callback) and callback not in open_:
                    open_.append(callback)
            elif line.id == line_ids[0]:
                closed.append(callback_id)
    if policy.duplicate_check and len(open_) >= policy.duplicate_limit:
        return min(open_, key=lambda c: c.queue_since)  # ties: the first opened
    return closed


def _open(ws: Workspace, callback: Callback, *, closed: list[UUID], at: datetime) -> None:
    ws.add(callback)
    line = ws.get(PhoneLine, PhoneLine.create_id(callback.phone, callback.route))
    if line is None:
        ws.add(
            PhoneLine.start(
                phone=callback.phone, route=callback.route, callback_id=callback.id, at=at
            )
        )
    else:
        line.open(callback.id, closed=closed, at=at)
