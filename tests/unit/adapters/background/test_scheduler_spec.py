"""The scheduler, specified on a real store (SQLite) with the views following each write."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.background.scheduler import Scheduler
from adapters.bootstrap import build_read_side, build_service
from adapters.commands.batcher import CommandBatcher
from adapters.messaging.context import ServiceContext
from adapters.messaging.subjects import Subjects
from adapters.settings import Settings
from callback_domain import commands as c
from callback_domain.lifecycle import CallbackState, CompletionReason
from tests.factories import ADMIN, T0, request

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime
    from pathlib import Path
    from uuid import UUID

pytestmark = pytest.mark.anyio
EXPIRY = timedelta(days=14)  # the default policy's


class World:
    """A service, its views, and a clock the test moves."""

    def __init__(self, tmp_path: Path) -> None:
        settings = Settings.load(database_url=f"sqlite:///{tmp_path / 'events.sqlite'}")
        self.service = build_service(settings)
        self.side = build_read_side(settings, self.service)
        self.now = T0
        self.batcher = CommandBatcher(self.service, on_written=self.follow)
        self.ctx = ServiceContext(
            service=self.service,
            batcher=self.batcher,
            queries=self.side.queries,
            subjects=Subjects(),
            version="test",
            clock=lambda: self.now,
        )

    def follow(self) -> None:
        """The views apply everything written so far."""
        self.side.runner.catch_up(list(self.side.store.active().values()))

    def scheduled(self, desired_time: datetime) -> UUID:
        made = self.service.execute(request(at=T0, desired_time=desired_time)).callback_id
        self.follow()
        return made  # type: ignore[no-any-return]

    def queued(self) -> UUID:
        made = self.service.execute(request(at=T0)).callback_id
        self.follow()
        return made  # type: ignore[no-any-return]

    def state(self, callback_id: UUID) -> tuple[CallbackState, CompletionReason | None]:
        callback = self.service.get_callback(callback_id)
        return callback.state, callback.reason


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = World(tmp_path)
    await w.batcher.start()
    yield w
    await w.batcher.stop()
    w.side.close()
    w.service.close()


async def test_a_scheduled_callback_is_queued_once_due_and_not_before(world: World) -> None:
    later = world.scheduled(T0 + timedelta(hours=3))
    scheduler = Scheduler(world.ctx)

    world.now = T0 + timedelta(hours=2)
    assert await scheduler.round() is False
    assert world.state(later) == (CallbackState.SCHEDULED, None)

    world.now = T0 + timedelta(hours=3)
    assert await scheduler.round() is False
    assert world.state(later) == (CallbackState.QUEUED, None)
    assert (scheduler.queued, scheduler.expired, scheduler.refused) == (1, 0, 0)


async def test_callbacks_overdue_at_start_are_all_queued_in_the_first_round(world: World) -> None:
    overdue = [world.scheduled(T0 + timedelta(hours=h)) for h in (1, 2, 5)]
    world.now = T0 + timedelta(days=2)  # the service was down meanwhile

    await Scheduler(world.ctx).round()

    assert {world.state(i)[0] for i in overdue} == {CallbackState.QUEUED}


async def test_an_open_callback_expires_once_its_expiry_has_passed(world: World) -> None:
    waiting = world.queued()
    scheduler = Scheduler(world.ctx)

    world.now = T0 + EXPIRY - timedelta(seconds=1)
    await scheduler.round()
    assert world.state(waiting) == (CallbackState.QUEUED, None)

    world.now = T0 + EXPIRY
    await scheduler.round()
    assert world.state(waiting) == (CallbackState.COMPLETED, CompletionReason.EXPIRED)
    assert (scheduler.queued, scheduler.expired) == (0, 1)


async def test_after_a_round_the_views_show_its_changes_so_nothing_is_sent_twice(
    world: World,
) -> None:
    world.scheduled(T0 + timedelta(days=20))
    world.queued()
    world.now = T0 + timedelta(days=21)  # the one due, the other past its expiry
    scheduler = Scheduler(world.ctx)

    await scheduler.round()
    again = await scheduler.round()

    assert again is False
    assert (scheduler.queued, scheduler.expired, scheduler.refused) == (1, 1, 0)


async def test_a_full_batch_asks_for_another_round_at_once(world: World) -> None:
    for h in (1, 2, 3):
        world.scheduled(T0 + timedelta(hours=h))
    world.now = T0 + timedelta(hours=4)
    scheduler = Scheduler(world.ctx, batch=2)

    assert await scheduler.round() is True
    assert scheduler.queued == 2
    assert await scheduler.round() is False
    assert scheduler.queued == 3


async def test_a_command_the_views_trail_is_counted_as_refused_not_raised(world: World) -> None:
    due = world.scheduled(T0 + timedelta(hours=1))
    # Cancelled behind the views' back: they still show it SCHEDULED and due.
    world.service.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(due,)))
    world.now = T0 + timedelta(hours=2)
    scheduler = Scheduler(world.ctx)

    assert await scheduler.round() is False
    assert (scheduler.queued, scheduler.refused) == (0, 1)
    assert world.state(due) == (CallbackState.COMPLETED, CompletionReason.CANCELLED_BY_ADMIN)


async def test_run_queues_what_falls_due_and_stops_when_asked(world: World) -> None:
    due = world.scheduled(T0 + timedelta(hours=1))
    scheduler = Scheduler(world.ctx, interval=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))

    await asyncio.sleep(0.05)
    assert world.state(due)[0] is CallbackState.SCHEDULED
    world.now = T0 + timedelta(hours=1)
    for _ in range(100):
        if scheduler.queued:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(running, timeout=2)

    assert world.state(due)[0] is CallbackState.QUEUED
