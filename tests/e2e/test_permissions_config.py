"""The sample NATS permissions (deploy/nats/permissions.conf) against a real nats-server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "permissions.conf"
PASSWORDS = {
    "ivr": "change-me-ivr",
    "agent-kim": "change-me-kim",
    "agent-boss": "change-me-boss",
    "supervisor": "change-me-supervisor",
    "monitor": "change-me-monitor",
    "cti": "change-me-cti",
}

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
    ("agent-boss", "callbacks.admin.create", True),
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


async def listening_service(server: EmbeddedNatsServer) -> tuple[Any, set[tuple[str, str]]]:
    """The service's user subscribed to everything: (its connection, what arrived as
    (body, subject))."""
    service = await nats.connect(server.url, user="callbacks-service", password="change-me-service")
    arrived: set[tuple[str, str]] = set()

    async def seen(msg: object) -> None:
        arrived.add((msg.data.decode(), msg.subject))  # type: ignore[attr-defined]

    await service.subscribe("callbacks.>", cb=seen)
    await service.flush()
    return service, arrived


async def publish_as(
    server: EmbeddedNatsServer,
    user: str,
    subjects: list[str],
    allowed: set[str],
    arrived: set[tuple[str, str]],
) -> list[str]:
    """Publishes `user`'s name on each subject; returns the server's refusals. Waits until
    the client has read one refusal per subject outside `allowed` and the service has seen
    every allowed one (or 10 s have passed): closing with unread refusals in the socket makes
    the kernel reset the connection, and the server drops what it had not read yet."""
    refusals: list[str] = []

    async def error(e: Exception) -> None:
        refusals.append(str(e))

    nc = await nats.connect(
        server.url, user=user, password=PASSWORDS[user], error_cb=error, allow_reconnect=False
    )
    for subject in subjects:
        await nc.publish(subject, user.encode())
    await nc.flush()
    denied = sum(subject not in allowed for subject in subjects)
    expected = {(user, subject) for subject in subjects if subject in allowed}
    deadline = asyncio.get_running_loop().time() + 10  # a loaded machine delivers late, not never
    while (
        len(refusals) < denied or not expected <= arrived
    ) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    await nc.close()
    return refusals


async def test_each_user_publishes_exactly_where_its_role_allows(
    start_nats: Callable[..., EmbeddedNatsServer],
) -> None:
    server = start_nats(CONFIG)
    service, arrived = await listening_service(server)
    denied: list[str] = []
    for user in PASSWORDS:
        mine = [subject for who, subject, _ in MATRIX if who == user]
        allowed = {subject for who, subject, may in MATRIX if who == user and may}
        denied += await publish_as(server, user, mine, allowed, arrived)
    await asyncio.sleep(0.3)  # room for one that should not arrive
    await service.close()

    for user, subject, allowed in MATRIX:
        assert ((user, subject) in arrived) is allowed, (user, subject, allowed)
    assert any("permissions violation" in d.lower() for d in denied), denied


# Every request subject of CONTRACT.md, for every user of the sample config: the roles each
# user holds, and the (role, subject) table of test_authorization_matrix.py.
USER_ROLES = {
    "ivr": {"IVR"},
    "agent-kim": {"AGENT"},
    "agent-boss": {"ASSIGNER"},
    "supervisor": {"SUPERVISOR", "ADMIN"},
    "monitor": {"MONITOR"},
    "cti": {"CTI"},
}
USER_AGENT = {"agent-kim": "kim", "agent-boss": "boss"}
# Where the sample config is meant to be narrower than the service: nowhere (each user
# may publish exactly what its roles may do).
NARROWER: set[tuple[str, str]] = set()


def _every_request_subject() -> list[str]:
    from tests.e2e.test_authorization_matrix import (
        ADMIN_VERBS,
        AGENT_VERBS,
        INTAKE_VERBS,
        QUERY_NAMES,
    )

    return [
        *(f"callbacks.intake.{v}" for v in [*INTAKE_VERBS, "submit"]),
        *(f"callbacks.agent.{a}.{v}" for a in ("kim", "lee", "boss") for v in AGENT_VERBS),
        *(f"callbacks.admin.{v}" for v in ADMIN_VERBS),
        *(f"callbacks.query.{n}" for n in QUERY_NAMES),
        "callbacks.cti.presence.kim",
        "callbacks.notify.agent.kim",
        "callbacks.events.x.Requested",
        "callbacks.dead.intake",
    ]


def _may_publish(user: str, subject: str) -> bool:
    from tests.e2e.test_authorization_matrix import ALLOWED

    roles = USER_ROLES[user]
    parts = subject.split(".")
    if parts[1] == "agent":
        return USER_AGENT.get(user) == parts[2]
    if parts[1] == "cti":
        return "CTI" in roles
    if parts[1] in ("notify", "events", "dead"):
        return False  # published by the service only
    if subject == "callbacks.intake.submit":
        return "IVR" in roles
    if (user, subject) in NARROWER:
        return False
    return bool(roles & ALLOWED[".".join(parts[1:3])])


async def test_each_user_publishes_on_every_request_subject_exactly_as_its_role_allows(
    start_nats: Callable[..., EmbeddedNatsServer],
) -> None:
    server = start_nats(CONFIG)
    service, arrived = await listening_service(server)
    subjects = _every_request_subject()
    for user in USER_ROLES:
        await publish_as(
            server, user, subjects, {s for s in subjects if _may_publish(user, s)}, arrived
        )
    await asyncio.sleep(0.3)  # room for one that should not arrive
    await service.close()

    wrong = [
        (user, subject, "may" if _may_publish(user, subject) else "may not")
        for user in USER_ROLES
        for subject in subjects
        if ((user, subject) in arrived) is not _may_publish(user, subject)
    ]
    assert wrong == [], (
        f"{len(wrong)} cells differ from the role table (user, subject, expected): {wrong}"
    )
