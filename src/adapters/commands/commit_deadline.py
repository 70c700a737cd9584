"""No commit after the answer: a batch's events are committed before its deadline or not at all.

The batcher answers `unavailable` to a command whose batch did not finish in time (the
store is down or hangs). The event store's own retries (eventsourcing retries a failed
insert up to 10 times, each waiting for a connection) would otherwise commit that batch
later, once the store is back: recorded, though its client was told it was not. So the
writer thread carries the batch's deadline, and the recorders below check it inside the
transaction: past it, the transaction is rolled back and the error is not retried; on
PostgreSQL each statement is also bounded by the time left, so none runs past it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from eventsourcing.persistence import StoredEvent
    from eventsourcing.sqlite import SQLiteCursor
    from psycopg import Cursor
    from psycopg.rows import DictRow

_local = threading.local()


class CommitDeadlinePassedError(PersistenceError):
    """The batch's answer is already `unavailable`: its events must not be committed.
    (A PersistenceError: answered `unavailable`; not an OperationalError: not retried.)"""


@contextlib.contextmanager
def commit_by(deadline: float | None) -> Iterator[None]:
    """Commits made by this thread inside the block must finish by `deadline`
    (time.monotonic()); None: no deadline."""
    before = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = before


def time_left() -> float | None:
    """Seconds left before this thread's commit deadline; raises once it passed."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        msg = "the commit deadline passed; rolled back (its commands were answered unavailable)"
        raise CommitDeadlinePassedError(msg)
    return left


class PostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL's application recorder, bounded by the thread's commit deadline."""

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs first in the insert's transaction, before the table lock and the rows.
        left = time_left()
        if left is not None:
            # Two statements may wait (the table lock, the insert): each gets half of it.
            bound = sql.Literal(f"{max(1, int(left * 500))}ms")
            curs.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(bound))
        super()._insert_events(curs, stored_events, **kwargs)


class SQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder, bounded by the thread's commit deadline."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        time_left()
        ids = super()._insert_events(c, stored_events, **kwargs)
        time_left()  # a wait for the write lock may have taken it past: roll back instead
        return ids


POSTGRES_TOPIC = f"{__name__}:{PostgresRecorder.__name__}"
SQLITE_TOPIC = f"{__name__}:{SQLiteRecorder.__name__}"
