"""The view store on each database: the library's tracking recorder plus our views."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg import sql

from adapters.database import SQLITE as SQLITE_KIND
from adapters.database import created_concurrently
from adapters.read_store import open_read_factory, tracking_recorder
from adapters.views.dialect import POSTGRES, SQLITE
from adapters.views.schema import qualified
from adapters.views.store import ViewStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.database import Database

log = logging.getLogger(__name__)


class SQLiteViewStore(ViewStore, SQLiteTrackingRecorder):
    dialect = SQLITE
    schema = None

    @property
    def tracking_table(self) -> str:
        return qualified("tracking", None)  # the name SQLiteTrackingRecorder gives it


class PostgresViewStore(ViewStore, PostgresTrackingRecorder):
    dialect = POSTGRES

    @property
    def schema(self) -> str:  # type: ignore[override]
        return str(self.datastore.schema)

    @property
    def tracking_table(self) -> str:
        return qualified(self.tracking_table_name, self.schema)


def open_view_store(db: Database, *, pool_size: int = 8) -> ViewStore:
    """The views' store, its registry created if missing."""
    cls: type[ViewStore] = SQLiteViewStore if db.kind == SQLITE_KIND else PostgresViewStore

    def create() -> ViewStore:
        store = tracking_recorder(open_read_factory(db, pool_size=pool_size), cls)  # type: ignore[type-var]
        store.create_registry()
        return store

    return created_concurrently(create)


class PostgresWaker:
    """Wakes a follower of the log at once when PostgreSQL says events were written.

    The event store NOTIFYs its channel on every insert; this LISTENs on its own
    connection and calls `wake`. Followers poll as well, so a lost connection only
    costs latency; it is re-established with backoff.
    """

    def __init__(self, db: Database, channel: str, wake: Callable[[], None]) -> None:
        self.db, self.channel, self.wake = db, channel, wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="pg-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.db.conninfo(), autocommit=True, connect_timeout=5
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    delay = 0.5
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self.wake()
            except psycopg.Error as e:
                log.warning("LISTEN %s lost (%s); retrying in %.1fs", self.channel, e, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)


def events_channel(service: Any) -> str:
    """The channel the event store NOTIFYs (PostgreSQL only)."""
    return str(service.recorder.channel_name)
