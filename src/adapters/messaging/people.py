"""The handlers of `auth.login`, `auth.whoami`, `admin.password-set` and
`admin.user-upsert`: logging in against the directory, and keeping it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from adapters.identity.errors import UnauthenticatedError
from adapters.messaging.messages import auth
from callback_domain import commands as c
from callback_domain.permissions import Action, authorize
from callback_domain.values import Role

if TYPE_CHECKING:
    from adapters.identity.sessions import Sessions
    from adapters.messaging.context import Call, ServiceContext

_WRONG = "wrong user or password"


def _sessions(ctx: ServiceContext) -> Sessions:
    if ctx.identity.sessions is None:
        raise UnauthenticatedError(reason="this service issues no tokens")
    return ctx.identity.sessions


def _login_entry(ctx: ServiceContext, name: str) -> tuple[str, str | None] | None:
    """(token role, password hash) of whoever logs in as `name`: a user, else an agent."""
    user = ctx.service.get_user(name)
    if user is not None:
        return user.user_role, user.password_hash
    agent = ctx.service.get_agent(name)
    if agent is not None:
        return "AGENT", agent.password_hash
    return None


async def login(call: Call[auth.LoginPayload]) -> auth.LoginReply:
    ctx, p = call.ctx, call.payload
    sessions = _sessions(ctx)
    wait = sessions.limiter.retry_after(p.user)
    if wait > 0:
        raise UnauthenticatedError(reason=f"too many failed logins; try again in {wait:.0f} s")
    entry = await ctx.read(_login_entry, ctx, p.user)
    stored = entry[1] if entry is not None else None
    ok = await asyncio.to_thread(sessions.passwords.check, stored, p.password)
    if not ok or entry is None:
        sessions.limiter.failed(p.user)
        raise UnauthenticatedError(reason=_WRONG)
    sessions.limiter.succeeded(p.user)
    token, expires = sessions.token_for(p.user, entry[0])
    return auth.LoginReply(
        token=token,
        expires_at=datetime.fromtimestamp(expires, UTC),
        actor=p.user,
        role=entry[0],
    )


async def whoami(call: Call[auth.WhoamiPayload]) -> auth.WhoamiReply:
    ctx, caller = call.ctx, call.caller
    teams: list[str] = []
    permissions: list[str] = []
    if caller.role in (Role.AGENT, Role.ASSIGNER):
        agent = await ctx.read(ctx.service.get_agent, caller.actor)
        if agent is not None:
            teams, permissions = list(agent.teams), sorted(p.value for p in agent.permissions)
    return auth.WhoamiReply(
        actor=caller.actor,
        role=caller.role.value,
        issuer=caller.issuer,
        teams=teams,
        permissions=permissions,
        routes=None if caller.routes is None else sorted(caller.routes),
    )


async def password_set(call: Call[auth.PasswordSetPayload]) -> auth.PasswordSetReply:
    ctx, p = call.ctx, call.payload
    if call.caller.actor != p.user:  # checked before the (slow) hash; the core checks again
        authorize(call.caller, Action.SET_PASSWORD)
    hashed = await asyncio.to_thread(_sessions(ctx).passwords.hash, p.password)
    outcome = await ctx.command(
        c.SetPassword(caller=call.caller, at=ctx.clock(), user=p.user, password_hash=hashed)
    )
    outcome.unwrap()
    return auth.PasswordSetReply(user=p.user, log_position=outcome.log_position)


async def user_upsert(call: Call[auth.UserUpsertPayload]) -> auth.UserSavedReply:
    ctx, p = call.ctx, call.payload
    outcome = await ctx.command(
        c.UpsertUser(
            caller=call.caller,
            at=ctx.clock(),
            user=p.user,
            role=p.role,
            routes=None if p.routes is None else tuple(p.routes),
        )
    )
    saved = outcome.unwrap()
    return auth.UserSavedReply(
        user=saved.user,
        created=saved.created,
        changed=saved.changed,
        log_position=outcome.log_position,
    )
