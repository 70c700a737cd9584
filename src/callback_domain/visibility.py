"""Which callbacks a caller may see: the one home of the rule (DOMAIN.md "Identity and
access"). A caller never learns anything about a callback they may not see: every access
to one answers `not_found`, exactly as for an id that does not exist, before any
lifecycle check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import CallbackNotFoundError
from callback_domain.values import Role

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.agent import Agent
    from callback_domain.callback import Callback
    from callback_domain.values import Caller
    from callback_domain.workspace import Workspace

_EVERYTHING = frozenset({Role.ADMIN, Role.SYSTEM, Role.ASSIGNER})
_ON_ROUTES = frozenset({Role.SUPERVISOR, Role.MONITOR})


def may_see(caller: Caller, callback: Callback, agent: Agent | None = None) -> bool:
    """Whether `caller` may see `callback`. `agent`: the caller's own directory entry
    when the caller is an agent (its teams, as of the request)."""
    role = caller.role
    if role in _EVERYTHING:
        return True
    if role in _ON_ROUTES:
        return caller.routes is None or callback.route in caller.routes
    if role is Role.AGENT:
        return caller.actor in (callback.agent_id, callback.routing_agent)
    if role is Role.IVR:  # what its own system submitted
        return callback.requested_role == Role.IVR.value and callback.requested_by == caller.actor
    return False  # CTI: presence only


def may_see_route(caller: Caller, route: str) -> bool:
    """Whether a supervisor's or monitor's grants cover `route` (others: not limited here)."""
    return caller.routes is None or route in caller.routes


def find_visible(ws: Workspace, caller: Caller, callback_id: UUID) -> Callback | None:
    callback = ws.find_callback(callback_id)
    if callback is None:
        return None
    own = ws.agent(caller.actor) if caller.role in (Role.AGENT, Role.ASSIGNER) else None
    return callback if may_see(caller, callback, own) else None


def visible(ws: Workspace, caller: Caller, callback_id: UUID) -> Callback:
    """The callback, or `not_found` if it does not exist or the caller may not see it."""
    callback = find_visible(ws, caller, callback_id)
    if callback is None:
        raise CallbackNotFoundError(callback_id=callback_id)
    return callback
