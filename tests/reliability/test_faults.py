"""Fault scenarios under load: real `callbacks serve` processes, real NATS, real PostgreSQL.

Each scenario runs a steady load (see harness.Load), injects its fault, stops the load,
and ends with harness.verify: every acknowledged request is exactly one callback, every
event is on CALLBACK_EVENTS exactly once, every view equals its rebuild from position 0.
Each prints one line (also shown in the session's terminal summary).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from adapters.messaging.streams import INTAKE, stream_name
from tests.reliability.conftest import TIMEZONE, service_env
from tests.reliability.harness import (
    Load,
    connect,
    log_head,
    relayed,
    verify,
    views_caught_up,
    wait_ok_after,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer
    from tests.e2e.conftest import ServiceProcess
    from tests.reliability.private_postgres import PrivatePostgres

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.anyio, pytest.mark.slow]


@pytest.mark.timeout(120)
async def test_sigkill_ten_times_at_random_moments(
    services: Callable[..., ServiceProcess],
    nats_server: EmbeddedNatsServer,
    fresh_postgres_url: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    rnd = random.Random(20261123)
    env = service_env(fresh_postgres_url, nats_server.url, prefix, tmp_path / "data")
    service = services(env)
    nc, load = await loaded(nats_server.url, prefix, "kill", seed=1)
    recoveries: list[float] = []
    for _ in range(10):
        await asyncio.sleep(rnd.uniform(0.2, 1.5))
        killed_at = time.monotonic()
        service.kill()  # SIGKILL, wherever it was
        service = await asyncio.to_thread(services, env)
        recoveries.append(await wait_ok_after(load, killed_at, timeout=30))
    await asyncio.sleep(1.0)
    await load.stop()

    await verify(
        "sigkill x10",
        nc=nc,
        prefix=prefix,
        database_url=fresh_postgres_url,
        timezone=TIMEZONE,
        load=load,
        recover=f"max {max(recoveries):.2f}s, mean {sum(recoveries) / len(recoveries):.2f}s "
        "(kill -> restarted process answers)",
        stop_services=service.stop,
    )
    await nc.close()


async def loaded(nats_url: str, prefix: str, tag: str, *, seed: int) -> tuple[Any, Load]:
    """A client connection and its load, agents set up and running."""
    nc = await connect(nats_url)
    load = Load(nc, prefix, tag, seed=seed)
    await load.setup_agents()
    load.start()
    return nc, load


def _no_internal(load: Load) -> None:
    internal = {k: v for k, v in load.counts.items() if k.endswith(":internal")}
    assert not internal, f"a fault was answered `internal` instead of `unavailable`: {internal}"


@pytest.mark.timeout(120)
async def test_postgres_restarted_mid_load(
    services: Callable[..., ServiceProcess],
    nats_server: EmbeddedNatsServer,
    private_postgres: PrivatePostgres,
    prefix: str,
    tmp_path: Path,
) -> None:
    database_url = f"{private_postgres.url}?schema=rel"
    env = service_env(database_url, nats_server.url, prefix, tmp_path / "data")
    service = services(env)
    nc, load = await loaded(nats_server.url, prefix, "pg", seed=2)
    await asyncio.sleep(2.0)
    down_at = time.monotonic()
    await asyncio.to_thread(private_postgres.stop, "immediate")  # every connection dropped at once
    await asyncio.sleep(3.0)
    submitted_while_down = len(load.acked_submits)
    await asyncio.to_thread(private_postgres.start)
    up_at = time.monotonic()
    try:
        recovered = await wait_ok_after(load, up_at, timeout=30)
    finally:
        print("client outcomes from the stop:", load.history(down_at))
    head = await asyncio.to_thread(log_head, database_url)  # written after the restart
    await relayed(nc, prefix, head, timeout=30)
    relay_after = time.monotonic() - up_at
    await views_caught_up(database_url, TIMEZONE, head, timeout=30)
    views_after = time.monotonic() - up_at
    await asyncio.sleep(1.0)
    try:
        await load.stop()
    finally:
        print("client outcomes from the stop:", load.history(down_at))

    assert service.proc is not None and service.proc.poll() is None, (
        "the service died with its database"
    )
    # What the clients saw for requests answered (or given up) from the stop until one
    # client timeout after PostgreSQL was back: `unavailable`, a wait, or a timeout.
    during = Counter(o for t, o in load.timeline if down_at <= t <= up_at + load.request_timeout)
    _no_internal(load)
    await verify(
        "postgres restart",
        nc=nc,
        prefix=prefix,
        database_url=database_url,
        timezone=TIMEZONE,
        load=load,
        recover=f"first ok reply {recovered:.2f}s, relay {relay_after:.2f}s, "
        f"views {views_after:.2f}s after PostgreSQL was up again (down {up_at - down_at:.1f}s)",
        notes=f"outcomes while down: {dict(during)}; {submitted_while_down} submits acked by then",
        stop_services=service.stop,
    )
    await nc.close()


@pytest.mark.timeout(120)
async def test_nats_restarted_mid_load(
    services: Callable[..., ServiceProcess],
    start_nats: Callable[..., EmbeddedNatsServer],
    fresh_postgres_url: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    server = start_nats()  # a server of this test's own; it keeps its port and JetStream store
    env = service_env(fresh_postgres_url, server.url, prefix, tmp_path / "data")
    service = services(env)
    nc, load = await loaded(server.url, prefix, "nats", seed=3)
    await asyncio.sleep(2.0)
    down_at = time.monotonic()
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(2.0)
    await asyncio.to_thread(server.start)
    up_at = time.monotonic()
    acked_before = len(load.acked_submits)
    recovered = await wait_ok_after(load, up_at, timeout=45)
    intake_after = await intake_acks_after(nc, prefix, up_at, timeout=45)
    await asyncio.sleep(2.0)
    await load.stop()

    assert service.proc is not None and service.proc.poll() is None, "the service died with NATS"
    assert len(load.acked_submits) > acked_before, "no submit was acknowledged after the restart"
    _no_internal(load)
    await verify(
        "nats restart",
        nc=nc,
        prefix=prefix,
        database_url=fresh_postgres_url,
        timezone=TIMEZONE,
        load=load,
        recover=f"first ok reply {recovered:.2f}s, durable intake acknowledging again "
        f"{intake_after:.2f}s after NATS was up again (down {up_at - down_at:.1f}s)",
        stop_services=service.stop,
    )
    await nc.close()


async def intake_acks_after(nc: Any, prefix: str, moment: float, timeout: float) -> float:
    """Seconds from `moment` until the intake consumer acknowledges a message again."""
    js = nc.jetstream(timeout=3)
    stream, floor = stream_name(INTAKE, prefix), None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            info = await js.consumer_info(stream, "callbacks-intake")
            if floor is None:
                floor = info.ack_floor.stream_seq
            elif info.ack_floor.stream_seq > floor:
                return time.monotonic() - moment
        await asyncio.sleep(0.05)
    pytest.fail(
        f"durable intake did not acknowledge anything within {timeout}s of NATS coming back"
    )


def _holds_lease(process: ServiceProcess) -> bool:
    return any("singletons: lease acquired" in line for line in list(process.lines))


@pytest.mark.timeout(120)
async def test_the_survivor_of_two_instances_takes_over_the_singletons(
    services: Callable[..., ServiceProcess],
    nats_server: EmbeddedNatsServer,
    fresh_postgres_url: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    first = services(service_env(fresh_postgres_url, nats_server.url, prefix, tmp_path / "a"))
    second = services(service_env(fresh_postgres_url, nats_server.url, prefix, tmp_path / "b"))
    nc, load = await loaded(nats_server.url, prefix, "two", seed=4)
    await asyncio.sleep(2.0)
    deadline = time.monotonic() + 15
    while not any(_holds_lease(p) for p in (first, second)):
        assert time.monotonic() < deadline, "neither instance took the singletons' lease"
        await asyncio.sleep(0.05)
    holders = [p for p in (first, second) if _holds_lease(p)]
    assert len(holders) == 1, "exactly one instance must hold the singletons' lease"
    holder, survivor = holders[0], (second if holders[0] is first else first)
    head_at_kill = await asyncio.to_thread(log_head, fresh_postgres_url)
    killed_at = time.monotonic()
    holder.kill()

    deadline = killed_at + 20
    while not _holds_lease(survivor):
        assert time.monotonic() < deadline, "the survivor did not take the lease within 20 s"
        await asyncio.sleep(0.02)
    lease_after = time.monotonic() - killed_at
    # ... and works: events written after the kill reach the stream and the views.
    await relayed(nc, prefix, head_at_kill + 1, timeout=20)
    relay_after = time.monotonic() - killed_at
    await views_caught_up(fresh_postgres_url, TIMEZONE, head_at_kill + 1, timeout=20)
    views_after = time.monotonic() - killed_at
    await asyncio.sleep(1.0)
    await load.stop()

    assert lease_after < 10, (
        f"takeover took {lease_after:.1f}s"
    )  # checked every second; a busy machine adds
    await verify(
        "two instances, lease holder killed",
        nc=nc,
        prefix=prefix,
        database_url=fresh_postgres_url,
        timezone=TIMEZONE,
        load=load,
        recover=f"lease {lease_after:.2f}s, relay {relay_after:.2f}s, "
        f"views {views_after:.2f}s after the kill",
        stop_services=survivor.stop,
    )
    await nc.close()
