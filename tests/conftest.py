"""Shared fixtures: hypothesis profiles, and real SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from adapters.bootstrap import build_service
from adapters.database import Database
from adapters.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from callback_domain.application import CallbackService

pytest_plugins = ["tests.nats_fixtures"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

POSTGRES_URL = os.environ.get(
    "CALLBACKS_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test"
)


def _postgres_answers() -> str | None:
    """None if the test PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(Database.parse(POSTGRES_URL).conninfo(), connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"no PostgreSQL answers at {POSTGRES_URL} ({e}); set CALLBACKS_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL; skips with the reason where none answers, never when CI=true."""
    reason = _postgres_answers()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    db = Database.parse(postgres_url)
    yield f"{postgres_url}?schema={schema}"
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def schema_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Makes fresh schema names (for tests that need many stores); drops them after."""
    made: list[str] = []

    def make() -> str:
        made.append(f"test_{uuid.uuid4().hex[:12]}")
        return made[-1]

    yield make
    db = Database.parse(postgres_url)
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        for schema in made:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'events.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite store and on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def service(database_url: str) -> Iterator[CallbackService]:
    svc = build_service(Settings.load(database_url=database_url))
    yield svc
    svc.close()


settings.register_profile(
    "thorough", max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
