"""Waiting for the views to reach a log position, without polling when we can help it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class PositionWatch:
    """Resolves waiters as the local projection loop reports its progress.

    When this instance does not hold the singletons' lease, nobody reports here:
    a waiter then polls the views' position (`read_position`) now and then.
    """

    def __init__(self, read_position: Callable[[], int], *, poll: float = 0.05) -> None:
        self.read_position, self.poll = read_position, poll
        self.position = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._reading: asyncio.Future[int] | None = None

    def advance(self, position: int) -> None:
        """Called (on the event loop) whenever the views applied up to `position`."""
        self.position = max(self.position, position)
        while self._waiters and self._waiters[0][0] <= self.position:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)

    async def _refresh(self) -> None:
        """Reads the views' position once for every waiter that timed out meanwhile
        (64 waiting requests must not mean 64 reads every 50 ms)."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(asyncio.to_thread(self.read_position))
        self.advance(await asyncio.shield(self._reading))

    async def reach(self, position: int | None, timeout: float) -> bool:
        if not position or self.position >= position:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            future: asyncio.Future[None] = loop.create_future()
            heapq.heappush(self._waiters, (position, next(self._order), future))
            remaining = deadline - loop.time()
            try:
                await asyncio.wait_for(
                    asyncio.shield(future), timeout=max(0.0, min(self.poll, remaining))
                )
                return True
            except TimeoutError:
                await self._refresh()
                if self.position >= position:
                    return True
                if loop.time() >= deadline:
                    return False
