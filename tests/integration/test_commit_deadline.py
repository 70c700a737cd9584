"""A command answered `unavailable` because the store hung is never recorded later.

Another connection holds the events table's write lock for longer than the command may
take: the batcher answers `unavailable` at its timeout, and when the lock is released the
batch, whose commit deadline has passed, is rolled back rather than committed. Seen before
(issue 10): the late batch committed once the store answered again."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from adapters.commands.batcher import CommandBatcher
from adapters.database import SQLITE, Database
from tests.factories import random_ref, request

if TYPE_CHECKING:
    from collections.abc import Iterator

    from callback_domain.application import CallbackService

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
TIMEOUT = 1.5
HELD = 4.0


@contextlib.contextmanager
def write_lock_held(database_url: str, seconds: float) -> Iterator[None]:
    """Another connection takes the events table's write lock and keeps it `seconds`."""
    db = Database.parse(database_url)
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        if db.kind == SQLITE:
            conn = sqlite3.connect(str(db.path), isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")  # the database's write lock
        else:
            conn = psycopg.connect(db.conninfo())  # type: ignore[assignment]
            table = sql.Identifier(db.schema, "callbacks_events")
            conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))  # type: ignore[arg-type]
        taken.set()
        time.sleep(seconds)
        conn.rollback()
        conn.close()
        done.set()

    threading.Thread(target=hold, daemon=True).start()
    assert taken.wait(10)
    try:
        yield
    finally:
        assert done.wait(seconds + 10)


async def test_a_command_answered_unavailable_is_rolled_back_not_committed_late(
    service: CallbackService, database_url: str
) -> None:
    batcher = CommandBatcher(service, timeout=TIMEOUT)
    await batcher.start()
    command = request(request_id=random_ref("late"), at=datetime.now(UTC))
    before = service.recorder.max_notification_id()
    with write_lock_held(database_url, HELD):
        started = time.monotonic()
        outcome = await batcher.submit(command)
        took = time.monotonic() - started
    await batcher.stop()  # the writer has finished its batch: after the lock was released

    assert outcome.error is not None and outcome.error.code == "unavailable", outcome
    assert took < TIMEOUT + 0.5, took
    assert service.recorder.max_notification_id() == before, "recorded after its answer"
    again = await _submit_alone(service, command)
    assert again.error is None, again  # the store is fine again, and the request is new to it


async def _submit_alone(service: CallbackService, command: object) -> object:
    batcher = CommandBatcher(service, timeout=TIMEOUT)
    await batcher.start()
    try:
        return await batcher.submit(command)  # type: ignore[arg-type]
    finally:
        await batcher.stop()
