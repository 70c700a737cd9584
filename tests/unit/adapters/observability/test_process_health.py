"""One process's readiness: each check, its time limit, and /health on the metrics port."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from adapters.observability.exporter import MetricsExporter
from adapters.observability.process_health import ProcessHealth
from adapters.observability.service_metrics import ServiceMetrics

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The service's event loop, turning in its own thread (the HTTP thread asks it)."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)
    running.close()


def health(
    loop: asyncio.AbstractEventLoop,
    *,
    connected: bool = True,
    database: Any = None,
    stopping: bool = False,
    timeout: float = 2.0,
) -> ProcessHealth:
    async def nats_connected() -> bool:
        return connected

    return ProcessHealth(
        loop,
        nats_connected=nats_connected,
        database=database or (lambda: 42),
        stopping=lambda: stopping,
        timeout=timeout,
    )


def test_ready_when_every_check_is_ok(loop: asyncio.AbstractEventLoop) -> None:
    assert health(loop)() == (
        True,
        {"accepting": "ok", "event_loop": "ok", "nats": "ok", "database": "ok"},
    )


def test_each_failing_check_says_what_failed(loop: asyncio.AbstractEventLoop) -> None:
    def down() -> None:
        raise ConnectionError("database down")

    assert health(loop, connected=False)() == (
        False,
        {"accepting": "ok", "event_loop": "ok", "nats": "disconnected", "database": "ok"},
    )
    ready, checks = health(loop, database=down)()
    assert not ready and checks["database"] == "ConnectionError: database down"
    ready, checks = health(loop, stopping=True)()
    assert not ready and checks["accepting"] == "stopping"


def test_a_hanging_database_is_reported_in_time_and_not_asked_again_meanwhile(
    loop: asyncio.AbstractEventLoop,
) -> None:
    release, calls = threading.Event(), []

    def hangs() -> None:
        calls.append(1)
        release.wait(10)

    check = health(loop, database=hangs, timeout=0.2)
    first, second = check(), check()
    release.set()
    assert first[1]["database"] == second[1]["database"] == "no answer within 0.2 s"
    assert len(calls) == 1  # the second probe waited for the same check
    check.close()


def test_a_stuck_event_loop_is_reported_in_time(loop: asyncio.AbstractEventLoop) -> None:
    release = threading.Event()
    loop.call_soon_threadsafe(release.wait, 10)  # something blocks the loop
    ready, checks = health(loop, timeout=0.2)()
    release.set()
    assert not ready and checks["event_loop"] == "no answer within 0.2 s"


def test_a_closed_loop_means_stopped() -> None:
    closed = asyncio.new_event_loop()
    closed.close()
    ready, checks = health(closed)()
    assert not ready and checks["event_loop"] == "stopped"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.parametrize(
    ("ready", "status", "word"), [(True, 200, "ok"), (False, 503, "unavailable")]
)
def test_health_on_the_metrics_port(ready: bool, status: int, word: str) -> None:
    checks = {"database": "ok" if ready else "no answer within 2 s"}
    metrics = ServiceMetrics("0.1.0")
    exporter = MetricsExporter("127.0.0.1", 0).start(metrics.render, lambda: (ready, checks))
    try:
        code, body = get(f"http://127.0.0.1:{exporter.port}/health")
        assert (code, json.loads(body)) == (status, {"status": word, "checks": checks})
        assert get(f"http://127.0.0.1:{exporter.port}/metrics")[0] == 200
        assert get(f"http://127.0.0.1:{exporter.port}/elsewhere")[0] == 404
    finally:
        exporter.stop()
