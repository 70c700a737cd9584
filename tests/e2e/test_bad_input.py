"""Bad input over NATS: each kind gets its documented error reply and records nothing."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
GOOD = {"request_id": "ivr-1", "phone": "+82 10-1234-5678", "route": "billing"}

CASES: list[tuple[str, str, bytes | dict[str, Any], dict[str, str], str, set[str]]] = [
    # (what, subject, body, headers, code, fields named in details)
    ("not JSON", "intake.request", b"{oops", {}, "invalid_request", {"(body)"}),
    ("not an object", "intake.request", b"[1, 2]", {}, "invalid_request", {"(body)"}),
    ("not UTF-8", "intake.request", b'{"phone": "\xff"}', {}, "invalid_request", {"(body)"}),
    (
        "missing fields",
        "intake.request",
        {},
        {},
        "invalid_request",
        {"request_id", "phone", "route"},
    ),
    (
        "unknown field",
        "intake.request",
        {**GOOD, "colour": "red"},
        {},
        "invalid_request",
        {"colour"},
    ),
    (
        "phone too short",
        "intake.request",
        {**GOOD, "phone": "123"},
        {},
        "invalid_request",
        {"phone"},
    ),
    (
        "phone letters",
        "intake.request",
        {**GOOD, "phone": "call me"},
        {},
        "invalid_request",
        {"phone"},
    ),
    ("route empty", "intake.request", {**GOOD, "route": "  "}, {}, "invalid_request", {"route"}),
    (
        "route too long",
        "intake.request",
        {**GOOD, "route": "r" * 101},
        {},
        "invalid_request",
        {"route"},
    ),
    (
        "remark too long",
        "intake.request",
        {**GOOD, "remark": "x" * 501},
        {},
        "invalid_request",
        {"remark"},
    ),
    (
        "no offset",
        "intake.request",
        {**GOOD, "desired_time": "2030-01-01T10:00:00"},
        {},
        "invalid_request",
        {"desired_time"},
    ),
    (
        "in the past",
        "intake.request",
        {**GOOD, "desired_time": "2020-01-01T10:00:00+09:00"},
        {},
        "invalid_request",
        {"desired_time"},
    ),
    (
        "beyond 30 days",
        "intake.request",
        {**GOOD, "desired_time": "2099-01-01T10:00:00+09:00"},
        {},
        "invalid_request",
        {"desired_time"},
    ),
    (
        "time zone",
        "intake.request",
        {**GOOD, "customer_timezone": "Mars/Base"},
        {},
        "invalid_request",
        {"customer_timezone"},
    ),
    (
        "wrong type",
        "intake.request",
        {**GOOD, "phone": 821012345678},
        {},
        "invalid_request",
        {"phone"},
    ),
    (
        "two routings",
        "intake.request",
        {**GOOD, "routing": {"agent": "kim", "team": "t"}},
        {},
        "invalid_request",
        {"routing.team"},
    ),
    ("unknown agent verb", "agent.kim.fly", {}, {}, "invalid_request", {"(subject)"}),
    (
        "unknown admin verb",
        "admin.explode",
        {},
        {"as": "sv/SUPERVISOR"},
        "invalid_request",
        {"(subject)"},
    ),
    ("unknown query", "query.everything", {}, {}, "invalid_request", {"(subject)"}),
    (
        "no token",
        "admin.cancel",
        {"callback_ids": [str(uuid.uuid4())]},
        {"Authorization": ""},
        "unauthenticated",
        set(),
    ),
    (
        "a role claimed in headers, no valid token",
        "admin.cancel",
        {"callback_ids": [str(uuid.uuid4())]},
        {"Callbacks-Actor": "x", "Callbacks-Role": "ADMIN", "Authorization": "Bearer x.y.z"},
        "unauthenticated",
        set(),
    ),
    (
        "not a uuid",
        "agent.kim.dial",
        {"callback_id": "nope"},
        {},
        "invalid_request",
        {"callback_id"},
    ),
    (
        "unknown callback",
        "agent.kim.dial",
        {"callback_id": str(uuid.uuid4())},
        {},
        "not_found",
        set(),
    ),
    (
        "forbidden: agent edits directory",
        "admin.agent-upsert",
        {"agent_id": "kim", "name": "Kim"},
        {"as": "kim/AGENT"},
        "forbidden",
        set(),
    ),
    (
        "forbidden: supervisor edits directory",
        "admin.agent-upsert",
        {"agent_id": "x", "name": "X"},
        {"as": "sv/SUPERVISOR"},
        "forbidden",
        set(),
    ),
    ("not found", "query.get", {"callback_id": str(uuid.uuid4())}, {}, "not_found", set()),
    (
        "bulk too large",
        "admin.assign",
        {"callback_ids": [str(uuid.uuid4()) for _ in range(1001)], "agent_ids": ["kim"]},
        {"as": "sv/SUPERVISOR"},
        "invalid_request",
        {"callback_ids"},
    ),
]


async def test_each_kind_of_bad_input_is_answered_and_records_nothing(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await client.ok("admin.agent-upsert", {"agent_id": "kim", "name": "Kim"})
    before = (await client.ok("query.health"))["log_position"]
    failures = []
    assert client.tokens is not None
    for what, subject, body, given, code, fields in CASES:
        headers = dict(given)
        if "as" in headers:  # a caller's token: "actor/ROLE"
            headers.update(client.tokens.headers(*headers.pop("as").split("/")))
        if isinstance(body, bytes):
            reply = await client.raw(subject, body, headers or None)
        else:
            reply = await client.raw(subject, json.dumps(body).encode(), headers or None)
        error = reply.get("error") or {}
        named = {d.get("field") for d in error.get("details", [])}
        if (
            reply.get("ok") is not False
            or error.get("code") != code
            or not fields <= named
            or not error.get("message")
        ):
            failures.append((what, reply))

    assert failures == []
    assert (await client.ok("query.health"))["log_position"] == before, (
        "a refused request recorded events"
    )
    # And the service still serves.
    assert (await client.ok("intake.request", GOOD))["state"] == "QUEUED"


async def test_a_huge_field_is_refused(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    # NATS itself refuses messages over its max_payload (1 MiB by default), the same
    # bound the service puts on a body; below it, every field has its own bound.
    launch()
    huge = b'{"request_id": "' + b"x" * (900 * 1024) + b'", "phone": "0212345678", "route": "r"}'
    before = (await client.ok("query.health"))["log_position"]  # the policies recorded at start

    reply = await client.raw("intake.request", huge)

    assert reply["ok"] is False and reply["error"]["code"] == "invalid_request"
    assert {d["field"] for d in reply["error"]["details"]} == {"request_id"}
    assert (await client.ok("query.health"))["log_position"] == before
