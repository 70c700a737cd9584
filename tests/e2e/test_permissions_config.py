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
    "admin": "change-me-admin",
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
    ("agent-kim", "callbacks.query.sms.templates", True),
    ("agent-kim", "callbacks.admin.sms.sender-upsert", False),
    ("monitor", "callbacks.query.sms.templates", False),
    ("admin", "callbacks.admin.sms.template-upsert", True),
    ("agent-kim", "callbacks.intake.request", False),
    ("agent-boss", "callbacks.admin.create", True),
    ("agent-boss", "callbacks.admin.assign", True),
    ("agent-boss", "callbacks.admin.unassign", True),
    ("agent-boss", "callbacks.admin.cancel", True),
    ("agent-boss", "callbacks.admin.agent-upsert", False),
    ("agent-boss", "callbacks.agent.kim.dial", False),
    ("supervisor", "callbacks.admin.cancel", True),
    ("supervisor", "callbacks.admin.agent-upsert", False),
    ("supervisor", "callbacks.admin.user-upsert", False),
    ("admin", "callbacks.admin.agent-upsert", True),
    ("admin", "callbacks.admin.user-upsert", True),
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


# Every request subject, for every user of the sample config: the roles each user holds,
# and the expectation table of test_authorization_matrix.py (authorization_table.py).
USER_ROLES = {
    "ivr": {"IVR"},
    "agent-kim": {"AGENT"},
    "agent-boss": {"ASSIGNER"},
    "supervisor": {"SUPERVISOR"},
    "admin": {"ADMIN"},
    "monitor": {"MONITOR"},
    "cti": {"CTI"},
}
USER_AGENT = {"agent-kim": "kim", "agent-boss": "boss"}
REFUSED = {"forbidden", "unauthenticated"}


def _every_request_subject() -> list[str]:
    from tests.e2e.authorization_table import EXPECTED

    agents = [s for s in EXPECTED if s.startswith("agent.")]
    return [
        *(f"callbacks.{s}" for s in EXPECTED if s.split(".")[0] in ("intake", "admin", "query")),
        "callbacks.intake.submit",
        "callbacks.auth.login",
        "callbacks.auth.whoami",
        *(f"callbacks.agent.{a}.{s.split('.')[1]}" for a in ("kim", "lee", "boss") for s in agents),
        "callbacks.cti.presence.kim",
        "callbacks.notify.agent.kim",
        "callbacks.events.x.Requested",
        "callbacks.dead.intake",
    ]


def _may_publish(user: str, subject: str) -> bool:
    """As the role table says: a role may publish where some answer of its is not a refusal
    (a route- or owner-dependent answer counts); logging in is for people."""
    from tests.e2e.authorization_table import EXPECTED

    roles = USER_ROLES[user]
    parts = subject.split(".")
    if parts[1] == "agent":
        return USER_AGENT.get(user) == parts[2]
    if parts[1] in ("notify", "events", "dead"):
        return False  # published by the service only
    if subject == "callbacks.intake.submit":
        return "IVR" in roles
    if subject == "callbacks.auth.login":
        return not roles & {"IVR", "CTI"}  # systems get issued tokens
    name = "cti.presence" if parts[1] == "cti" else ".".join(parts[1:])
    return any(
        not {c for c in EXPECTED[name][role].replace("?", ":").split(":")} <= REFUSED
        for role in roles
    )


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


async def test_each_user_reads_replies_on_its_own_inbox_prefix_only(
    start_nats: Callable[..., EmbeddedNatsServer],
) -> None:
    """A reply meant for the supervisor (customers' phone numbers) cannot be captured by an
    agent's connection: `_INBOX.>` and other users' prefixes are refused to it."""
    server = start_nats(CONFIG)
    service = await nats.connect(server.url, user="callbacks-service", password="change-me-service")

    async def answer(msg: Any) -> None:
        await msg.respond(b"+82 10-1234-5678")

    await service.subscribe("callbacks.query.list", cb=answer)
    await service.flush()
    refusals: list[str] = []

    async def error(e: Exception) -> None:
        refusals.append(str(e))

    agent = await nats.connect(
        server.url,
        user="agent-kim",
        password=PASSWORDS["agent-kim"],
        inbox_prefix="_INBOX_agent-kim",
        error_cb=error,
    )
    captured: list[bytes] = []

    async def capture(msg: Any) -> None:
        captured.append(msg.data)

    for spying in ("_INBOX.>", "_INBOX_supervisor.>", ">"):
        await agent.subscribe(spying, cb=capture)
    await agent.flush()
    supervisor = await nats.connect(
        server.url,
        user="supervisor",
        password=PASSWORDS["supervisor"],
        inbox_prefix="_INBOX_supervisor",
    )
    reply = await supervisor.request("callbacks.query.list", b"{}", timeout=5)
    await asyncio.sleep(0.3)
    assert reply.data == b"+82 10-1234-5678"
    assert captured == []
    assert sum("permissions violation" in r.lower() for r in refusals) >= 3, refusals
    # And without its own prefix, a client cannot even receive its replies.
    default_inbox = await nats.connect(
        server.url, user="monitor", password=PASSWORDS["monitor"], error_cb=error
    )
    with pytest.raises(nats.errors.TimeoutError):
        await default_inbox.request("callbacks.query.list", b"{}", timeout=1)
    for nc in (agent, supervisor, default_inbox, service):
        await nc.close()
