"""The sample NATS permissions (deploy/nats/permissions.conf) against a real nats-server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import nats
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "permissions.conf"
PASSWORDS = {"ivr": "change-me-ivr", "agent-kim": "change-me-kim", "agent-boss": "change-me-boss",
             "supervisor": "change-me-supervisor", "monitor": "change-me-monitor", "cti": "change-me-cti"}

# (user, subject, may publish?)
MATRIX = [
    ("ivr", "callbacks.intake.request", True),
    ("ivr", "callbacks.intake.submit", True),
    ("ivr", "callbacks.admin.cancel", False),
    ("ivr", "callbacks.agent.kim.dial", False),
    ("agent-kim", "callbacks.agent.kim.dial", True),
    ("agent-kim", "callbacks.agent.kim.list", True),
    ("agent-kim", "callbacks.agent.lee.dial", False),
    ("agent-kim", "callbacks.admin.assign", False),
    ("agent-kim", "callbacks.admin.cancel", False),
    ("agent-kim", "callbacks.query.list", False),
    ("agent-kim", "callbacks.intake.request", False),
    ("agent-boss", "callbacks.admin.assign", True),
    ("agent-boss", "callbacks.admin.unassign", True),
    ("agent-boss", "callbacks.admin.cancel", False),
    ("agent-boss", "callbacks.agent.kim.dial", False),
    ("supervisor", "callbacks.admin.cancel", True),
    ("supervisor", "callbacks.admin.agent-upsert", True),
    ("supervisor", "callbacks.query.list", True),
    ("supervisor", "callbacks.agent.kim.dial", False),
    ("monitor", "callbacks.query.treatment-rate", True),
    ("monitor", "callbacks.admin.assign", False),
    ("monitor", "callbacks.intake.request", False),
    ("cti", "callbacks.cti.presence.kim", True),
    ("cti", "callbacks.admin.assign", False),
]


async def test_each_user_publishes_exactly_where_its_role_allows(
    start_nats: Callable[..., EmbeddedNatsServer],
) -> None:
    server = start_nats(CONFIG)
    service = await nats.connect(server.url, user="callbacks-service", password="change-me-service")
    arrived: set[tuple[str, str]] = set()

    async def seen(msg: object) -> None:
        arrived.add((msg.data.decode(), msg.subject))  # type: ignore[attr-defined]

    await service.subscribe("callbacks.>", cb=seen)
    await service.flush()
    denied: list[str] = []

    async def error(e: Exception) -> None:
        denied.append(str(e))

    for user in PASSWORDS:
        nc = await nats.connect(server.url, user=user, password=PASSWORDS[user], error_cb=error,
                                allow_reconnect=False)
        for who, subject, _ in MATRIX:
            if who == user:
                await nc.publish(subject, user.encode())
        await nc.flush()
        await nc.close()
    await asyncio.sleep(0.3)
    await service.close()

    for user, subject, allowed in MATRIX:
        assert ((user, subject) in arrived) is allowed, (user, subject, allowed)
    assert any("permissions violation" in d.lower() for d in denied), denied
