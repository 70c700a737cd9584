"""The followers of the log that must run once per deployment, behind a lease."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

from adapters.pauses import pause

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from adapters.background.leases import Lease
    from adapters.views.runner import ViewFollower

log = logging.getLogger(__name__)


class Singletons:
    """Runs the projection loop, the relay and the scheduler while holding the lease.

    Every instance runs this; one holds the lease and does the work. When the
    holder dies its lease frees (connection or file lock gone) and another takes
    over within `check_interval`. Work resumes from tracked positions, so a
    takeover neither loses nor repeats anything beyond the at-least-once contract.
    """

    def __init__(
        self,
        lease: Lease,
        runner: ViewFollower,
        tasks: list[Callable[[asyncio.Event], Awaitable[Any]]],
        *,
        check_interval: float = 1.0,
    ) -> None:
        self.lease, self.runner, self.tasks = lease, runner, tasks
        self.check_interval = check_interval
        self.held = False
        self.takeovers = 0
        self._stop_work: asyncio.Event | None = None
        self._stop_runner = threading.Event()
        self._running: list[asyncio.Future[Any]] = []

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                if not self.held:
                    if await asyncio.to_thread(self.lease.try_acquire):
                        self._start()
                elif not await asyncio.to_thread(self.lease.still_held):
                    log.warning("singletons: lease lost; stopping the followers of the log")
                    await self._stop()
                await pause(stop, self.check_interval)
        finally:
            await self._stop()
            await asyncio.to_thread(self.lease.release)

    def _start(self) -> None:
        self.held = True
        self.takeovers += 1
        log.info("singletons: lease acquired; following the log")
        self._stop_work = asyncio.Event()
        self._stop_runner = threading.Event()
        loop = asyncio.get_running_loop()
        self._running = [loop.run_in_executor(None, self.runner.run_forever, self._stop_runner)]
        self._running += [asyncio.ensure_future(task(self._stop_work)) for task in self.tasks]

    async def _stop(self) -> None:
        if not self.held:
            return
        self.held = False
        self._stop_runner.set()
        if self._stop_work is not None:
            self._stop_work.set()
        self.runner.wake()
        results = await asyncio.gather(*self._running, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("singletons: a follower ended with %r", result)
        self._running = []
