"""Assigning callbacks to agents (manual, equal, routed) and unassigning them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.equal_assignment import AgentLoad, plan_equal_assignment
from callback_domain.errors import (
    AgentNotFoundError,
    CallbackError,
    FieldError,
    InvalidRequestError,
)
from callback_domain.handlers.access import authorize_caller
from callback_domain.lifecycle import Trigger
from callback_domain.permissions import Action
from callback_domain.results import BulkResult, ItemResult
from callback_domain.values import AssignMethod, Permission, Validator
from callback_domain.visibility import may_take, visible

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from callback_domain.agent import Agent
    from callback_domain.callback import Callback
    from callback_domain.commands import AssignCallbacks, UnassignCallbacks
    from callback_domain.values import Caller, Policies
    from callback_domain.workspace import Workspace

MAX_BULK = 1000


def held_now(ws: Workspace, agent: Agent) -> tuple[list[UUID], list[UUID]]:
    """The agent's incomplete callbacks, and those it no longer holds."""
    held, released = [], []
    for callback_id in agent.held:
        callback = ws.find_callback(callback_id)
        if callback is not None and callback.is_held_by(agent.agent_id):
            held.append(callback_id)
        else:
            released.append(callback_id)
    return held, released


def give(
    ws: Workspace,
    callback: Callback,
    agent: Agent,
    *,
    method: AssignMethod,
    assigner_teams: tuple[str, ...],
    released: list[UUID],
    by: Caller,
    at: datetime,
) -> None:
    """Assigns `callback` to `agent`, recording it on both (one transaction).

    `released`: callbacks on the agent's list it no longer holds (see `held_now`),
    pruned from the list with this assignment.
    """
    callback.assign(
        agent.agent_id,
        agent_teams=agent.teams,
        method=method,
        assigner_teams=assigner_teams,
        by=by,
        at=at,
    )
    agent.take(callback.id, released=released, by=by, at=at)


def give_directly(
    ws: Workspace,
    callback: Callback,
    agent: Agent,
    *,
    method: AssignMethod,
    by: Caller,
    at: datetime,
) -> None:
    """`give` to the agent a callback goes straight to (routed to them, or called now):
    no assigner's teams, the agent's list pruned as it stands."""
    _, released = held_now(ws, agent)
    give(ws, callback, agent, method=method, assigner_teams=(), released=released, by=by, at=at)


def bulk_ids(v: Validator, ids: tuple[UUID, ...]) -> tuple[UUID, ...]:
    unique = tuple(dict.fromkeys(ids))
    if not unique:
        v.refuse("callback_ids", "must name at least one callback")
    elif len(unique) > MAX_BULK:
        v.refuse("callback_ids", f"may name at most {MAX_BULK} callbacks")
    return unique


def _method(cmd: AssignCallbacks) -> AssignMethod:
    if cmd.method not in (AssignMethod.MANUAL, AssignMethod.EQUAL):
        raise InvalidRequestError.single("method", "must be MANUAL or EQUAL")
    return AssignMethod(cmd.method)


def _selected_agents(ws: Workspace, cmd: AssignCallbacks, method: AssignMethod) -> list[Agent]:
    v = Validator()
    bulk_ids(v, cmd.callback_ids)
    agent_ids = v.tokens("agent_ids", cmd.agent_ids)
    if not agent_ids and not v.errors:
        v.refuse("agent_ids", "must name at least one agent")
    if method is AssignMethod.MANUAL and len(agent_ids) > 1:
        v.refuse("agent_ids", "MANUAL assignment takes exactly one agent")
    v.raise_if_any()
    agents = []
    for agent_id in agent_ids:
        agent = ws.agent(agent_id)
        if agent is None:
            raise AgentNotFoundError(agent_id=agent_id)
        if not agent.may(Permission.CALL):
            raise InvalidRequestError.single(
                "agent_ids", f"agent '{agent_id}' lacks the 'call' permission"
            )
        agents.append(agent)
    if cmd.only_logged_in:
        agents = [a for a in agents if a.logged_in]
        if not agents:
            raise InvalidRequestError(
                [FieldError("agent_ids", "none of the selected agents is logged in to CTI")]
            )
    return agents


def _members(callback: Callback, agents: list[Agent]) -> list[str]:
    """The selected agents who may take `callback` (a team-routed one: its team's)."""
    return [a.agent_id for a in agents if may_take(a.teams, callback.routing_team)]


def _not_members(callback: Callback, agents: list[Agent]) -> InvalidRequestError:
    names = ", ".join(f"'{a.agent_id}'" for a in agents)
    who = f"agent {names} is" if len(agents) == 1 else f"none of the agents {names} is"
    return InvalidRequestError.single(
        "agent_ids",
        f"callback {callback.id} is routed to team '{callback.routing_team}' and {who} "
        "a member; only the team's members may take it",
    )


def assign(cmd: AssignCallbacks, ws: Workspace, _policies: Policies) -> BulkResult:
    me = authorize_caller(ws, cmd.caller, Action.ASSIGN)
    method = _method(cmd)
    agents = _selected_agents(ws, cmd, method)
    assigner_teams = me.teams if me is not None else ()
    errors: dict[UUID, CallbackError] = {}
    ready: list[Callback] = []
    eligible: dict[UUID, list[str]] = {}
    for callback_id in dict.fromkeys(cmd.callback_ids):
        try:
            callback = visible(ws, cmd.caller, callback_id)
            callback.ensure(Trigger.ASSIGN)
            eligible[callback_id] = _members(callback, agents)
        except CallbackError as e:
            errors[callback_id] = e
        else:
            ready.append(callback)
    by_id = {a.agent_id: a for a in agents}
    holding = {a.agent_id: held_now(ws, a) for a in agents}  # once per agent: O(held)
    if method is AssignMethod.EQUAL:
        ready.sort(key=lambda c: (c.due_at, c.queue_since, str(c.id)))
        loads = [
            AgentLoad(
                agent_id=a.agent_id,
                incomplete=len(holding[a.agent_id][0]),
                last_assigned_at=a.last_assigned_at,
            )
            for a in agents
        ]
        plan = plan_equal_assignment([c.id for c in ready], loads, eligible)
    else:
        plan = [(c.id, agents[0].agent_id) for c in ready if eligible[c.id]]
    chosen = dict(plan)
    for callback in ready:
        if callback.id not in chosen:
            errors[callback.id] = _not_members(callback, agents)
            continue
        agent_id = chosen[callback.id]
        released = holding[agent_id][1]
        give(
            ws,
            callback,
            by_id[agent_id],
            method=method,
            assigner_teams=assigner_teams,
            released=released,
            by=cmd.caller,
            at=cmd.at,
        )
        holding[agent_id] = (holding[agent_id][0], [])  # pruned by the first assignment
    return BulkResult(
        results=tuple(
            ItemResult(callback_id=i, error=errors[i])
            if i in errors
            else ItemResult(callback_id=i, agent_id=chosen[i])
            for i in dict.fromkeys(cmd.callback_ids)
        )
    )


def unassign(cmd: UnassignCallbacks, ws: Workspace, _policies: Policies) -> BulkResult:
    authorize_caller(ws, cmd.caller, Action.UNASSIGN)
    v = Validator()
    callback_ids = bulk_ids(v, cmd.callback_ids)
    v.raise_if_any()
    results = []
    for callback_id in callback_ids:
        try:
            callback = visible(ws, cmd.caller, callback_id)
            agent_id = callback.agent_id
            callback.unassign(by=cmd.caller, at=cmd.at)
        except CallbackError as e:
            results.append(ItemResult(callback_id=callback_id, error=e))
        else:
            results.append(ItemResult(callback_id=callback_id, agent_id=agent_id))
    return BulkResult(results=tuple(results))
