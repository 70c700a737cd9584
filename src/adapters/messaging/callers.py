"""Who is calling, from the verified token: actor, role and issuer from the token, an
agent's permissions from the directory at the moment of the request, a supervisor's or
monitor's granted routes from the directory.

The headers Callbacks-Actor / Callbacks-Role are ignored here; only the explicit
development mode (`CALLBACKS_AUTH=off`, identity.py) reads them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.identity.errors import UnauthenticatedError
from adapters.identity.verifier import bearer_token
from callback_domain.errors import ForbiddenError
from callback_domain.values import Caller, Permission, Role

if TYPE_CHECKING:
    from collections.abc import Mapping

    from adapters.identity.claims import Claims
    from adapters.identity.sessions import Sessions
    from adapters.identity.verifier import Verifier
    from adapters.messaging.context import ServiceContext

_ROLES = {
    "ADMIN": Role.ADMIN,
    "SUPERVISOR": Role.SUPERVISOR,
    "AGENT": Role.AGENT,
    "MONITOR": Role.MONITOR,
    "IVR": Role.IVR,
    "CTI": Role.CTI,
}
# Where an agent with the `assign` permission acts as ASSIGNER (DOMAIN.md's role table).
_ASSIGNER_FAMILIES = frozenset({"admin", "query"})
# Subjects of those families an agent with only `call` may use too, as an AGENT: an SMS
# about their own callback (the templates to choose from, the send, its cancel).
_AGENT_SUBJECTS = frozenset({"query.sms.templates", "admin.sms.send", "admin.sms.cancel"})


@dataclass(frozen=True, slots=True)
class Identity:
    """How the service knows its callers: `verifier` checks tokens; `off` is the
    development mode that believes headers (CALLBACKS_AUTH=off)."""

    verifier: Verifier | None = None
    off: bool = False
    sessions: Sessions | None = None  # `auth.login`; None: logins are refused

    async def claims(self, headers: Mapping[str, str]) -> Claims:
        """The token's claims; a token seen before costs a dictionary lookup, a new one a
        signature check in a worker thread (never on the event loop)."""
        token = bearer_token(headers)
        if self.verifier is None:
            raise UnauthenticatedError(reason="this service verifies no tokens")
        known = self.verifier.known(token)
        if known is not None:
            return known
        return await asyncio.to_thread(self.verifier.verify, token)


async def token_caller(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    """The caller of subject `name` (its `{agent_id}` in `params`), from its token."""
    claims = await ctx.identity.claims(headers)
    role = _ROLES[claims.role]
    channel, family = f"nats:{name}", name.split(".", maxsplit=1)[0]
    routes: frozenset[str] | None = None
    if role is Role.AGENT:
        role = await _agent_role(ctx, claims.actor, params, family, name)
    elif role in (Role.SUPERVISOR, Role.MONITOR):
        user = await ctx.read(ctx.service.get_user, claims.actor)
        if user is not None and user.routes is not None:
            routes = frozenset(user.routes)
    return Caller(
        actor=claims.actor, role=role, channel=channel, issuer=claims.issuer, routes=routes
    )


async def _agent_role(
    ctx: ServiceContext, actor: str, params: Mapping[str, str], family: str, name: str
) -> Role:
    """AGENT, or ASSIGNER on admin.* and query.* for an agent with `assign` (without it,
    AGENT on the few of them an agent may use, `_AGENT_SUBJECTS`); an agent's
    own subjects must be theirs, and an agent not in the directory, or without `call`
    on agent.*, may do nothing (`forbidden`)."""
    if "agent_id" in params and params["agent_id"] != actor:
        raise ForbiddenError(f"'{actor}' may use only agent.{actor}.* subjects")
    if family == "auth" or name == "admin.password-set":
        return Role.AGENT  # their own token and password: no directory right needed
    agent = await ctx.read(ctx.service.get_agent, actor)
    if agent is None:
        raise ForbiddenError(f"agent '{actor}' is not in the agent directory")
    if family in _ASSIGNER_FAMILIES:
        if agent.may(Permission.ASSIGN):
            return Role.ASSIGNER
        if name not in _AGENT_SUBJECTS:
            raise ForbiddenError(f"agent '{actor}' lacks the 'assign' permission")
    if not agent.may(Permission.CALL):
        raise ForbiddenError(f"agent '{actor}' lacks the 'call' permission")
    return Role.AGENT
