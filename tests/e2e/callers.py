"""Who is asking, in one place: one helper per kind of caller.

Today a caller names itself in the subject (`agent.{id}.…`) and the `Callbacks-Actor` /
`Callbacks-Role` headers; once callers carry tokens, only these helpers change.
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


def ivr(client: Client_) -> As:
    return As(client)


def admin(client: Client_, actor: str = "admin-1") -> As:
    return As(client, {"Callbacks_Actor": actor, "Callbacks_Role": "ADMIN"})


def supervisor(client: Client_, actor: str = "sv-han") -> As:
    return As(client, {"Callbacks_Actor": actor})


def assigner(client: Client_, agent_id: str) -> As:
    """An agent of the directory with the `assign` permission, on `admin.*`."""
    return As(client, {"Callbacks_Actor": agent_id})


def agent(client: Client_, agent_id: str) -> As:
    """An agent's desktop: it asks on `agent.{agent_id}.…`."""
    return As(client)


def monitor(client: Client_) -> As:
    return As(client)


def cti(client: Client_) -> As:
    return As(client)
