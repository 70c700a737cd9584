"""Composition root: builds the service and its stores from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from adapters.database import SQLITE, Database
from callback_domain.application import CallbackService

if TYPE_CHECKING:
    from adapters.settings import Settings


def prepare_database(db: Database) -> None:
    """Creates what the event store needs before it opens: a folder or a schema."""
    if db.kind == SQLITE:
        assert db.path is not None  # noqa: S101 - set for SQLite
        db.path.parent.mkdir(parents=True, exist_ok=True)
        return
    with psycopg.connect(db.conninfo(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(db.schema)))


def build_service(settings: Settings) -> CallbackService:
    db = Database.parse(settings.resolved_database_url())
    prepare_database(db)
    return CallbackService(
        env=db.eventsourcing_env(pool_size=settings.postgres_pool_size),
        policies=settings.policies(),
    )
