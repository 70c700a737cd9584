"""Group commit: concurrent commands are funnelled into one `execute_batch` at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from callback_domain.errors import InternalError
from callback_domain.results import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from callback_domain.application import CallbackService
    from callback_domain.commands import Command

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatchStats:
    batches: int = 0
    commands: int = 0
    largest: int = 0


class CommandBatcher:
    """Collects the commands that arrive while a batch is being written.

    One writer thread runs `execute_batch` (the event store serialises writers
    anyway); everything that queued up meanwhile goes into the next batch, so the
    batch size grows with the load instead of the load being capped by one
    transaction per command. Under light load a command waits at most `linger`.
    """

    def __init__(
        self,
        service: CallbackService,
        *,
        max_batch: int = 500,
        linger: float = 0.0,
        on_written: Callable[[], None] | None = None,
        on_batch: Callable[[Sequence[Command], Sequence[Outcome], float], None] | None = None,
    ) -> None:
        self.service = service
        self.max_batch = max_batch
        self.linger = linger
        self.on_written = on_written
        self.on_batch = on_batch  # (commands, outcomes, seconds) of each batch: for metrics
        self.stats = BatchStats()
        self._queue: asyncio.Queue[tuple[Command, asyncio.Future[Outcome]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-writer")

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="command-batcher")

    async def stop(self) -> None:
        """Finishes every command already submitted, then stops."""
        if self._queue is not None:
            await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._writer.shutdown(wait=True)

    async def submit(self, command: Command) -> Outcome:
        return (await self.submit_many([command]))[0]

    async def submit_many(self, commands: Sequence[Command]) -> list[Outcome]:
        if self._queue is None:
            msg = "the command batcher is not started"
            raise RuntimeError(msg)
        loop = asyncio.get_running_loop()
        futures = []
        for command in commands:
            future: asyncio.Future[Outcome] = loop.create_future()
            self._queue.put_nowait((command, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            if self.linger:
                await asyncio.sleep(self.linger)
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            commands = [command for command, _ in batch]
            started = time.monotonic()
            try:
                outcomes = await loop.run_in_executor(
                    self._writer, self.service.execute_batch, commands
                )
            except Exception:
                log.exception("a batch of %d commands failed", len(commands))
                outcomes = [Outcome(error=InternalError()) for _ in commands]
            self.stats.batches += 1
            self.stats.commands += len(commands)
            self.stats.largest = max(self.stats.largest, len(commands))
            seconds = time.monotonic() - started
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
                self._queue.task_done()
            if self.on_batch is not None:
                try:
                    self.on_batch(commands, outcomes, seconds)
                except Exception:
                    log.exception("the batch observer failed")
            if self.on_written is not None:
                self.on_written()
