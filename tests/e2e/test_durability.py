"""Durable intake and the event stream, across stops, SIGKILLs and relay crashes."""

from __future__ import annotations

import asyncio
import json
import random
from typing import TYPE_CHECKING, Any

import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.messaging.streams import EVENTS, INTAKE, stream_name
from tests.e2e.reply_check import check_published
from tests.serve_support import callback_counts_by_request

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def body(n: int, tag: str) -> bytes:
    return json.dumps(
        {"request_id": f"{tag}-{n}", "phone": f"+82 10-{n:08d}", "route": "storm"}
    ).encode()


def callbacks_by_request(env: dict[str, str]) -> dict[str, int]:
    """How many callbacks each request id became, read from the event store itself."""
    return callback_counts_by_request(env["CALLBACKS_DATABASE_URL"])


async def drained(client: Client_, timeout: float = 60.0) -> None:
    """Waits until the intake consumer has nothing pending or unacknowledged."""
    js = client.nc.jetstream()
    stream = stream_name(INTAKE, client.prefix)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        info = await js.consumer_info(stream, "callbacks-intake")
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(
                f"intake not drained: {info.num_pending} pending, {info.num_ack_pending} unacked"
            )
        await asyncio.sleep(0.1)


def ivr(client: Client_) -> dict[str, str]:
    """The IVR's token: every `intake.submit` message carries one."""
    assert client.tokens is not None
    return client.tokens.for_subject("intake.submit")


async def test_requests_submitted_while_stopped_are_handled_once(
    launch: Callable[..., ServiceProcess], client: Client_, service_env: dict[str, str]
) -> None:
    launch().stop()  # creates the streams and the durable consumer, then goes away
    js, subject = client.nc.jetstream(), f"{client.prefix}.intake.submit"
    acks = await asyncio.gather(
        *[js.publish(subject, body(n, "off"), headers=ivr(client)) for n in range(500)]
    )
    assert all(a.stream == stream_name(INTAKE, client.prefix) for a in acks)

    launch()
    await drained(client)
    first = callbacks_by_request(service_env)
    head = (await client.ok("query.health"))["log_position"]
    await asyncio.gather(
        *[js.publish(subject, body(n, "off"), headers=ivr(client)) for n in range(500)]
    )
    await drained(client)

    assert first == {f"off-{n}": 1 for n in range(500)}
    assert callbacks_by_request(service_env) == first
    assert (await client.ok("query.health"))["log_position"] == head, (
        "a resubmission recorded events"
    )


async def test_every_acknowledged_submission_survives_sigkill(
    launch: Callable[..., ServiceProcess], client: Client_, service_env: dict[str, str]
) -> None:
    service = launch()
    js = client.nc.jetstream()
    acked: list[str] = []

    async def storm() -> None:
        for n in range(1500):
            try:
                await js.publish(
                    f"{client.prefix}.intake.submit",
                    body(n, "kill"),
                    timeout=5,
                    headers=ivr(client),
                )
            except Exception:
                continue
            acked.append(f"kill-{n}")
            if n % 50 == 0:
                await asyncio.sleep(0.1)  # spread over ~3 s: the kill lands mid-storm

    publishing = asyncio.create_task(storm())
    await asyncio.sleep(1.0)
    service.kill()  # SIGKILL mid-load
    await asyncio.sleep(0.5)
    launch()
    await publishing
    await drained(client, timeout=120)

    found = callbacks_by_request(service_env)
    print(
        f"\nSIGKILL under load: {len(acked)} acknowledged, {len(found)} callbacks, "
        f"{sum(1 for r in acked if found.get(r) != 1)} lost or duplicated"
    )
    assert len(acked) > 500
    assert all(found.get(r) == 1 for r in acked)
    assert all(count == 1 for count in found.values())


async def stream_positions(client: Client_) -> list[int]:
    js = client.nc.jetstream()
    stream = stream_name(EVENTS, client.prefix)
    sub = await js.pull_subscribe(
        f"{client.prefix}.events.>",
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    positions: list[int] = []
    total = (await js.stream_info(stream)).state.messages
    while len(positions) < total:
        for msg in await sub.fetch(500, timeout=5):
            event = json.loads(msg.data)
            check_published(msg.subject.split(".", 1)[1], event)
            assert (
                msg.headers
                and msg.headers["Nats-Msg-Id"] == f"{event['aggregate_id']}:{event['version']}"
            )
            positions.append(event["position"])
            await msg.ack()
    await sub.unsubscribe()
    return positions


async def test_every_event_is_on_the_stream_once_in_log_order_across_crashes(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    rnd = random.Random(5)
    service = launch()
    for round_ in range(4):
        sent = [
            client.ok(
                "intake.request",
                {
                    "request_id": f"r{round_}-{n}",
                    "phone": f"+8210{rnd.randrange(10**8):08d}",
                    "route": "ev",
                },
            )
            for n in range(150)
        ]
        await asyncio.gather(*sent)
        await asyncio.sleep(rnd.uniform(0.0, 0.3))
        service.kill()  # the relay dies wherever it was
        service = launch()
    health: dict[str, Any] = {}
    for _ in range(100):
        health = await client.ok("query.health")
        positions = await stream_positions(client)
        if positions and positions[-1] == health["log_position"]:
            break
        await asyncio.sleep(0.2)

    print(
        f"\nevent stream after 4 SIGKILLs: {len(positions)} events, "
        f"log head {health['log_position']}"
    )
    assert positions == list(range(1, health["log_position"] + 1))
