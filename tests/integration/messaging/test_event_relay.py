"""The relay: every event of a real event store onto CALLBACK_EVENTS, once and in log order."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from adapters.database import SQLITE, Database
from adapters.messaging.event_relay import NOTIFY_KEY, EventRelay
from adapters.messaging.streams import EVENTS, ensure_streams, stream_name
from adapters.read_store import open_read_factory, tracking_recorder
from projections.event_record import EventRecord
from tests.factories import add_agents, assigned, queued

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from eventsourcing.persistence import Tracking, TrackingRecorder
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext
    from nats.js.api import RawStreamMsg

    from callback_domain.application import CallbackService

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
WAIT = 15.0  # seconds: the longest any test waits for the relay


@pytest.fixture
def tracking(service: CallbackService, database_url: str) -> Iterator[TrackingRecorder]:
    """The relay's positions, in the read store (after `service`: it prepares the database)."""
    db = Database.parse(database_url)
    factory = open_read_factory(db, pool_size=2)
    yield tracking_recorder(
        factory, SQLiteTrackingRecorder if db.kind == SQLITE else PostgresTrackingRecorder
    )
    factory.close()


class CrashingTracking:
    """A tracking recorder whose next write fails: the relay dies between publish and record."""

    def __init__(self, inner: TrackingRecorder) -> None:
        self.inner = inner

    def insert_tracking(self, tracking: Tracking) -> None:
        msg = "crashed before recording the position"
        raise RuntimeError(msg)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def history(service: CallbackService) -> None:
    """Agent, Callback and PhoneLine events."""
    add_agents(service, "a-1", "a-2")
    for _ in range(3):
        assigned(service, "a-1")
    queued(service)


def log_records(service: CallbackService) -> list[EventRecord]:
    notifications = service.recorder.select_notifications(1, 100_000)
    return [EventRecord.of(service.mapper.to_domain_event(n), n.id) for n in notifications]


async def stream_messages(js: JetStreamContext, prefix: str) -> list[RawStreamMsg]:
    name = stream_name(EVENTS, prefix)
    info = await js.stream_info(name)
    return [
        await js.get_msg(name, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
        if info.state.messages
    ]


def expected_subject(prefix: str, record: EventRecord) -> str:
    if record.aggregate == "Callback":
        return f"{prefix}.events.{record.aggregate_id}.{record.type}"
    if record.aggregate == "Agent":
        return f"{prefix}.events.agent.{record.data['agent_id']}.{record.type}"
    if record.aggregate == "PolicyBook":
        return f"{prefix}.events.policies.{record.aggregate_id}.{record.type}"
    return f"{prefix}.events.line.{record.aggregate_id}.{record.type}"


async def assert_stream_holds_the_log_once(
    js: JetStreamContext, prefix: str, service: CallbackService
) -> None:
    records = log_records(service)
    messages = await stream_messages(js, prefix)
    assert len(messages) == len(records)
    for message, record in zip(messages, records, strict=True):
        assert message.subject == expected_subject(prefix, record)
        assert message.headers is not None
        assert message.headers["Nats-Msg-Id"] == f"{record.aggregate_id}:{record.version}"
        assert json.loads(message.data or b"") == record.as_json()


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while True:
            outcome = check()
            if outcome if isinstance(outcome, bool) else await outcome:
                return
            await asyncio.sleep(0.05)


class TestPublishing:
    async def test_publishes_every_event_once_in_log_order_with_subject_header_and_body(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        history(service)
        head = service.recorder.max_notification_id()
        sut = EventRelay(service=service, tracking=tracking, js=js, prefix=stream_prefix)

        published = await sut.run_once()

        assert published == head
        assert await sut.run_once() == 0
        await assert_stream_holds_the_log_once(js, stream_prefix, service)
        assert {r.aggregate for r in log_records(service)} == {"Agent", "Callback", "PhoneLine"}
        assert [
            json.loads(m.data or b"")["position"] for m in await stream_messages(js, stream_prefix)
        ] == list(range(1, head + 1))
        assert sut.stats.published == head
        assert sut.stats.position == head
        assert sut.lag() == 0
        assert tracking.max_tracking_id("relay") == head

    async def test_small_batches_and_later_events_continue_the_same_stream(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        history(service)
        sut = EventRelay(
            service=service, tracking=tracking, js=js, prefix=stream_prefix, batch_size=4
        )
        while await sut.run_once():
            pass
        assigned(service, "a-2")
        assert sut.lag() > 0

        sizes = [n async for n in drain(sut)]

        assert sizes and all(n <= 4 for n in sizes)
        assert sut.lag() == 0
        await assert_stream_holds_the_log_once(js, stream_prefix, service)

    async def test_wake_publishes_at_once_without_waiting_for_the_poll(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        sut = EventRelay(
            service=service, tracking=tracking, js=js, prefix=stream_prefix, poll_interval=60
        )
        stop = asyncio.Event()
        task = asyncio.create_task(sut.run(stop))
        try:
            await eventually(lambda: sut.stats.resyncs >= 1)  # it has looked at the stream
            history(service)
            head = service.recorder.max_notification_id()

            sut.wake()

            await eventually(lambda: sut.stats.position == head, timeout=5)
        finally:
            stop.set()
            sut.wake()
            await asyncio.wait_for(task, WAIT)
        await assert_stream_holds_the_log_once(js, stream_prefix, service)


class TestRecovery:
    async def test_a_crash_between_publish_and_record_leaves_each_event_once_after_restart(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        history(service)
        head = service.recorder.max_notification_id()
        crashed = EventRelay(
            service=service,
            tracking=CrashingTracking(tracking),  # type: ignore[arg-type]
            js=js,
            prefix=stream_prefix,
        )
        with pytest.raises(RuntimeError, match="crashed before recording"):
            await crashed.run_once()
        assert len(await stream_messages(js, stream_prefix)) == head
        assert tracking.max_tracking_id("relay") is None
        assigned(service, "a-2")

        restarted = EventRelay(service=service, tracking=tracking, js=js, prefix=stream_prefix)
        await restarted.run_once()

        await assert_stream_holds_the_log_once(js, stream_prefix, service)
        assert tracking.max_tracking_id("relay") == service.recorder.max_notification_id()
        assert restarted.lag() == 0

    async def test_a_stale_relay_republishing_a_batch_adds_nothing_and_catches_up(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        first = EventRelay(service=service, tracking=tracking, js=js, prefix=stream_prefix)
        stale = EventRelay(service=service, tracking=tracking, js=js, prefix=stream_prefix)
        await first.run_once()
        await stale.run_once()  # both now believe the stream is empty
        history(service)
        head = service.recorder.max_notification_id()
        await first.run_once()
        stop = asyncio.Event()

        task = asyncio.create_task(stale.run(stop))
        try:
            await eventually(lambda: stale.stats.position == head and stale.stats.errors >= 1)
        finally:
            stop.set()
            await asyncio.wait_for(task, WAIT)

        assert stale.stats.published == 0
        await assert_stream_holds_the_log_once(js, stream_prefix, service)

    async def test_records_nothing_while_the_stream_is_down_and_catches_up_when_it_is_back(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        stream_prefix: str,
    ) -> None:
        history(service)
        head = service.recorder.max_notification_id()
        await js.delete_stream(stream_name(EVENTS, stream_prefix))
        sut = EventRelay(service=service, tracking=tracking, js=js, prefix=stream_prefix)
        stop = asyncio.Event()
        task = asyncio.create_task(sut.run(stop))
        try:
            await eventually(lambda: sut.stats.errors >= 1)
            assert tracking.max_tracking_id("relay") is None
            assert sut.stats.last_error

            await ensure_streams(js, stream_prefix)

            await eventually(lambda: sut.stats.position == head)
        finally:
            stop.set()
            await asyncio.wait_for(task, WAIT)
        await assert_stream_holds_the_log_once(js, stream_prefix, service)
        assert tracking.max_tracking_id("relay") == head


class TestNotifier:
    async def test_publishes_the_notifiers_messages_after_the_stream_acknowledged_the_batch(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        nc: Client,
        stream_prefix: str,
    ) -> None:
        history(service)
        head = service.recorder.max_notification_id()
        in_stream_when_notified: list[int] = []

        async def notifier(records: list[EventRecord]) -> list[tuple[str, bytes]]:
            in_stream_when_notified.append(len(await stream_messages(js, stream_prefix)))
            return [
                (f"{stream_prefix}.notify.test", json.dumps([r.position for r in records]).encode())
            ]

        received: list[list[int]] = []

        async def collect(message: Msg) -> None:
            received.append(json.loads(message.data))

        sub = await nc.subscribe(f"{stream_prefix}.notify.>", cb=collect)
        sut = EventRelay(
            service=service,
            tracking=tracking,
            js=js,
            prefix=stream_prefix,
            notifier=notifier,
            nc=nc,
        )

        await sut.run_once()

        await eventually(lambda: len(received) == 1, timeout=5)
        await sub.unsubscribe()
        assert received == [list(range(1, head + 1))]
        assert in_stream_when_notified == [head]
        assert tracking.max_tracking_id(NOTIFY_KEY) == head

    async def test_a_notifier_failure_repeats_the_notifications_but_not_the_events(
        self,
        service: CallbackService,
        tracking: TrackingRecorder,
        js: JetStreamContext,
        nc: Client,
        stream_prefix: str,
    ) -> None:
        history(service)
        head = service.recorder.max_notification_id()
        notified: list[int] = []

        async def failing(records: list[EventRecord]) -> list[tuple[str, bytes]]:
            msg = "the views are down"
            raise RuntimeError(msg)

        async def working(records: list[EventRecord]) -> list[tuple[str, bytes]]:
            notified.extend(r.position for r in records)
            return []

        with pytest.raises(RuntimeError, match="views are down"):
            await EventRelay(
                service=service,
                tracking=tracking,
                js=js,
                prefix=stream_prefix,
                notifier=failing,
                nc=nc,
            ).run_once()
        restarted = EventRelay(
            service=service, tracking=tracking, js=js, prefix=stream_prefix, notifier=working, nc=nc
        )

        await restarted.run_once()

        assert notified == list(range(1, head + 1))
        assert restarted.stats.published == 0
        await assert_stream_holds_the_log_once(js, stream_prefix, service)
        assert tracking.max_tracking_id(NOTIFY_KEY) == head


async def drain(relay: EventRelay) -> Any:
    while n := await relay.run_once():
        yield n
