"""Places in line for concurrent requests, read together.

Each accepted `intake.request` answers with its place in line: a read of the views.
Under load, hundreds of requests ask at once; one read per request would make the
readers the bottleneck. Requests that ask while a read is in flight wait for the next
one, which answers all of them (one statement per 100).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from adapters.messaging.context import ServiceContext

Place = tuple[int | None, int | None]


class PlaceLookups:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._pending: list[tuple[str, datetime, UUID, asyncio.Future[Place]]] = []
        self._running = False

    async def places(self, callbacks: list[tuple[str, datetime, UUID]]) -> list[Place]:
        """Each callback's (route, queue_since, id) place in line and estimated wait."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Place]] = []
        for route, queue_since, callback_id in callbacks:
            futures.append(loop.create_future())
            self._pending.append((route, queue_since, callback_id, futures[-1]))
        if not self._running:
            self._running = True
            asyncio.ensure_future(self._drain())  # noqa: RUF006 - it resolves every future it takes
        return list(await asyncio.gather(*futures))

    async def _drain(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(0)  # let the requests of this moment join
                batch, self._pending = self._pending, []
                try:
                    found = await self.ctx.read(
                        self.ctx.queries.places_in_line,
                        [(r, q, c) for r, q, c, _ in batch],
                        self.ctx.clock(),
                        from_the_back=True,
                    )
                except Exception as e:
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(e)
                    continue
                for (*_, future), place in zip(batch, found, strict=True):
                    if not future.done():
                        future.set_result(place)
        finally:
            self._running = False
