"""Waiting for the views: resolved by progress reports, or by one shared poll."""

from __future__ import annotations

import asyncio
import threading

from adapters.views.position_watch import PositionWatch


def test_many_waiters_share_one_poll_of_the_views_position() -> None:
    reads = 0
    lock = threading.Lock()
    position = 0

    def read() -> int:
        nonlocal reads
        with lock:
            reads += 1
        return position

    async def main() -> list[bool]:
        nonlocal position
        watch = PositionWatch(read, poll=0.02)
        waiters = [asyncio.ensure_future(watch.reach(10, timeout=2.0)) for _ in range(64)]
        await asyncio.sleep(0.15)
        position = 10  # another process's runner got there: only polling can tell
        return await asyncio.gather(*waiters)

    assert asyncio.run(main()) == [True] * 64
    assert reads < 64  # without sharing: 64 waiters x several polls each


def test_a_progress_report_resolves_waiters_at_once_and_a_timeout_says_false() -> None:
    async def main() -> tuple[bool, bool]:
        watch = PositionWatch(lambda: 0, poll=0.5)
        waiter = asyncio.ensure_future(watch.reach(5, timeout=2.0))
        await asyncio.sleep(0.01)
        watch.advance(5)
        reached = await asyncio.wait_for(waiter, 0.2)
        return reached, await watch.reach(99, timeout=0.1)

    assert asyncio.run(main()) == (True, False)
