"""Composition root: builds the service and its stores from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from adapters.database import SQLITE, Database, created_concurrently
from adapters.entrypoints.mistakes import OperatorError
from adapters.event_reader import bulk_reader
from adapters.views.backends import open_view_store
from adapters.views.queries import ViewQueries
from adapters.views.rebuild import upgrade
from adapters.views.runner import ViewFollower
from adapters.views.zones import live_zone
from callback_domain.application import CallbackService
from callback_domain.commands import RecordPolicies
from callback_domain.phones import PhoneNumbers
from callback_domain.values import Caller, Role

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from adapters.settings import Settings
    from adapters.views.store import ViewStore


def prepare_database(db: Database) -> None:
    """Creates what the event store needs before it opens: a folder or a schema."""
    if db.kind == SQLITE:
        assert db.path is not None
        db.path.parent.mkdir(parents=True, exist_ok=True)
        return
    with psycopg.connect(db.conninfo(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(db.schema)))


def build_service(settings: Settings) -> CallbackService:
    """The command service on the settings' store, its tables created if missing."""
    db = Database.parse(settings.resolved_database_url())

    def create() -> CallbackService:
        prepare_database(db)
        return CallbackService(
            env=db.eventsourcing_env(pool_size=settings.postgres_pool_size),
            policies=settings.policies(),
            bulk_reader=bulk_reader,
        )

    return created_concurrently(create)


STARTUP = Caller(actor="callbacks-serve", role=Role.SYSTEM, channel="startup")


def record_policies(service: CallbackService, settings: Settings) -> bool:
    """Records the policies the service runs on, if they changed since last recorded
    (DOMAIN.md: policies are data); True if they did."""
    outcome = service.execute_batch(
        [RecordPolicies(caller=STARTUP, at=datetime.now(UTC), policies=settings.policies())]
    )[0]
    return bool(outcome.unwrap().changed)


@dataclass(slots=True)
class ReadSide:
    """The views, the loop that follows the log into them, and their queries."""

    store: ViewStore
    runner: ViewFollower
    queries: ViewQueries
    timezone: ZoneInfo

    def close(self) -> None:
        self.store.datastore.close()


def build_read_side(
    settings: Settings, service: CallbackService, *, read_only: bool = False, zone: bool = True
) -> ReadSide:
    """The views in the zone they were built in (a different zone set explicitly is
    refused; `zone=False` leaves that to the caller, a rebuild). `read_only`: views
    that exist already, none created."""
    db = Database.parse(settings.resolved_database_url())
    store = open_view_store(db, pool_size=settings.postgres_pool_size)
    timezone = live_zone(store, settings.given_timezone(), strict=zone)
    if not read_only:
        store.ensure_live(timezone)
    runner = ViewFollower(
        recorder=service.recorder,
        mapper=service.mapper,
        store=store,
        region=settings.default_region,
    )
    if not read_only:
        made = upgrade(store, runner)  # views an older version made get this one's columns
        if made:
            log.warning("rebuilt views made by an older version: %s", [g.key for g in made])
    elif store.outdated():
        raise OperatorError(
            "views",
            "the views were made by an older version and lack this one's columns",
            "start `callbacks serve` once, or run `callbacks projections rebuild`",
        )
    queries = ViewQueries(store, phones=PhoneNumbers(settings.default_region))
    return ReadSide(store=store, runner=runner, queries=queries, timezone=ZoneInfo(timezone))
