"""Group commit: concurrent commands are funnelled into one `execute_batch` at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.commands import commit_deadline
from callback_domain.errors import InternalError, StorageUnavailableError
from callback_domain.results import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from callback_domain.application import CallbackService
    from callback_domain.commands import Command

log = logging.getLogger(__name__)
COMMIT_MARGIN = 0.5  # a batch commits this long before its first command's answer is due


@dataclass(slots=True)
class BatchStats:
    batches: int = 0
    commands: int = 0
    largest: int = 0
    timed_out: int = 0  # commands answered `unavailable` because no batch wrote them in time


class CommandBatcher:
    """Collects the commands that arrive while a batch is being written.

    One writer thread runs `execute_batch` (the event store serialises writers
    anyway); everything that queued up meanwhile goes into the next batch, so the
    batch size grows with the load instead of the load being capped by one
    transaction per command. Under light load a command waits at most `linger`.

    Every command is answered within `timeout` seconds: one not written by then (the
    store is down or hangs) is answered `unavailable`, and its batch must commit
    `COMMIT_MARGIN` before that or not at all (commit_deadline.py), so a command answered
    `unavailable` is never recorded later.
    """

    def __init__(
        self,
        service: CallbackService,
        *,
        max_batch: int = 500,
        linger: float = 0.0,
        timeout: float | None = None,
        on_written: Callable[[], None] | None = None,
        on_batch: Callable[[Sequence[Command], Sequence[Outcome], float], None] | None = None,
    ) -> None:
        self.service = service
        self.max_batch = max_batch
        self.linger = linger
        self.timeout = timeout
        self.on_written = on_written
        self.on_batch = on_batch  # (commands, outcomes, seconds) of each batch: for metrics
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Queued] | None = None
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
        # Shielded: a caller that stops waiting does not take its command back.
        return await asyncio.shield(self._queued(asyncio.get_running_loop(), command))

    async def submit_many(self, commands: Sequence[Command]) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        futures = [self._queued(loop, c) for c in commands]
        return list(await asyncio.shield(asyncio.gather(*futures)))

    def _queued(self, loop: asyncio.AbstractEventLoop, command: Command) -> asyncio.Future[Outcome]:
        """The command queued; its future is answered by its batch, or `unavailable` at
        its deadline (a timer, not a task per command: this is every request's path)."""
        if self._queue is None:
            msg = "the command batcher is not started"
            raise RuntimeError(msg)
        future: asyncio.Future[Outcome] = loop.create_future()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        if self.timeout is not None:
            timer = loop.call_later(self.timeout, self._expire, future)
            future.add_done_callback(lambda _: timer.cancel())
        self._queue.put_nowait(_Queued(command, future, deadline))
        return future

    def _expire(self, future: asyncio.Future[Outcome]) -> None:
        """A command not decided by its deadline is answered now; its batch (if it
        started) cannot commit any more (COMMIT_MARGIN)."""
        if not future.done():
            future.set_result(Outcome(error=StorageUnavailableError()))
            self.stats.timed_out += 1

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            if self.linger:
                await asyncio.sleep(self.linger)
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            late = [item for item in batch if item.future.done()]  # already answered
            batch = [item for item in batch if not item.future.done()]
            for _ in late:
                self._queue.task_done()
            if batch:
                await self._write(loop, batch)

    async def _write(self, loop: asyncio.AbstractEventLoop, batch: list[_Queued]) -> None:
        assert self._queue is not None
        commands = [item.command for item in batch]
        deadlines = [item.deadline for item in batch if item.deadline is not None]
        commit_by = min(deadlines) - COMMIT_MARGIN if deadlines else None
        started = time.monotonic()
        try:
            outcomes = await loop.run_in_executor(
                self._writer, _execute, self.service, commands, commit_by
            )
        except Exception:
            log.exception("a batch of %d commands failed", len(commands))
            outcomes = [Outcome(error=InternalError()) for _ in commands]
        self.stats.batches += 1
        self.stats.commands += len(commands)
        self.stats.largest = max(self.stats.largest, len(commands))
        seconds = time.monotonic() - started
        for item, outcome in zip(batch, outcomes, strict=True):
            if not item.future.done():
                item.future.set_result(outcome)
            elif outcome.error is None:  # what commit_by exists to prevent
                log.error("a command answered unavailable was recorded: %r", item.command)
            self._queue.task_done()
        if self.on_batch is not None:
            try:
                self.on_batch(commands, outcomes, seconds)
            except Exception:
                log.exception("the batch observer failed")
        if self.on_written is not None:
            self.on_written()


@dataclass(slots=True)
class _Queued:
    command: Command
    future: asyncio.Future[Outcome]
    deadline: float | None  # time.monotonic() by which it is answered


def _execute(
    service: CallbackService, commands: list[Command], commit_by: float | None
) -> list[Outcome]:
    """In the writer thread: the batch, committed by `commit_by` or not at all."""
    with commit_deadline.commit_by(commit_by):
        return service.execute_batch(commands)
