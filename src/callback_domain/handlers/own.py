"""An agent's own scheduled callbacks (agent desktop): the ones routed to them.

DOMAIN.md: the agent may reschedule such a callback, cancel it, or call it now
(SCHEDULED → ROUTING to that agent, then dial as usual).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import CallbackNotFoundError, ForbiddenError, InvalidTransitionError
from callback_domain.handlers.access import authorize_caller
from callback_domain.handlers.assignment import give_directly
from callback_domain.lifecycle import CallbackState
from callback_domain.permissions import Action
from callback_domain.values import AssignMethod, Role
from callback_domain.visibility import sees

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from callback_domain.callback import Callback
    from callback_domain.values import Caller
    from callback_domain.workspace import Workspace

_VERBS = {Action.RESCHEDULE: "reschedule", Action.CANCEL: "cancel", Action.CALL_NOW: "call now"}


def is_own_scheduled(caller: Caller, callback: Callback | None) -> bool:
    """Whether `callback` is a SCHEDULED callback routed to the calling agent."""
    return (
        callback is not None
        and caller.role is Role.AGENT
        and callback.state is CallbackState.SCHEDULED
        and callback.routing_agent == caller.actor
    )


def own_scheduled(ws: Workspace, caller: Caller, callback_id: UUID, action: Action) -> Callback:
    """The agent's own scheduled callback, or the refusal: `not_found` if they may not
    see it, `invalid_transition` unless it is SCHEDULED, `forbidden` if it is not
    routed to them."""
    me = authorize_caller(ws, caller, action)
    callback = ws.callback(callback_id)
    if not sees(caller, me, callback):
        raise CallbackNotFoundError(callback_id=callback_id)
    verb = _VERBS[action]
    if callback.state is not CallbackState.SCHEDULED:
        raise InvalidTransitionError(
            f"an agent may {verb} only a SCHEDULED callback of theirs; "
            f"callback {callback_id} is {callback.state.value}",
            state=callback.state.value,
            command=verb.replace(" ", "_"),
        )
    if callback.routing_agent != caller.actor:
        raise ForbiddenError(
            f"agent '{caller.actor}' may not {verb} callback {callback_id}: "
            "it is not scheduled for them",
        )
    return callback


def take_now(ws: Workspace, callback: Callback, *, by: Caller, at: datetime) -> None:
    """Call now: the agent's own scheduled callback goes to them (ROUTING) at once."""
    agent = ws.agent(by.actor)
    assert agent is not None  # authorize_caller found the calling agent
    give_directly(ws, callback, agent, method=AssignMethod.CALL_NOW, by=by, at=at)
