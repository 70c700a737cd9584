"""Authorization of a caller for an action, and the agent behind an agent role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import ForbiddenError
from callback_domain.permissions import AGENT_ROLES, authorize
from callback_domain.values import Permission, Role

if TYPE_CHECKING:
    from callback_domain.agent import Agent
    from callback_domain.permissions import Action
    from callback_domain.values import Caller
    from callback_domain.workspace import Workspace

_NEEDED = {Role.AGENT: Permission.CALL, Role.ASSIGNER: Permission.ASSIGN}


def authorize_caller(ws: Workspace, caller: Caller, action: Action) -> Agent | None:
    """Checks the role matrix; an agent role must also be backed by the directory.

    Returns the caller's own directory entry for agent roles, else None.
    """
    authorize(caller, action)
    if caller.role not in AGENT_ROLES:
        return None
    agent = ws.agent(caller.actor)
    if agent is None:
        raise ForbiddenError(f"agent '{caller.actor}' is not in the agent directory")
    needed = _NEEDED[caller.role]
    if not agent.may(needed):
        raise ForbiddenError(f"agent '{caller.actor}' lacks the '{needed.value}' permission")
    return agent
