"""Who may see a callback: the one rule, for the write model and the views alike.

DOMAIN.md: an agent sees only callbacks assigned or routed to them or their team; a
team-routed callback is visible to the team's members and their assigners (an assigner
sees every other callback, as supervisors and monitors do). The rule is data (`Scope`),
so the views' SQL (`adapters.views`) renders the same rule that `Scope.admits` decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from callback_domain.values import Role

if TYPE_CHECKING:
    from collections.abc import Iterable

    from callback_domain.agent import Agent
    from callback_domain.callback import Callback
    from callback_domain.values import Caller


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


def sees(caller: Caller, me: Agent | None, callback: Callback) -> bool:
    """`may_see` for a callback of the write model; `me`: the caller's directory entry
    (None for callers who are not agents)."""
    return may_see(
        caller,
        me.teams if me is not None else (),
        agent=callback.agent_id,
        routing_agent=callback.routing_agent,
        routing_team=callback.routing_team,
    )


def may_take(teams: Iterable[str], routing_team: str | None) -> bool:
    """Whether an agent of `teams` may take (be assigned, dial) a callback routed to
    `routing_team`: only the team's members take a team-routed callback."""
    return routing_team is None or routing_team in tuple(teams)
