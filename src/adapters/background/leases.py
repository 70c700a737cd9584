"""Leases for the singletons (projections, relay, scheduler): one holder at a time.

PostgreSQL: a session advisory lock on a connection of its own; it is released
when the holder's connection closes, so a dead holder's lease is free at once.
SQLite (the embedded default, one host): an exclusive lock on a file in the data
directory, released by the kernel when the holder dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.database import Database

log = logging.getLogger(__name__)


class Lease(Protocol):
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class FileLease:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def still_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class PostgresLease:
    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        digest = hashlib.sha256(f"{name}:{db.dbname}:{db.schema}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self._conn: psycopg.Connection[Any] | None = None

    def try_acquire(self) -> bool:
        try:
            conn = psycopg.connect(self.db.conninfo(), autocommit=True, connect_timeout=5)
        except psycopg.Error as e:
            log.warning("lease: cannot reach PostgreSQL: %s", e)
            return False
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if not row or not row[0]:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
