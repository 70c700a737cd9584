"""The JetStream streams: created or updated in place, and never capturing a request subject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from nats.errors import NoRespondersError
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from adapters.messaging.streams import (
    DEAD_LETTERS,
    EVENTS,
    INTAKE,
    ensure_streams,
    event_subject,
    msg_id,
    stream_name,
)
from adapters.messaging.table import ANSWERED
from projections.event_record import EventRecord

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js import JetStreamContext

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def request_subjects(prefix: str) -> list[str]:
    """Every request/reply subject of CONTRACT.md under `prefix`."""
    return [f"{prefix}.{s.pattern.format(agent_id='a-17')}" for s in ANSWERED]


def record(aggregate: str, type_: str, **data: object) -> EventRecord:
    return EventRecord(
        position=7,
        aggregate=aggregate,
        aggregate_id=uuid.UUID(int=42),
        version=3,
        type=type_,
        at=datetime(2026, 11, 23, tzinfo=UTC),
        actor="a",
        role="admin",
        channel="test",
        data=data,
    )


class TestEnsureStreams:
    async def test_creates_the_three_streams_of_the_contract(
        self, js: JetStreamContext, stream_prefix: str
    ) -> None:
        intake = (await js.stream_info(stream_name(INTAKE, stream_prefix))).config
        events = (await js.stream_info(stream_name(EVENTS, stream_prefix))).config
        dead = (await js.stream_info(stream_name(DEAD_LETTERS, stream_prefix))).config

        assert intake.subjects == [f"{stream_prefix}.intake.submit"]
        assert intake.retention == RetentionPolicy.WORK_QUEUE
        assert not intake.max_age  # a submitted request is never dropped
        assert intake.max_msgs in (None, -1)
        assert intake.max_bytes in (None, -1)
        assert events.subjects == [f"{stream_prefix}.events.>"]
        assert events.retention == RetentionPolicy.LIMITS
        assert events.duplicate_window is not None and events.duplicate_window >= 3600
        assert events.allow_direct is True
        assert dead.subjects == [f"{stream_prefix}.dead.>"]
        assert dead.retention == RetentionPolicy.LIMITS
        assert {c.storage for c in (intake, events, dead)} == {StorageType.FILE}

    async def test_keeps_the_default_names_under_the_default_prefix(self) -> None:
        assert stream_name(EVENTS, "callbacks") == "CALLBACK_EVENTS"
        assert stream_name(INTAKE, "callbacks") == "CALLBACK_INTAKE"
        assert stream_name(DEAD_LETTERS, "callbacks") == "CALLBACK_DEAD_LETTERS"

    async def test_running_twice_changes_nothing_and_keeps_the_messages(
        self, js: JetStreamContext, stream_prefix: str
    ) -> None:
        name = stream_name(EVENTS, stream_prefix)
        await js.publish(
            f"{stream_prefix}.events.x.Requested", b"{}", headers={"Nats-Msg-Id": "x:1"}
        )
        before = await js.stream_info(name)

        await ensure_streams(js, stream_prefix)
        await ensure_streams(js, stream_prefix)

        after = await js.stream_info(name)
        assert after.config == before.config
        assert after.created == before.created
        assert after.state.messages == 1

    async def test_updates_an_existing_stream_in_place(self, js: JetStreamContext) -> None:
        prefix = f"t{uuid.uuid4().hex[:10]}"
        name = stream_name(EVENTS, prefix)
        await js.add_stream(
            StreamConfig(
                name=name,
                subjects=[f"{prefix}.events.>"],
                storage=StorageType.FILE,
                duplicate_window=120,
                description="an older deployment's",
            )
        )
        await js.publish(f"{prefix}.events.x.Requested", b"{}", headers={"Nats-Msg-Id": "x:1"})
        created = (await js.stream_info(name)).created
        try:
            await ensure_streams(js, prefix, duplicate_window=7200)

            info = await js.stream_info(name)
            assert info.config.duplicate_window == 7200
            assert info.config.allow_direct is True
            assert info.created == created  # updated, not deleted and created again
            assert info.state.messages == 1
        finally:
            for base in (INTAKE, EVENTS, DEAD_LETTERS):
                await js.delete_stream(stream_name(base, prefix))


class TestRequestSubjects:
    async def test_no_request_subject_is_captured_by_a_stream(
        self, js: JetStreamContext, stream_prefix: str
    ) -> None:
        for subject in request_subjects(stream_prefix):
            with pytest.raises(NotFoundError):
                await js.find_stream_name_by_subject(subject)

    async def test_a_request_nobody_serves_gets_no_responders_not_a_stream_ack(
        self, nc: Client, stream_prefix: str
    ) -> None:
        for subject in request_subjects(stream_prefix):
            with pytest.raises(NoRespondersError):
                await nc.request(subject, b"{}", timeout=2)

    async def test_intake_submit_is_the_durable_subject(
        self, js: JetStreamContext, stream_prefix: str
    ) -> None:
        found = await js.find_stream_name_by_subject(f"{stream_prefix}.intake.submit")

        assert found == stream_name(INTAKE, stream_prefix)


class TestEventSubjects:
    async def test_a_callback_event_goes_under_its_callback_id(self) -> None:
        sut = record("Callback", "Assigned", agent_id="a-17")

        assert event_subject("callbacks", sut) == f"callbacks.events.{uuid.UUID(int=42)}.Assigned"
        assert msg_id(sut) == f"{uuid.UUID(int=42)}:3"

    async def test_an_agent_event_goes_under_the_agent_id(self) -> None:
        sut = record("Agent", "PresenceChanged", agent_id="a-17")

        assert event_subject("cb", sut) == "cb.events.agent.a-17.PresenceChanged"

    async def test_a_phone_line_event_goes_under_the_line(self) -> None:
        sut = record("PhoneLine", "Opened")

        assert event_subject("cb", sut) == f"cb.events.line.{uuid.UUID(int=42)}.Opened"

    async def test_a_policy_book_event_goes_under_policies_not_under_a_line(self) -> None:
        sut = record("PolicyBook", "PoliciesRecorded")

        assert (
            event_subject("cb", sut) == f"cb.events.policies.{uuid.UUID(int=42)}.PoliciesRecorded"
        )
