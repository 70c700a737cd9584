"""The SMS set-up over real NATS, against `callbacks serve`: sender numbers, two-level
categories, SMS and MMS templates, deletion, the template tree, each change on the event
stream with who did it, and a refusal per limit naming its field."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def jpeg(size: int) -> str:
    return base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * (size - 6) + b"\xff\xd9").decode()


def sms(template_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "template_id": template_id,
        "category_id": "reminders",
        "type": "SMS",
        "name": "Reminder",
        "sender": "1588-1234",
        "body": "고객님, 요청하신 시간에 연락드리겠습니다.",
    } | fields


def mms(template_id: str, **fields: Any) -> dict[str, Any]:
    return sms(template_id, type="MMS", subject="콜백 안내", images=[]) | fields


async def set_up(client: Client_) -> None:
    admin = who.admin(client)
    await admin.ok("admin.sms.sender-upsert", {"number": "1588-1234", "label": "대표번호"})
    await admin.ok("admin.sms.category-upsert", {"category_id": "callbacks", "name": "콜백"})
    await admin.ok(
        "admin.sms.category-upsert",
        {"category_id": "reminders", "name": "안내", "parent_id": "callbacks", "in_use": True},
    )


def templates_of(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        t["template_id"]: t
        for first in tree["categories"]
        for child in first["children"]
        for t in child["templates"]
    }


async def test_the_set_up_end_to_end(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    events: list[tuple[str, dict[str, Any]]] = []

    async def keep(msg: Any) -> None:
        events.append((msg.subject.split(".", 2)[2], json.loads(msg.data)))

    await client.nc.subscribe(f"{client.prefix}.events.sms-catalog.>", cb=keep)
    await client.nc.subscribe(f"{client.prefix}.events.sms-image.>", cb=keep)
    admin = who.admin(client)

    await set_up(client)
    sender = await admin.ok("admin.sms.sender-upsert", {"number": "15881234", "label": "대표번호"})
    first = await admin.ok("admin.sms.template-upsert", sms("t-sms"))
    picture = jpeg(2000)
    made = await admin.ok(
        "admin.sms.template-upsert",
        mms("t-mms", images=[{"name": "map.jpg", "jpeg_base64": picture}]),
    )
    await admin.ok("admin.sms.template-upsert", sms("t-off", in_use=False))
    await admin.ok(
        "admin.sms.category-upsert",
        {"category_id": "hidden", "name": "숨김", "parent_id": "callbacks", "in_use": False},
    )
    await admin.ok("admin.sms.template-upsert", sms("t-hidden", category_id="hidden"))
    gone = await admin.ok("admin.sms.template-delete", {"template_ids": ["t-off", "nope"]})

    assert (sender["number"], sender["created"], sender["changed"]) == ("15881234", False, False)
    assert first["created"] and made["template_id"] == "t-mms"
    assert (gone["deleted"], gone["not_found"]) == (["t-off"], ["nope"])

    everything = await who.supervisor(client).ok("query.sms.templates", {})
    usable = await who.supervisor(client).ok("query.sms.templates", {"usable_only": True})

    shown = templates_of(everything)
    assert {t: v["usable"] for t, v in shown.items()} == {
        "t-sms": True,
        "t-mms": True,
        "t-hidden": False,
    }
    assert shown["t-mms"]["images"][0]["name"] == "map.jpg"
    assert shown["t-mms"]["images"][0]["size"] == 2000
    assert shown["t-sms"]["sender"] == "15881234"
    assert set(templates_of(usable)) == {"t-sms", "t-mms"}
    assert everything["senders"] == [{"number": "15881234", "label": "대표번호"}]

    for _ in range(100):  # the relay publishes within moments
        if any(s.endswith(".TemplatesDeleted") for s, _ in events):
            break
        await asyncio.sleep(0.05)
    types = [subject.rsplit(".", 1)[1] for subject, _ in events]
    assert types[:4] == ["Opened", "SenderRegistered", "CategoryAdded", "CategoryAdded"]
    assert {"TemplateAdded", "Stored", "TemplatesDeleted"} <= set(types)
    assert {(e["actor"], e["role"], e["issuer"]) for _, e in events} == {
        ("admin-1", "ADMIN", "callbacks")
    }
    stored = next(e for s, e in events if s.endswith(".Stored"))
    assert stored["jpeg_base64"] == picture and stored["size"] == 2000


async def test_an_agent_with_call_reads_the_usable_templates(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await who.admin(client).ok(
        "admin.agent-upsert", {"agent_id": "kim", "name": "Kim", "permissions": ["call"]}
    )
    await set_up(client)
    await who.admin(client).ok("admin.sms.template-upsert", sms("t-1"))

    tree = await who.agent(client, "kim").ok("query.sms.templates", {"usable_only": True})
    refused = await who.monitor(client).ask("query.sms.templates", {})

    assert set(templates_of(tree)) == {"t-1"}
    assert refused["error"]["code"] == "forbidden"


# (subject, payload, field named, reason): one refusal per limit, through the wire.
REFUSALS = [
    ("admin.sms.template-upsert", sms("x", body="a" * 91), "body", "too_long"),
    ("admin.sms.template-upsert", sms("x", body="가" * 46), "body", "too_long"),
    ("admin.sms.template-upsert", mms("x", body="a" * 2001), "body", "too_long"),
    ("admin.sms.template-upsert", mms("x", subject="가" * 21), "subject", "too_long"),
    ("admin.sms.template-upsert", sms("x", subject="안내"), "subject", "not_allowed"),
    ("admin.sms.template-upsert", sms("x", body="감사합니다 😀"), "body", "not_encodable"),
    (
        "admin.sms.template-upsert",
        mms("x", images=[{"name": f"{n}.jpg", "jpeg_base64": jpeg(100)} for n in range(3)]),
        "images",
        "too_many",
    ),
    (
        "admin.sms.template-upsert",
        mms("x", images=[{"name": "big.jpg", "jpeg_base64": jpeg(300_001)}]),
        "images.0.jpeg_base64",
        "too_large",
    ),
    (
        "admin.sms.template-upsert",
        mms("x", images=[{"name": "a.png", "jpeg_base64": base64.b64encode(b"\x89PNG").decode()}]),
        "images.0.jpeg_base64",
        "not_jpeg",
    ),
    (
        "admin.sms.template-upsert",
        mms("x", images=[{"name": "a.jpg", "jpeg_base64": "%%%"}]),
        "images.0.jpeg_base64",
        "not_base64",
    ),
    ("admin.sms.template-upsert", sms("x", sender="02-123-4567"), "sender", "not_registered"),
    ("admin.sms.template-upsert", sms("x", category_id="callbacks"), "category_id", "first_level"),
    (
        "admin.sms.category-upsert",
        {"category_id": "deep", "name": "Deep", "parent_id": "reminders"},
        "parent_id",
        "too_deep",
    ),
    ("admin.sms.sender-upsert", {"number": "123-4567"}, "number", "wrong_length"),
]


async def test_each_limit_is_refused_naming_its_field_and_records_nothing(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await set_up(client)
    admin = who.admin(client)
    before = (await admin.ok("query.health", {}))["log_position"]

    wrong = []
    for subject, payload, field, reason in REFUSALS:
        reply = await admin.ask(subject, payload)
        details = reply.get("error", {}).get("details", [])
        if reply.get("error", {}).get("code") != "invalid_request" or [
            (d["field"], d.get("reason")) for d in details
        ] != [(field, reason)]:
            wrong.append((subject, field, reason, reply))

    assert wrong == []
    assert (await admin.ok("query.health", {}))["log_position"] == before
