"""Reads the events of many aggregates in one query (the write path's bulk load)."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

_CHUNK = 500


def bulk_reader(recorder: Any) -> Callable[[Sequence[UUID]], dict[UUID, list[StoredEvent]]] | None:
    """A function returning every stored event of the given aggregates, by aggregate;
    None for a recorder it does not know (the service then loads one by one)."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return lambda ids: _sqlite(recorder, ids)
    if isinstance(recorder, PostgresApplicationRecorder):
        return lambda ids: _postgres(recorder, ids)
    return None


def _grouped(rows: list[tuple[Any, int, str, bytes]], to_uuid: Callable[[Any], UUID]) -> dict[UUID, list[StoredEvent]]:
    found: dict[UUID, list[StoredEvent]] = {}
    for originator_id, events in groupby(rows, key=lambda r: r[0]):
        key = to_uuid(originator_id)
        found[key] = [StoredEvent(originator_id=key, originator_version=v, topic=t, state=bytes(s))
                      for _, v, t, s in events]
    return found


def _sqlite(recorder: SQLiteApplicationRecorder, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    rows: list[Any] = []
    with recorder.datastore.transaction(commit=False) as c:
        for i in range(0, len(ids), _CHUNK):
            chunk = [x.hex for x in ids[i:i + _CHUNK]]
            c.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "  # noqa: S608 - our table
                f"WHERE originator_id IN ({','.join('?' * len(chunk))}) ORDER BY originator_id, originator_version",
                chunk,
            )
            rows.extend(tuple(r) for r in c.fetchall())
    return _grouped(rows, UUID)


def _postgres(recorder: PostgresApplicationRecorder, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    statement = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, (list(ids),), prepare=True)
        rows = [(r["originator_id"], r["originator_version"], r["topic"], r["state"]) for r in curs.fetchall()]
    return _grouped(rows, lambda x: x if isinstance(x, UUID) else UUID(str(x)))
