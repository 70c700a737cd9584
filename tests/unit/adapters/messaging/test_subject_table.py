"""The subject table drives everything: for every entry there is a subscription that reaches
it, its schemas, its AsyncAPI channel and its metric label; a handler returns its reply model.

Adding a subject is one table entry plus its handler: this fails until each of those exists.
"""

from __future__ import annotations

import json
import sys
import typing
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.messaging.publications import PUBLISHED
from adapters.messaging.routes import build_broker, find, label
from adapters.messaging.streams import EVENT_ADDRESSES, event_subject
from adapters.messaging.subjects import Subjects
from adapters.messaging.table import ANSWERED, SUBJECTS, subscriptions
from adapters.observability.service_metrics import ServiceMetrics
from callback_domain.errors import InvalidRequestError
from projections.event_record import EventRecord

if typing.TYPE_CHECKING:
    from adapters.messaging.context import ServiceContext

ROOT = Path(__file__).resolve().parents[4]
SCHEMAS = ROOT / "schemas" / "json"
ASYNCAPI = json.loads((ROOT / "schemas" / "asyncapi.json").read_text(encoding="utf-8"))
PREFIX = "callbacks"


def concrete(pattern: str) -> list[str]:
    """A real subject of a pattern, as tokens: `agent.{agent_id}.dial` → agent, kim, dial."""
    return [("kim" if t.startswith("{") else t) for t in pattern.split(".")]


def nats_match(wildcard: str, tokens: list[str]) -> bool:
    want = wildcard.split(".")
    return len(want) == len(tokens) and all(
        w in ("*", t) for w, t in zip(want, tokens, strict=True)
    )


class _Ctx:
    subjects = Subjects(PREFIX)


@pytest.mark.parametrize("subject", ANSWERED, ids=lambda s: s.name)
def test_a_subscription_reaches_each_request_reply_subject(subject: typing.Any) -> None:
    tokens = concrete(subject.pattern)
    subscribed = [p for p, carried in subscriptions().items() if nats_match(p, tokens)]
    ctx = typing.cast("ServiceContext", _Ctx())
    broker = build_broker(ctx, "nats://127.0.0.1:1")  # not connected: what it would subscribe
    on_broker = [s.subject.broker_address for s in broker.subscribers]  # type: ignore[attr-defined]

    assert len(subscribed) == 1, f"{subject.name}: subscribed by {subscribed}"
    assert f"{PREFIX}.{subscribed[0]}" in on_broker
    found, params = find(subscriptions()[subscribed[0]], tokens)
    assert found is subject
    assert params == {name: "kim" for name in subject.params.values()}


def test_no_subscription_catches_the_durable_intake_subject() -> None:
    assert not [p for p in subscriptions() if nats_match(p, ["intake", "submit"])]


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s.name)
def test_each_subject_has_its_schemas_and_asyncapi_channel(subject: typing.Any) -> None:
    channel = ASYNCAPI["channels"].get(subject.name)

    assert (SCHEMAS / f"{subject.name}.v1.json").exists()
    assert subject.reply is None or (SCHEMAS / f"reply.{subject.name}.v1.json").exists()
    assert channel is not None and channel["address"] == f"{PREFIX}.{subject.pattern}"
    operation = ASYNCAPI["operations"][f"serve.{subject.name}"]
    assert operation["x-roles"] == sorted(r.value for r in subject.roles)
    assert ("reply" in operation) == (subject.reply is not None)


@pytest.mark.parametrize("subject", ANSWERED, ids=lambda s: s.name)
def test_each_handler_returns_its_reply_model(subject: typing.Any) -> None:
    module = sys.modules[subject.handler.__module__]
    returned = eval(subject.handler.__annotations__["return"], vars(module))

    assert subject.reply is not None and issubclass(returned, subject.reply)


def test_each_subject_has_its_metric_label_from_the_start() -> None:
    rendered = ServiceMetrics("0.1.0").render().decode()

    for subject in ANSWERED:
        assert f'callbacks_requests_total{{subject="{subject.name}"}}' in rendered, subject.name
        assert label(subscriptions_of(subject), concrete(subject.pattern)) == subject.name


def subscriptions_of(subject: typing.Any) -> tuple[typing.Any, ...]:
    return next(c for c in subscriptions().values() if subject in c)


def test_an_unknown_verb_is_refused_naming_the_familys_verbs() -> None:
    agent = subscriptions()["agent.*.*"]

    with pytest.raises(InvalidRequestError) as refused:
        find(agent, ["agent", "kim", "fly"])

    assert "'fly'" in str(refused.value) and "dial-result" in str(refused.value)
    assert label(agent, ["agent", "kim", "fly"]) == "agent.other"


def test_a_deeper_group_of_a_family_is_a_subscription_of_its_own() -> None:
    found = subscriptions()
    sms = found["admin.sms.*"]

    assert {s.name for s in sms} == {
        "admin.sms.sender-upsert",
        "admin.sms.category-upsert",
        "admin.sms.template-upsert",
        "admin.sms.template-delete",
        "admin.sms.send",
        "admin.sms.cancel",
    }
    assert "admin.sms.templates" not in {s.name for s in found["admin.*"]}
    assert {s.name for s in found["query.sms.*"]} == {"query.sms.templates", "query.sms.messages"}
    with pytest.raises(InvalidRequestError) as refused:
        find(sms, ["admin", "sms", "resend"])
    assert "'resend'" in str(refused.value) and "template-upsert" in str(refused.value)
    assert label(sms, ["admin", "sms", "resend"]) == "admin.other"


@pytest.mark.parametrize("out", PUBLISHED, ids=lambda p: p.name)
def test_each_published_subject_has_its_channel_and_schema(out: typing.Any) -> None:
    channel = ASYNCAPI["channels"].get(out.name)

    assert (SCHEMAS / f"published.{out.schema}.v1.json").exists()
    assert channel is not None and channel["address"] == f"{PREFIX}.{out.address}"


@pytest.mark.parametrize("kind", sorted(EVENT_ADDRESSES))
def test_events_of_every_aggregate_kind_go_where_the_document_says(kind: str) -> None:
    record = EventRecord(
        position=1,
        aggregate=kind,
        aggregate_id=uuid.UUID(int=7),
        version=1,
        type="Happened",
        at=datetime(2026, 11, 30, tzinfo=UTC),
        actor=None,
        role=None,
        channel=None,
        data={"agent_id": "kim"},
    )
    sent = event_subject(PREFIX, record).split(".")
    documented = [
        c["address"] for c in ASYNCAPI["channels"].values() if "events." in (c["address"] or "")
    ]

    assert sum(nats_match(_wild(a), sent) for a in documented) == 1, (sent, documented)


def _wild(address: str) -> str:
    return ".".join("*" if t.startswith("{") else t for t in address.split("."))
