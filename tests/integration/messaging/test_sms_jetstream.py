"""The JetStream SMS provider and the gateway's reports, on a real NATS server: what the
gateway receives, one message per id however often it is handed over, and every report
recorded once, including those sent while no consumer ran."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from typing import TYPE_CHECKING, Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from adapters.messaging.streams import DEAD_LETTERS, stream_name
from adapters.sms.jetstream import OUTBOUND, STATUS, JetStreamProvider, sms_stream_configs
from adapters.sms.port import Image, Outbound
from adapters.sms.status import ReportRefused, StatusConsumer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def sms_prefix(js: JetStreamContext, stream_prefix: str) -> AsyncIterator[str]:
    """`stream_prefix` (its dead letters too); the SMS streams are deleted afterwards."""
    yield stream_prefix
    for config in sms_stream_configs(stream_prefix):
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(config.name)  # type: ignore[arg-type]


def mms(message_id: str = "m-1") -> Outbound:
    return Outbound(
        message_id=message_id,
        type="MMS",
        sender="15881234",
        recipient="01012345678",
        subject="콜백 안내",
        body="고객님, 곧 연락드리겠습니다.",
        images=(Image("map.jpg", b"\xff\xd8\xff\xe0jpeg\xff\xd9"),),
    )


async def stored(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    """Every message of `stream` on `subject`, read by a throwaway consumer."""
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=5.0),
    )
    try:
        return await sub.fetch(100, timeout=1)
    except nats.errors.TimeoutError:
        return []
    finally:
        await sub.unsubscribe()


class TestHandOver:
    async def test_the_gateway_receives_the_message_as_json(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        sut = JetStreamProvider(js, sms_prefix)

        delivery = await sut.send(mms())

        stream = stream_name(OUTBOUND, sms_prefix)
        [msg] = await stored(js, stream, f"{sms_prefix}.sms.outbound.>")
        assert delivery.state == "ACCEPTED" and delivery.provider_id == f"{stream}:1"
        assert msg.subject == f"{sms_prefix}.sms.outbound.m-1"
        assert (msg.headers or {})["Nats-Msg-Id"] == "m-1"
        assert json.loads(msg.data) == {
            "message_id": "m-1",
            "type": "MMS",
            "sender": "15881234",
            "recipient": "01012345678",
            "subject": "콜백 안내",
            "body": "고객님, 곧 연락드리겠습니다.",
            "images": [
                {
                    "name": "map.jpg",
                    "jpeg_base64": base64.b64encode(b"\xff\xd8\xff\xe0jpeg\xff\xd9").decode(),
                }
            ],
        }

    async def test_a_message_handed_over_twice_is_stored_once(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        sut = JetStreamProvider(js, sms_prefix)

        first = await sut.send(mms("m-1"))
        again = await JetStreamProvider(js, sms_prefix).send(mms("m-1"))  # after a restart
        other = await sut.send(mms("m-2"))

        messages = await stored(js, stream_name(OUTBOUND, sms_prefix), f"{sms_prefix}.sms.>")
        assert [m.subject.rsplit(".", 1)[1] for m in messages] == ["m-1", "m-2"]
        assert (first.state, again.state, other.state) == ("ACCEPTED",) * 3
        assert again.provider_id == first.provider_id

    async def test_no_stream_answering_is_a_retryable_failure(
        self, nats_server: EmbeddedNatsServer
    ) -> None:
        nc = await nats.connect(nats_server.url)
        sut = JetStreamProvider(nc.jetstream(), "tclosed", timeout=0.5)
        await nc.close()

        delivery = await sut.send(mms())

        assert delivery.state == "FAILED" and delivery.retryable
        assert delivery.reason is not None and "SMS_OUTBOUND_TCLOSED" in delivery.reason


class Recorder:
    """A `record` that keeps what it was given; `fail` makes the next calls raise."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        self.fail: list[Exception] = []

    async def __call__(self, message_id: str, state: Any, reason: str | None) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.seen.append((message_id, state, reason))


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")


@contextlib.asynccontextmanager
async def consuming(sut: StatusConsumer) -> AsyncIterator[StatusConsumer]:
    await sut.ensure_consumer()  # the stream captures reports from here on
    stop = asyncio.Event()
    task = asyncio.create_task(sut.run(stop))
    try:
        yield sut
    finally:
        stop.set()
        await task


def report(message_id: str, state: str = "SENT", reason: str | None = None) -> bytes:
    return json.dumps({"message_id": message_id, "state": state, "reason": reason}).encode()


class TestStatusReports:
    async def test_reports_are_recorded_once_each(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        recorder = Recorder()
        sut = StatusConsumer(js, sms_prefix, recorder)

        async with consuming(sut):
            await js.publish(f"{sms_prefix}.sms.status", report("m-1"))
            await js.publish(
                f"{sms_prefix}.sms.status", report("m-2", "FAILED", "unknown subscriber")
            )
            await until(lambda: len(recorder.seen) == 2)

        assert recorder.seen == [("m-1", "SENT", None), ("m-2", "FAILED", "unknown subscriber")]
        info = await js.stream_info(stream_name(STATUS, sms_prefix))
        assert info.state.messages == 0  # recorded ones leave the work queue

    async def test_a_report_sent_while_no_consumer_runs_is_recorded_when_one_starts(
        self, nats_server: EmbeddedNatsServer, js: JetStreamContext, sms_prefix: str
    ) -> None:
        recorder = Recorder()
        async with consuming(StatusConsumer(js, sms_prefix, recorder)):
            await js.publish(f"{sms_prefix}.sms.status", report("m-1"))
            await until(lambda: len(recorder.seen) == 1)

        # The service is down: the gateway's report waits in the stream.
        await js.publish(f"{sms_prefix}.sms.status", report("m-2"))
        # A restarted service, on a connection of its own.
        restarted = await nats.connect(nats_server.url)
        try:
            async with consuming(StatusConsumer(restarted.jetstream(), sms_prefix, recorder)):
                await until(lambda: len(recorder.seen) == 2)
        finally:
            await restarted.close()

        assert [seen[0] for seen in recorder.seen] == ["m-1", "m-2"]

    async def test_a_failed_record_is_tried_again_and_acknowledged_only_after_it_returned(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        recorder = Recorder()
        recorder.fail = [RuntimeError("store down"), RuntimeError("store down")]
        sut = StatusConsumer(js, sms_prefix, recorder, backoff=(0.1, 0.1))

        async with consuming(sut):
            await js.publish(f"{sms_prefix}.sms.status", report("m-1"))
            await until(lambda: len(recorder.seen) == 1)

        assert recorder.seen == [("m-1", "SENT", None)] and sut.dead == 0

    @pytest.mark.parametrize(
        ("data", "named"),
        [
            (b"not json", "invalid_request"),
            (json.dumps({"message_id": "m-1", "state": "DELIVERED"}).encode(), "state"),
            (json.dumps({"state": "SENT"}).encode(), "message_id"),
        ],
    )
    async def test_a_bad_report_is_dead_lettered_with_its_reason_and_not_recorded(
        self, js: JetStreamContext, sms_prefix: str, data: bytes, named: str
    ) -> None:
        recorder = Recorder()
        sut = StatusConsumer(js, sms_prefix, recorder)

        async with consuming(sut):
            await js.publish(f"{sms_prefix}.sms.status", data)
            await js.publish(f"{sms_prefix}.sms.status", report("m-9"))
            await until(lambda: len(recorder.seen) == 1)

        [dead] = await dead_letters(js, sms_prefix)
        assert recorder.seen == [("m-9", "SENT", None)]
        assert dead.data == data and named in (dead.headers or {})["Callbacks-Dead-Reason"]

    async def test_a_refused_report_is_dead_lettered_at_once(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        recorder = Recorder()
        recorder.fail = [ReportRefused("no message m-404")]
        sut = StatusConsumer(js, sms_prefix, recorder)

        async with consuming(sut):
            await js.publish(f"{sms_prefix}.sms.status", report("m-404"))
            await until(lambda: sut.dead == 1)

        [dead] = await dead_letters(js, sms_prefix)
        info = await js.stream_info(stream_name(STATUS, sms_prefix))
        assert info.state.messages == 0  # a dead-lettered report leaves the work queue too
        assert (dead.headers or {})["Callbacks-Dead-Reason"] == "refused: no message m-404"
        assert (dead.headers or {})["Callbacks-Deliveries"] == "1"

    async def test_a_report_that_keeps_failing_is_dead_lettered_after_its_deliveries(
        self, js: JetStreamContext, sms_prefix: str
    ) -> None:
        recorder = Recorder()
        recorder.fail = [RuntimeError("bug")] * 3
        sut = StatusConsumer(js, sms_prefix, recorder, max_deliver=3, backoff=(0.1,))

        async with consuming(sut):
            await js.publish(f"{sms_prefix}.sms.status", report("m-1"))
            await until(lambda: sut.dead == 1)

        [dead] = await dead_letters(js, sms_prefix)
        assert (dead.headers or {})["Callbacks-Deliveries"] == "3"
        assert recorder.seen == []


async def dead_letters(js: JetStreamContext, prefix: str) -> list[Msg]:
    return await stored(js, stream_name(DEAD_LETTERS, prefix), f"{prefix}.dead.sms-status")
