"""Who is calling. With tokens (the default) every subject's caller comes from its token
(callers.py). Only in the explicit development mode `CALLBACKS_AUTH=off` is it taken
from the subject and the Callbacks-Actor / Callbacks-Role headers, as here.

The subject table names one of the `identify_*` functions per subject; what a caller may
do is decided by the subject's roles and the permission table
(callback_domain.permissions), reads included."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from adapters.messaging.callers import token_caller
from callback_domain.audit import UNVERIFIED
from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.permissions import Action, authorize
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from adapters.messaging.context import ServiceContext

    DevIdentify = Callable[
        [ServiceContext, str, Mapping[str, str], Mapping[str, str]], Awaitable[Caller]
    ]

ACTOR_HEADER = "Callbacks-Actor"
ROLE_HEADER = "Callbacks-Role"
_MAX_ACTOR = 200
_ADMIN_ROLES = {Role.ADMIN.value, Role.SUPERVISOR.value, Role.ASSIGNER.value}


def _actor(headers: Mapping[str, str], default: str | None) -> str:
    actor = (headers.get(ACTOR_HEADER) or "").strip() or default
    if not actor:
        raise InvalidRequestError.single(
            f"(header {ACTOR_HEADER})", "is required: name yourself for the audit trail"
        )
    if len(actor) > _MAX_ACTOR or not actor.isprintable():
        raise InvalidRequestError.single(
            f"(header {ACTOR_HEADER})", f"must be at most {_MAX_ACTOR} printable characters"
        )
    return actor


def _role(headers: Mapping[str, str], allowed: set[str], default: Role) -> Role:
    raw = (headers.get(ROLE_HEADER) or "").strip().upper()
    if not raw:
        return default
    if raw not in allowed:
        if raw in Role.__members__:  # a real role, just not one allowed here
            raise ForbiddenError(
                role=raw,
                actor=(headers.get(ACTOR_HEADER) or "").strip() or "(unnamed)",
                action=f"act on this subject (it takes {', '.join(sorted(allowed))})",
            )
        raise InvalidRequestError.single(
            f"(header {ROLE_HEADER})", f"must be one of {', '.join(sorted(allowed))}"
        )
    return Role(raw)


def ivr(headers: Mapping[str, str], channel: str) -> Caller:
    return Caller(actor=_actor(headers, "ivr"), role=Role.IVR, channel=channel, issuer=UNVERIFIED)


def agent(agent_id: str, channel: str) -> Caller:
    return Caller(actor=agent_id, role=Role.AGENT, channel=channel, issuer=UNVERIFIED)


def administrator(headers: Mapping[str, str], channel: str, *, is_agent: bool) -> Caller:
    """An admin.* caller. One who is an agent of the directory acts as ASSIGNER,
    whatever role it claims: an agent's permissions come from the directory."""
    actor = _actor(headers, None)
    role = Role.ASSIGNER if is_agent else _role(headers, _ADMIN_ROLES, Role.SUPERVISOR)
    return Caller(actor=actor, role=role, channel=channel, issuer=UNVERIFIED)


def monitor(headers: Mapping[str, str], channel: str) -> Caller:
    """A `query.*` caller: MONITOR unless it claims another role; the permission table
    says whether that role may read."""
    caller = Caller(
        actor=_actor(headers, "monitor"),
        role=_role(headers, set(Role.__members__), Role.MONITOR),
        channel=channel,
        issuer=UNVERIFIED,
    )
    authorize(caller, Action.READ)
    return caller


def cti(channel: str) -> Caller:
    return Caller(actor="cti", role=Role.CTI, channel=channel, issuer=UNVERIFIED)


def person(headers: Mapping[str, str], channel: str) -> Caller:
    """`auth.*` and the people's `admin.*` subjects: whoever the headers name."""
    return Caller(
        actor=_actor(headers, None),
        role=_role(headers, set(Role.__members__), Role.MONITOR),
        channel=channel,
        issuer=UNVERIFIED,
    )


# The subject table's `identify` column: (context, subject name, subject params, headers).
# Every caller is taken from their token; the bodies below say who the caller is in the
# development mode (CALLBACKS_AUTH=off), from the subject and the headers.


def by_token(development_mode: DevIdentify) -> DevIdentify:
    """An `identify` that takes the caller from the token, or, in the development mode
    only, from `development_mode`."""

    @functools.wraps(development_mode)
    async def identify(
        ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> Caller:
        if not ctx.identity.off:
            return await token_caller(ctx, name, params, headers)
        return await development_mode(ctx, name, params, headers)

    return identify


@by_token
async def identify_ivr(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    return ivr(headers, f"nats:{name}")


@by_token
async def identify_agent(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    """`agent.{agent_id}.*`: the subject says who the agent is."""
    return agent(params["agent_id"], f"nats:{name}")


@by_token
async def identify_agent_reading(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    """`agent.{agent_id}.list` / `pending`: that agent, reading their own callbacks."""
    caller = agent(params["agent_id"], f"nats:{name}")
    authorize(caller, Action.READ_OWN)
    return caller


@by_token
async def identify_administrator(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    actor = (headers.get(ACTOR_HEADER) or "").strip()
    is_agent = bool(actor) and (await ctx.read(ctx.service.get_agent, actor)) is not None
    return administrator(headers, f"nats:{name}", is_agent=is_agent)


@by_token
async def identify_reader(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    return monitor(headers, "nats:query")


@by_token
async def identify_cti(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    return cti(f"nats:{name}")


@by_token
async def identify_person(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    return person(headers, f"nats:{name}")


async def identify_anyone(
    ctx: ServiceContext, name: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Caller:
    """`auth.login`: no token yet. The caller is only named for the logs; the handler
    acts on no one's behalf (the password it checks names the person)."""
    return Caller(
        actor="(logging in)", role=Role.MONITOR, channel=f"nats:{name}", issuer=UNVERIFIED
    )


async def submitter(ctx: ServiceContext, headers: Mapping[str, str]) -> Caller:
    """Who sent an `intake.submit` message: an IVR, by its token."""
    caller = await identify_ivr(ctx, "intake.submit", {}, headers)
    if caller.role is not Role.IVR:
        raise ForbiddenError(role=caller.role.value, actor=caller.actor, action="use intake.submit")
    return caller
