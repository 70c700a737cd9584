"""Maps CALLBACKS_DATABASE_URL onto eventsourcing's settings, in this one place."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from psycopg.conninfo import make_conninfo

from adapters.entrypoints.mistakes import OperatorError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

SQLITE = "sqlite"
POSTGRES = "postgres"
URL_SETTING = "CALLBACKS_DATABASE_URL"
POSTGRES_RECORDER = "adapters.commands.commit_deadline:PostgresRecorder"
SQLITE_RECORDER = "adapters.commands.commit_deadline:SQLiteRecorder"


@dataclass(frozen=True, slots=True)
class Database:
    """A parsed database URL: `sqlite:///path` or `postgresql://user:pw@host:port/db`."""

    kind: str
    url: str
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = "public"

    @classmethod
    def parse(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            raw = unquote(parts.path)
            if not raw or raw == "/":
                raise OperatorError(
                    URL_SETTING, f"no file in SQLite URL {url!r}", "use sqlite:///relative.sqlite"
                )
            # sqlite:///rel.sqlite -> "rel.sqlite"; sqlite:////abs/x.sqlite -> "/abs/x.sqlite"
            return cls(kind=SQLITE, url=url, path=Path(raw[1:]))
        if parts.scheme in ("postgresql", "postgres"):
            query = parse_qs(parts.query)
            return cls(
                kind=POSTGRES,
                url=url,
                host=query.get("host", [parts.hostname or "127.0.0.1"])[0],
                port=parts.port or 5432,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                dbname=unquote(parts.path.lstrip("/")) or unquote(parts.username or "postgres"),
                schema=query.get("schema", ["public"])[0],
            )
        raise OperatorError(
            URL_SETTING,
            f"unsupported database URL {url!r}",
            "use sqlite:///path or postgresql://user@host:port/database",
        )

    def eventsourcing_env(self, *, pool_size: int = 8) -> dict[str, str]:
        if self.kind == SQLITE:
            assert self.path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "10",
                "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER,
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
            "POSTGRES_PRE_PING": "y",
            # Off, always: with it on, tracking records passed with events are
            # silently not written and the ordering lock is skipped.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # Bounded by the writer's commit deadline (commands/commit_deadline.py).
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
        }

    def redacted(self) -> str:
        """Where the store is, to show: without the password."""
        if self.kind == SQLITE:
            return f"sqlite:///{self.path}"
        return (
            f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname} (schema {self.schema})"
        )

    def unreachable(self, timeout: float = 2.0) -> psycopg.Error | None:
        """Why the store does not answer a query now, within `timeout` seconds; None when
        it does (a file always does)."""
        if self.kind == SQLITE:
            return None
        try:
            with psycopg.connect(self.conninfo(), connect_timeout=max(1, round(timeout))) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as e:
            return e
        return None

    def conninfo(self) -> str:
        """A libpq connection string, for the adapters' own psycopg connections."""
        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user or None,
            password=self.password or None,
            dbname=self.dbname,
        )

    def where(self) -> str:
        """The store in words, without its password."""
        if self.kind == SQLITE:
            return f"sqlite:///{self.path}"
        return (
            f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname} (schema {self.schema})"
        )


def connect_mistake(db: Database, error: psycopg.Error) -> OperatorError | None:
    """What an operator can correct in a failed PostgreSQL connection, in one line; None
    when the server is merely down or unreachable (an outage, not a mistake)."""
    text = " ".join(str(error).split())
    at = f"PostgreSQL at {db.host}:{db.port}"
    if "does not exist" in text and "database" in text:
        return OperatorError(
            URL_SETTING,
            f"{at} has no database {db.dbname!r}",
            f"create it (createdb {db.dbname}) or name an existing one in the URL",
        )
    if "failed to resolve host" in text:
        return OperatorError(URL_SETTING, f"no host named {db.host!r}", "fix the host in the URL")
    if ("role" in text and "does not exist" in text) or "authentication failed" in text:
        return OperatorError(
            URL_SETTING, f"{at} refused user {db.user!r}", "fix the user or password in the URL"
        )
    return None


def check_connection(db: Database, *, outage: bool = True) -> None:
    """Connects once; a failure is one line naming the setting and the fix. `outage=False`:
    a server down or unreachable is let be (the service waits for it)."""
    if db.kind != POSTGRES:
        return
    try:
        with psycopg.connect(db.conninfo(), connect_timeout=5):
            return
    except psycopg.Error as e:
        mistake = connect_mistake(db, e)
        if mistake is not None:
            raise mistake from None
        if not outage:
            return
        cause = "connection refused" if "refused" in str(e) else str(e).splitlines()[0]
        raise OperatorError(
            URL_SETTING,
            f"cannot reach PostgreSQL at {db.host}:{db.port} ({cause})",
            "start PostgreSQL there, or fix the host and port in the URL",
        ) from None


def require_existing(db: Database, setting: str) -> None:
    """Read-only commands: the store must already be there (nothing is created at a
    mistyped path or schema). `setting` is what chose it (the URL or the data dir)."""
    if db.kind == SQLITE:
        assert db.path is not None
        if not db.path.is_file():
            raise OperatorError(
                setting,
                f"no event store at {db.path}",
                "check the path, or run `callbacks serve` with it first",
            )
        return
    check_connection(db)
    with psycopg.connect(db.conninfo(), connect_timeout=5) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (db.schema,)
        ).fetchone()
    if found is None:
        raise OperatorError(
            setting,
            f"no schema {db.schema!r} in {db.where()}",
            "check ?schema= in the URL, or run `callbacks serve` with it first",
        )


def created_concurrently(create: Callable[[], T], *, attempts: int = 5) -> T:
    """Runs `create` (which creates tables if missing), again if it fails: processes
    starting together on an empty store race to create the same tables, and the
    loser's CREATE fails (a duplicate type, table or row). Its retry finds them made."""
    for attempt in range(attempts):
        try:
            return create()
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError  # pragma: no cover - the loop returns or raises
