"""Test data: unique ids, callers, and a few standard setups."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from callback_domain import commands as c
from callback_domain.values import Caller, Permission, Role

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADMIN = Caller(actor="admin-1", role=Role.ADMIN, channel="test")
SUPERVISOR = Caller(actor="sv-1", role=Role.SUPERVISOR, channel="test")
IVR = Caller(actor="ivr-1", role=Role.IVR, channel="test")
SYSTEM = Caller(actor="scheduler", role=Role.SYSTEM, channel="test")
MONITOR = Caller(actor="wallboard", role=Role.MONITOR, channel="test")
_phones = itertools.count(1_000_000)


def agent(agent_id: str) -> Caller:
    return Caller(actor=agent_id, role=Role.AGENT, channel="test")


def assigner(agent_id: str) -> Caller:
    return Caller(actor=agent_id, role=Role.ASSIGNER, channel="test")


def random_ref(prefix: str = "req") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_phone() -> str:
    return f"+82 10-{next(_phones):08d}"


def request(**overrides: Any) -> c.RequestCallback:
    fields: dict[str, Any] = {
        "caller": IVR,
        "at": T0,
        "request_id": random_ref(),
        "phone": unique_phone(),
        "route": "billing",
    }
    fields.update(overrides)
    return c.RequestCallback(**fields)


def add_agents(
    service: CallbackService,
    *agent_ids: str,
    permissions: tuple[Permission, ...] = (Permission.CALL,),
    teams: tuple[str, ...] = ("team-a",),
    at: datetime = T0,
) -> None:
    for agent_id in agent_ids:
        service.execute(
            c.UpsertAgent(
                caller=ADMIN,
                at=at,
                agent_id=agent_id,
                name=agent_id.title(),
                teams=teams,
                permissions=permissions,
            )
        )


def queued(service: CallbackService, at: datetime = T0, **overrides: Any) -> UUID:
    return service.execute(request(at=at, **overrides)).callback_id  # type: ignore[no-any-return]


def assigned(service: CallbackService, agent_id: str, at: datetime = T0) -> UUID:
    callback_id = queued(service, at)
    service.execute(
        c.AssignCallbacks(
            caller=SUPERVISOR, at=at, callback_ids=(callback_id,), agent_ids=(agent_id,)
        )
    )
    return callback_id


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
