"""Reads many aggregates in a few queries (the write path's bulk load): each one's
latest snapshot, if any, then only its events after that snapshot."""

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


def bulk_reader(
    recorder: Any, snapshots: Any = None
) -> Callable[[Sequence[UUID]], dict[UUID, list[StoredEvent]]] | None:
    """A function returning, by aggregate, its latest snapshot (if any) followed by
    its stored events after it; None for a recorder it does not know (the service
    then loads one by one)."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return lambda ids: _with_snapshots(ids, snapshots, _sqlite, recorder)
    if isinstance(recorder, PostgresApplicationRecorder):
        return lambda ids: _with_snapshots(ids, snapshots, _postgres, recorder)
    return None


def _with_snapshots(
    ids: Sequence[UUID],
    snapshots: Any,
    read: Callable[..., dict[UUID, list[StoredEvent]]],
    recorder: Any,
) -> dict[UUID, list[StoredEvent]]:
    ids = list(dict.fromkeys(ids))
    latest = (
        {k: v[-1] for k, v in read(snapshots, ids, latest_only=True).items()} if snapshots else {}
    )
    after = {k: s.originator_version for k, s in latest.items()}
    found = read(recorder, ids, after=after)
    for aggregate_id, snapshot in latest.items():
        found[aggregate_id] = [snapshot, *found.get(aggregate_id, [])]
    return found


def _grouped(
    rows: list[tuple[Any, int, str, bytes]], to_uuid: Callable[[Any], UUID]
) -> dict[UUID, list[StoredEvent]]:
    found: dict[UUID, list[StoredEvent]] = {}
    for originator_id, events in groupby(rows, key=lambda r: r[0]):
        key = to_uuid(originator_id)
        found[key] = [
            StoredEvent(originator_id=key, originator_version=v, topic=t, state=bytes(s))
            for _, v, t, s in events
        ]
    return found


def _sqlite(
    recorder: Any,
    ids: Sequence[UUID],
    *,
    after: dict[UUID, int] | None = None,
    latest_only: bool = False,
) -> dict[UUID, list[StoredEvent]]:
    """`after`: skip each aggregate's rows up to that version; `latest_only`: its last row."""
    after = after or {}
    table = recorder.events_table_name
    rows: list[Any] = []
    with recorder.datastore.transaction(commit=False) as c:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            if latest_only:
                where = (
                    f"originator_id IN ({','.join('?' * len(chunk))}) AND originator_version = "
                    f"(SELECT max(originator_version) FROM {table} m "
                    "WHERE m.originator_id = t.originator_id)"
                )
                params: list[Any] = [x.hex for x in chunk]
            else:
                plain = [x.hex for x in chunk if x not in after]
                tails = [(x.hex, after[x]) for x in chunk if x in after]
                parts = [f"originator_id IN ({','.join('?' * len(plain))})"] if plain else []
                parts += ["(originator_id = ? AND originator_version > ?)"] * len(tails)
                where = " OR ".join(parts)
                params = [*plain, *(v for pair in tails for v in pair)]
            c.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {table} t "
                f"WHERE {where} ORDER BY originator_id, originator_version",
                params,
            )
            rows.extend(tuple(r) for r in c.fetchall())
    return _grouped(rows, UUID)


def _postgres(
    recorder: Any,
    ids: Sequence[UUID],
    *,
    after: dict[UUID, int] | None = None,
    latest_only: bool = False,
) -> dict[UUID, list[StoredEvent]]:
    """`after`: skip each aggregate's rows up to that version; `latest_only`: its last row."""
    after = after or {}
    table = sql.SQL("{}.{}").format(
        sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
    )
    if latest_only:
        statement = sql.SQL(
            "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
            "FROM {} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
        ).format(table)
        params: tuple[Any, ...] = (list(ids),)
    else:
        statement = sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[], %s::int[]) AS w(id, after) JOIN {} e "
            "ON e.originator_id = w.id AND e.originator_version > w.after "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(table)
        params = (list(ids), [after.get(x, 0) for x in ids])
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, params, prepare=True)
        rows = [
            (r["originator_id"], r["originator_version"], r["topic"], r["state"])
            for r in curs.fetchall()
        ]
    return _grouped(rows, lambda x: x if isinstance(x, UUID) else UUID(str(x)))
