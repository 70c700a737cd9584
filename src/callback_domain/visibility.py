"""Who may see a callback: the one rule, for the write model and the views alike
(DOMAIN.md "Identity and access", "Teams and distribution").

- An agent sees only callbacks assigned or routed to them or their team; a team-routed
  callback is visible to the team's members and their assigners (an assigner sees every
  other callback too). This part is data (`Scope`), so the views' SQL
  (`adapters.views`) renders the same rule that `Scope.admits` decides.
- Supervisors and monitors see every callback on the routes granted to them (all
  routes unless the directory limits them).
- An IVR sees what its own system submitted; CTI sees none; administrators and the
  service itself see all.

A caller never learns anything about a callback they may not see: every access to one
answers `not_found`, exactly as for an id that does not exist, before any lifecycle
check (`visible`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from callback_domain.errors import CallbackNotFoundError
from callback_domain.values import Role

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from callback_domain.agent import Agent
    from callback_domain.callback import Callback
    from callback_domain.values import Caller
    from callback_domain.workspace import Workspace

_EVERYTHING = frozenset({Role.ADMIN, Role.SYSTEM})
_ON_ROUTES = frozenset({Role.SUPERVISOR, Role.MONITOR})
_AGENTS = frozenset({Role.AGENT, Role.ASSIGNER})


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """The callbacks one caller may see: those assigned or routed to `agent`, those
    routed to one of `teams`, and, with `unrouted_teams`, every callback not routed
    to a team at all."""

    agent: str
    teams: tuple[str, ...]
    unrouted_teams: bool

    def admits(
        self, *, agent: str | None, routing_agent: str | None, routing_team: str | None
    ) -> bool:
        if self.agent in (agent, routing_agent):
            return True
        if routing_team is None:
            return self.unrouted_teams
        return routing_team in self.teams


def scope_of(caller: Caller, teams: Iterable[str]) -> Scope | None:
    """What `caller` (whose directory teams are `teams`) may see; None: everything."""
    if caller.role is Role.AGENT:
        return Scope(agent=caller.actor, teams=tuple(teams), unrouted_teams=False)
    if caller.role is Role.ASSIGNER:
        return Scope(agent=caller.actor, teams=tuple(teams), unrouted_teams=True)
    return None


def may_see(
    caller: Caller,
    teams: Iterable[str],
    *,
    agent: str | None,
    routing_agent: str | None,
    routing_team: str | None,
) -> bool:
    """Whether `caller` (with directory teams `teams`) may see a callback held by
    `agent` and routed to `routing_agent` or `routing_team`."""
    scope = scope_of(caller, teams)
    return scope is None or scope.admits(
        agent=agent, routing_agent=routing_agent, routing_team=routing_team
    )


def may_see_route(caller: Caller, route: str) -> bool:
    """Whether a supervisor's or monitor's grants cover `route` (others: not limited here)."""
    return caller.routes is None or route in caller.routes


def sees(caller: Caller, me: Agent | None, callback: Callback) -> bool:
    """Whether `caller` may see a callback of the write model; `me`: the caller's own
    directory entry when the caller is an agent (its teams, as of the request)."""
    role = caller.role
    if role in _EVERYTHING:
        return True
    if role in _ON_ROUTES:
        return may_see_route(caller, callback.route)
    if role is Role.IVR:  # what its own system submitted
        return callback.requested_role == Role.IVR.value and callback.requested_by == caller.actor
    if role in _AGENTS:
        return may_see(
            caller,
            me.teams if me is not None else (),
            agent=callback.agent_id,
            routing_agent=callback.routing_agent,
            routing_team=callback.routing_team,
        )
    return False  # CTI: presence only


def find_visible(ws: Workspace, caller: Caller, callback_id: UUID) -> Callback | None:
    """The callback, if it exists and the caller may see it."""
    callback = ws.find_callback(callback_id)
    if callback is None:
        return None
    me = ws.agent(caller.actor) if caller.role in _AGENTS else None
    return callback if sees(caller, me, callback) else None


def visible(ws: Workspace, caller: Caller, callback_id: UUID) -> Callback:
    """The callback, or `not_found` if it does not exist or the caller may not see it."""
    callback = find_visible(ws, caller, callback_id)
    if callback is None:
        raise CallbackNotFoundError(callback_id=callback_id)
    return callback


def may_take(teams: Iterable[str], routing_team: str | None) -> bool:
    """Whether an agent of `teams` may take (be assigned, dial) a callback routed to
    `routing_team`: only the team's members take a team-routed callback."""
    return routing_team is None or routing_team in tuple(teams)
