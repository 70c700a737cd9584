"""Where derived state lives: views, and the positions of everything following the log.

SQLite: a file beside the event store (`events.sqlite` → `events.views.sqlite`), so
view writes never wait on the event store's write lock. PostgreSQL: the same
database and schema as the events. Either way one `tracking` table holds the
position of each follower (a view generation, the relay, …) under its own key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import psycopg
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment

from adapters.database import SQLITE, Database

if TYPE_CHECKING:
    from pathlib import Path

READ_SIDE_NAME = "callbacks_views"  # PostgreSQL tables: callbacks_views_tracking, …

T = TypeVar("T", bound=TrackingRecorder)


def views_path(db: Database) -> Path:
    assert db.path is not None
    return db.path.with_name(f"{db.path.stem}.views{db.path.suffix or '.sqlite'}")


def read_store_env(db: Database, *, pool_size: int = 8) -> dict[str, str]:
    env = db.eventsourcing_env(pool_size=pool_size)
    if db.kind == SQLITE:
        env["SQLITE_DBNAME"] = str(views_path(db))
    return env


def open_read_factory(db: Database, *, pool_size: int = 8) -> InfrastructureFactory:
    return InfrastructureFactory.construct(
        Environment(READ_SIDE_NAME, read_store_env(db, pool_size=pool_size))
    )


def tracking_recorder(factory: InfrastructureFactory, cls: type[T]) -> T:
    """A recorder of class `cls` (a TrackingRecorder subclass) on the read store."""
    return factory.tracking_recorder(cls)  # type: ignore[return-value]


def require_views(db: Database, setting: str) -> None:
    """Read-only commands: the views must be there already (none made as a side effect)."""
    from adapters.entrypoints.mistakes import OperatorError
    from adapters.views.registry import REGISTRY_TABLE

    fix = "run `callbacks serve` or `callbacks projections rebuild` with it first"
    if db.kind == SQLITE:
        if not views_path(db).is_file():
            raise OperatorError(setting, f"no views beside {db.path} (no {views_path(db)})", fix)
        return
    with psycopg.connect(db.conninfo(), connect_timeout=5) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (db.schema, REGISTRY_TABLE),
        ).fetchone()
    if found is None:
        raise OperatorError(setting, f"no views in {db.where()}", fix)
