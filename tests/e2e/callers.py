"""Who is asking, in one place: one helper per kind of caller.

Each caller carries a token of its own (actor and role), signed with the service's key
as `callbacks token issue` signs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import Client_


@dataclass(frozen=True, slots=True)
class As:
    """A client acting as one caller: `ok` (the data of a successful reply, checked against
    its schema) and `ask` (the whole reply envelope)."""

    client: Client_
    headers: dict[str, str] = field(default_factory=dict)

    async def ok(self, subject: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.client.ok(subject, body, **self.headers)

    async def ask(self, subject: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.client.ask(subject, body, **self.headers)


def _signed(client: Client_, actor: str, role: str) -> As:
    """A caller with a token of its own, signed by the service's key."""
    assert client.tokens is not None, "the client carries no tokens"
    return As(client, {"Authorization": f"Bearer {client.tokens.token(actor, role)}"})


def ivr(client: Client_, actor: str = "ivr") -> As:
    return _signed(client, actor, "IVR")


def admin(client: Client_, actor: str = "admin-1") -> As:
    return _signed(client, actor, "ADMIN")


def supervisor(client: Client_, actor: str = "sv-han") -> As:
    return _signed(client, actor, "SUPERVISOR")


def assigner(client: Client_, agent_id: str) -> As:
    """An agent of the directory with the `assign` permission: an agent's token, which
    acts as ASSIGNER on `admin.*` and `query.*`."""
    return _signed(client, agent_id, "AGENT")


def agent(client: Client_, agent_id: str) -> As:
    """An agent's desktop: it asks on `agent.{agent_id}.…` with the agent's token."""
    return _signed(client, agent_id, "AGENT")


def monitor(client: Client_, actor: str = "mon-1") -> As:
    return _signed(client, actor, "MONITOR")


def cti(client: Client_, actor: str = "cti") -> As:
    return _signed(client, actor, "CTI")
