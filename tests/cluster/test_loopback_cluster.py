"""The compose topology on loopback: 3 clustered NATS nodes, 2 services, one of each killed.

A steady load of requested (core request/reply) and submitted (JetStream) callbacks
runs while the node leading CALLBACK_INTAKE and the service holding the singletons
are SIGKILLed. Every acknowledged request must be exactly one callback, and the
surviving service must keep answering and take over the followers of the log.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from adapters.messaging.intake_consumer import DURABLE
from adapters.messaging.streams import EVENTS, INTAKE
from tests.cluster.nats_cluster import free_port
from tests.e2e.conftest import ServiceProcess
from tests.serve_support import callback_counts_by_request

if TYPE_CHECKING:
    from pathlib import Path

    from nats.aio.client import Client

    from tests.cluster.nats_cluster import NatsCluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.timeout(150),
]
TICKS, TICK, PER_TICK = 40, 0.25, 8  # 10 s of load: 32 requests + 32 submissions a second
KILL_NODE_AT, KILL_SERVICE_AT = 12, 22  # ticks


def body(request_id: str, n: int) -> bytes:
    return json.dumps(
        {"request_id": request_id, "phone": f"+82 10-{n:08d}", "route": "cluster"}
    ).encode()


def metric(port: int, name: str) -> float | None:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return None


async def eventually(check: Any, timeout: float, what: str) -> float:
    """Awaits `check()` until true; returns the seconds it took."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.2)
    return time.monotonic() - started


class Load:
    """IVR traffic: each tick sends PER_TICK requests and PER_TICK submissions.

    Like a well-behaved IVR, a request that gets no acknowledgement (a timeout, no
    responders while a stream elects its new leader) is sent again with the same
    request id until it is acknowledged, so the retries test idempotency as well.
    """

    def __init__(self, ivr: Client, retry_for: float) -> None:
        self.ivr, self.js, self.retry_for = ivr, ivr.jetstream(timeout=3), retry_for
        self.acked: dict[str, float] = {}  # request id → when its acknowledgement arrived
        self.waited: dict[
            str, float
        ] = {}  # request id → seconds from first attempt to acknowledgement
        self.failed: dict[str, int] = {}  # why attempts went unacknowledged
        self.sent = 0
        self.failed_at: list[tuple[float, str, str]] = []

    async def _until_acked(self, request_id: str, attempt: Any) -> None:
        first = time.monotonic()
        while time.monotonic() - first < self.retry_for:
            try:
                why = await attempt()
            except Exception as e:
                why = type(e).__name__
            if why is None:
                self.acked[request_id] = time.monotonic()
                self.waited[request_id] = self.acked[request_id] - first
                return
            self.failed[why] = self.failed.get(why, 0) + 1
            self.failed_at.append((time.monotonic(), request_id[:3], why))
            await asyncio.sleep(0.25)

    async def request(self, n: int) -> None:
        request_id = f"req-{n}"

        async def attempt() -> str | None:
            reply = json.loads(
                (
                    await self.ivr.request(
                        "callbacks.intake.request", body(request_id, n), timeout=3
                    )
                ).data
            )
            return None if reply.get("ok") else str(reply["error"]["code"])

        await self._until_acked(request_id, attempt)

    async def submit(self, n: int) -> None:
        request_id = f"sub-{n}"

        async def attempt() -> None:
            await self.js.publish(
                "callbacks.intake.submit",
                body(request_id, 500_000 + n),
                headers={"Nats-Msg-Id": request_id},
                timeout=3,
            )

        await self._until_acked(request_id, attempt)

    def tick(self, index: int) -> list[asyncio.Task[None]]:
        tasks = []
        for k in range(PER_TICK):
            n = index * PER_TICK + k
            tasks += [asyncio.create_task(self.request(n)), asyncio.create_task(self.submit(n))]
        self.sent += 2 * PER_TICK
        return tasks

    def timeline(self, since: float) -> list[tuple[tuple[int, str, str], int]]:
        counts: dict[tuple[int, str, str], int] = {}
        for t, kind, why in self.failed_at:
            counts[int(t - since), kind, why] = counts.get((int(t - since), kind, why), 0) + 1
        return sorted(counts.items())

    def outage(self, kind: str, start: float, end: float) -> float:
        """The longest time between `start` and `end` in which no `kind` (req / sub) was
        acknowledged: how long that path was down after a kill (the load never pauses)."""
        times = sorted(t for r, t in self.acked.items() if r.startswith(kind) and start < t < end)
        points = [start, *times, end]
        return round(max(b - a for a, b in itertools.pairwise(points)), 2)


async def test_killing_a_nats_node_and_a_service_mid_load_loses_nothing(
    nats_cluster: NatsCluster,
    fresh_postgres_url: str,
    base_env: dict[str, str],
    tmp_path: Path,
    cluster_figures: list[dict[str, Any]],
) -> None:
    started = time.monotonic()
    admin = await nats_cluster.connect("callbacks-service")
    await nats_cluster.create_streams(admin, "callbacks")
    jsa = admin.jetstream(timeout=5)
    assert (await jsa.stream_info(INTAKE)).config.num_replicas == 3
    ports = [free_port(), free_port()]
    services = [
        ServiceProcess(
            {
                **base_env,
                "CALLBACKS_NATS_URL": ",".join(nats_cluster.urls("callbacks-service")),
                "CALLBACKS_DATABASE_URL": fresh_postgres_url,
                "CALLBACKS_STREAM_REPLICAS": "3",
                "CALLBACKS_DATA_DIR": str(tmp_path / f"service-{i}"),
                "CALLBACKS_METRICS_PORT": str(ports[i]),
            },
            tmp_path,
        )
        for i in range(2)
    ]
    ivr = None
    try:
        # One after the other: two first starts on an empty schema race to create the views' tables.
        for service in services:
            service.start(timeout=30)

        async def one_leads() -> bool:
            held = await asyncio.gather(
                *[asyncio.to_thread(metric, p, "callbacks_singletons_held") for p in ports]
            )
            return held.count(1.0) == 1

        await eventually(one_leads, 15, "one service to hold the singletons")
        leader = [metric(p, "callbacks_singletons_held") for p in ports].index(1.0)
        survivor = 1 - leader
        ivr = await nats_cluster.connect("ivr")
        load = Load(ivr, retry_for=30.0)
        ready_at = time.monotonic()

        async def taken_over() -> bool:
            return (
                await asyncio.to_thread(metric, ports[survivor], "callbacks_singletons_held") == 1.0
            )

        tasks: list[asyncio.Task[None]] = []
        takeover: asyncio.Task[float] | None = None
        node_killed_at = service_killed_at = 0.0
        killed_node = ""
        for index in range(TICKS):
            if index == KILL_NODE_AT:
                killed_node = (await jsa.stream_info(INTAKE)).cluster.leader  # type: ignore[union-attr]
                nats_cluster.kill(killed_node)
                node_killed_at = time.monotonic()
            if index == KILL_SERVICE_AT:
                services[leader].kill()
                service_killed_at = time.monotonic()
                takeover = asyncio.create_task(
                    eventually(taken_over, 20, "the survivor to take the singletons over")
                )
            tasks += load.tick(index)
            await asyncio.sleep(TICK)
        load_sent = time.monotonic()

        await asyncio.gather(*tasks)
        load_done = time.monotonic()

        async def drained() -> bool:
            info = await jsa.consumer_info(INTAKE, DURABLE)
            return info.num_pending == 0 and info.num_ack_pending == 0

        async def caught_up() -> bool:
            health = json.loads(
                (await admin.request("callbacks.query.health", b"{}", timeout=3)).data
            )["data"]
            stream = await jsa.stream_info(EVENTS)
            return health["views_lag"] == 0 and stream.state.messages == health["log_position"]

        await eventually(drained, 40, "the intake consumer to drain")
        await eventually(caught_up, 20, "the views and CALLBACK_EVENTS to catch up with the log")
        settled = time.monotonic() - load_done
        final = json.loads(
            (
                await ivr.request("callbacks.intake.request", body("req-final", 999_999), timeout=5)
            ).data
        )
        assert final["ok"], final

        found = await asyncio.to_thread(callback_counts_by_request, fresh_postgres_url)
        lost = sorted(r for r in load.acked if found.get(r, 0) == 0)
        duplicated = sorted(r for r, count in found.items() if count > 1)
        after_kills = sum(1 for t in load.acked.values() if t > service_killed_at)
        events = (await jsa.stream_info(EVENTS)).state.messages
        cluster_figures.append(
            {
                "sent": load.sent,
                "acked": len(load.acked),
                "found": sum(found.get(r, 0) for r in load.acked),
                "lost": len(lost),
                "duplicates": len(duplicated),
                "retried": dict(sorted(load.failed.items())),
                "acked_after_kills": after_kills,
                "events_published": events,
                "killed_node": killed_node,
                "requests_down_after_node_kill_s": load.outage(
                    "req", node_killed_at, service_killed_at
                ),
                "submits_down_after_node_kill_s": load.outage("sub", node_killed_at, load_sent),
                "requests_down_after_service_kill_s": load.outage(
                    "req", service_killed_at, load_sent
                ),
                "longest_wait_for_ack_s": round(max(load.waited.values(), default=0), 2),
                "singletons_takeover_s": round(await takeover, 2) if takeover else None,
                "settled_after_load_s": round(settled, 2),
                "load_s": round(load_done - ready_at, 1),
                "total_s": round(time.monotonic() - started, 1),
            }
        )
        assert not lost, f"{len(lost)} acknowledged requests have no callback: {lost[:10]}"
        assert not duplicated, f"requests recorded twice: {duplicated[:10]}"
        assert after_kills > 0, "the surviving service answered nothing after the kills"
        assert len(load.acked) == load.sent, (
            f"unacknowledged after retries: {load.failed}; failed attempts by "
            f"(second after the node kill, kind, why): {load.timeline(node_killed_at)}; "
            f"now {(await jsa.stream_info(INTAKE)).cluster}"
        )
        assert services[survivor].stop() == 0
    finally:
        for service in services:
            service.kill()
            print(f"--- callbacks serve ---\n{service.output()}")
        if ivr is not None:
            await ivr.close()
        await admin.close()
