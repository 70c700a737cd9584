"""The command batcher (group commit), specified by what its callers see.

The real service on the in-memory store does the writing; only the timing of a write
is held back, where a spec is about what arrives meanwhile.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

import pytest

from adapters.commands.batcher import CommandBatcher
from callback_domain import commands as c
from callback_domain.application import CallbackService
from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState
from tests.factories import ADMIN, SYSTEM, T0, request

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from callback_domain.results import Outcome

pytestmark = pytest.mark.anyio
POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class HeldWrites(CallbackService):
    """The real service, whose writes wait for `release` once they have begun."""

    def __init__(self) -> None:
        super().__init__(env=POPO)
        self.writing = threading.Event()
        self.release = threading.Event()

    def execute_batch(self, commands: Sequence[c.Command]) -> list[Outcome]:
        self.writing.set()
        self.release.wait(timeout=10)
        return super().execute_batch(commands)


class Sizes:
    """The batches the batcher reports, by size."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def __call__(self, commands: Sequence[Any], outcomes: Sequence[Any], seconds: float) -> None:
        assert len(commands) == len(outcomes) and seconds >= 0
        self.sizes.append(len(commands))


def cancel(callback_id: UUID) -> c.CancelCallbacks:
    return c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(callback_id,))


async def test_commands_submitted_together_are_one_batch_written_in_one_commit() -> None:
    service, sizes = CallbackService(env=POPO), Sizes()
    batcher = CommandBatcher(service, on_batch=sizes)
    await batcher.start()

    outcomes = await batcher.submit_many([request() for _ in range(10)])
    await batcher.stop()

    assert all(o.error is None for o in outcomes)
    assert sizes.sizes == [10]
    assert service.stats.transactions == 1
    assert (batcher.stats.batches, batcher.stats.commands, batcher.stats.largest) == (1, 10, 10)


async def test_a_batch_decides_in_submission_order_and_answers_each_command_its_own() -> None:
    service = CallbackService(env=POPO)
    batcher = CommandBatcher(service)
    await batcher.start()
    first, second = request(), request()
    first_id = Callback.create_id(first.request_id)
    missing = Callback.create_id("never-requested")

    outcomes = await batcher.submit_many(
        [
            first,
            cancel(first_id),  # sees the request decided just before it, in the same batch
            c.QueueDueCallback(caller=SYSTEM, at=T0, callback_id=missing),  # refused alone
            second,
        ]
    )
    await batcher.stop()

    accepted, cancelled, refused, other = outcomes
    assert accepted.unwrap().callback_id == first_id
    assert cancelled.unwrap().cancelled == (first_id,)
    assert refused.error is not None and refused.error.code == "not_found"
    assert other.unwrap().callback_id == Callback.create_id(second.request_id)
    assert service.get_callback(first_id).state is CallbackState.COMPLETED
    assert service.stats.transactions == 1


async def test_commands_arriving_while_a_batch_is_written_go_together_into_the_next() -> None:
    service, sizes = HeldWrites(), Sizes()
    batcher = CommandBatcher(service, on_batch=sizes)
    await batcher.start()
    loop = asyncio.get_running_loop()

    alone = asyncio.ensure_future(batcher.submit(request()))
    assert await loop.run_in_executor(None, service.writing.wait, 5)
    meanwhile = [asyncio.ensure_future(batcher.submit(request())) for _ in range(5)]
    await asyncio.sleep(0.05)  # all five are queued while the first batch is being written
    service.release.set()
    outcomes = [await alone, *await asyncio.gather(*meanwhile)]
    await batcher.stop()

    assert all(o.error is None for o in outcomes)
    assert sizes.sizes == [1, 5]
    assert service.stats.transactions == 2  # one commit per batch


async def test_no_batch_is_larger_than_max_batch() -> None:
    sizes = Sizes()
    batcher = CommandBatcher(CallbackService(env=POPO), max_batch=3, on_batch=sizes)
    await batcher.start()

    outcomes = await batcher.submit_many([request() for _ in range(7)])
    await batcher.stop()

    assert len(outcomes) == 7 and all(o.error is None for o in outcomes)
    assert sizes.sizes == [3, 3, 1]
    assert batcher.stats.largest == 3


async def test_each_written_batch_is_announced_once() -> None:
    written = 0

    def on_written() -> None:
        nonlocal written
        written += 1

    batcher = CommandBatcher(CallbackService(env=POPO), max_batch=2, on_written=on_written)
    await batcher.start()

    await batcher.submit_many([request() for _ in range(5)])
    await batcher.stop()

    assert written == 3


async def test_stop_finishes_every_command_already_submitted() -> None:
    service = CallbackService(env=POPO)
    batcher = CommandBatcher(service, max_batch=2)
    await batcher.start()
    submitted = asyncio.create_task(batcher.submit_many([request() for _ in range(5)]))  # noqa: RUF006 - awaited below
    await asyncio.sleep(0)  # submitted, not yet written

    await batcher.stop()

    assert submitted.done()
    assert all(o.error is None for o in await submitted)
    assert service.stats.commands == 5


async def test_a_batcher_not_started_refuses_commands() -> None:
    batcher = CommandBatcher(CallbackService(env=POPO))

    with pytest.raises(RuntimeError, match="not started"):
        await batcher.submit(request())
