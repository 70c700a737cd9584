"""The view store: generations of view tables, their rows, and their positions."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking

from adapters.views.schema import TABLE_PREFIX, TABLES, VIEWS, qualified

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Iterator, Sequence

    from adapters.views.dialect import Dialect
    from projections.batch import ViewBatch

LIVE, SNAPSHOT = "live", "snapshot"
BUILDING, ACTIVE, RETIRED, READY = "building", "active", "retired", "ready"
_CHUNK = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class Generation:
    """One set of tables of one view: a live generation, or a named snapshot."""

    view: str
    tag: str
    kind: str
    status: str
    timezone: str
    until_position: int | None
    as_of: str | None
    created_at: str

    @property
    def key(self) -> str:
        """Its tracking key."""
        return f"{self.view}@{self.tag}"


class ViewStore:
    """Mixed into an eventsourcing tracking recorder, which owns the connections
    and the tracking table; every write here commits rows and positions together.
    """

    dialect: Dialect
    schema: str | None
    datastore: Any

    # Plumbing ---------------------------------------------------------------

    @contextmanager
    def tx(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def run(self, cursor: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cursor.execute(self.dialect.sql(sql), params or {})
        if getattr(cursor, "sqlite_cursor", cursor).description is None:
            return []
        return [dict(r) for r in cursor.fetchall()]

    def table(self, view: str, tag: str) -> str:
        return qualified(TABLES[view].name(tag), self.schema)

    @property
    def registry(self) -> str:
        return qualified(f"{TABLE_PREFIX}_registry", self.schema)

    def in_list(self, column: str, values: Sequence[Any], params: dict[str, Any], kind: str) -> str:
        converted = [self.dialect.to_db(v, kind) for v in values]
        if self.dialect.name == "postgres":
            params["in_values"] = converted
            return f"{column} = ANY(:in_values)"
        names = [f"in_{i}" for i in range(len(converted))]
        params.update(zip(names, converted, strict=True))
        return f"{column} IN ({', '.join(':' + n for n in names)})" if names else "1=0"

    # Generations --------------------------------------------------------------

    def create_registry(self) -> None:
        with self.tx(commit=True) as cur:
            self.run(cur, f"CREATE TABLE IF NOT EXISTS {self.registry} ("
                     "view TEXT NOT NULL, tag TEXT NOT NULL, kind TEXT NOT NULL, "
                     "status TEXT NOT NULL, timezone TEXT NOT NULL, until_position BIGINT, "
                     "as_of TEXT, created_at TEXT NOT NULL, PRIMARY KEY (view, tag))")

    def generations(self, view: str | None = None) -> list[Generation]:
        where, params = ("WHERE view = :view", {"view": view}) if view else ("", {})
        with self.tx(commit=False) as cur:
            rows = self.run(cur, f"SELECT * FROM {self.registry} {where} ORDER BY view, created_at", params)
        return [Generation(**r) for r in rows]

    def active(self) -> dict[str, Generation]:
        return {g.view: g for g in self.generations() if g.kind == LIVE and g.status == ACTIVE}

    def snapshot(self, name: str) -> dict[str, Generation]:
        found = {g.view: g for g in self.generations() if g.kind == SNAPSHOT and g.tag == snapshot_tag(name)}
        if not found:
            msg = f"no snapshot named {name!r}; see `callbacks projections status`"
            raise LookupError(msg)
        return found

    def create_generation(
        self, view: str, *, kind: str, tag: str, status: str, timezone: str,
        until_position: int | None = None, as_of: str | None = None,
    ) -> Generation:
        generation = Generation(
            view=view, tag=tag, kind=kind, status=status, timezone=timezone,
            until_position=until_position, as_of=as_of,
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        )
        with self.tx(commit=True) as cur:
            for statement in TABLES[view].create(self.dialect, tag, self.schema):
                self.run(cur, statement)
            self.run(cur, f"INSERT INTO {self.registry} (view, tag, kind, status, timezone, "
                     "until_position, as_of, created_at) VALUES (:view, :tag, :kind, :status, "
                     ":timezone, :until_position, :as_of, :created_at)", _params(generation))
        return generation

    def next_tag(self, view: str) -> str:
        numbers = [int(g.tag[1:]) for g in self.generations(view) if g.kind == LIVE]
        return f"g{max(numbers, default=0) + 1}"

    def ensure_live(self, timezone: str) -> dict[str, Generation]:
        """Every view has an active live generation (a new one starts at position 0)."""
        self.create_registry()
        active = self.active()
        for view in VIEWS:
            if view not in active:
                active[view] = self.create_generation(
                    view, kind=LIVE, tag=self.next_tag(view), status=ACTIVE, timezone=timezone
                )
        return active

    def drop(self, generation: Generation) -> None:
        with self.tx(commit=True) as cur:
            self.run(cur, f"DROP TABLE IF EXISTS {self.table(generation.view, generation.tag)}")
            self.run(cur, f"DELETE FROM {self.registry} WHERE view = :view AND tag = :tag",
                     {"view": generation.view, "tag": generation.tag})

    def position(self, generation: Generation) -> int:
        return self.max_tracking_id(generation.key) or 0  # type: ignore[attr-defined,no-any-return]

    # Rows -------------------------------------------------------------------------

    def load(self, generation: Generation, keys: Iterable[Hashable]) -> dict[Hashable, Any]:
        table = TABLES[generation.view]
        wanted = list(keys)
        found: dict[Hashable, Any] = {}
        if not wanted:
            return found
        (key_column,) = table.key
        with self.tx(commit=False) as cur:
            for i in range(0, len(wanted), _CHUNK):
                params: dict[str, Any] = {}
                where = self.in_list(key_column, wanted[i:i + _CHUNK], params, table.columns[key_column])
                for record in self.run(cur, f"SELECT * FROM {self.table(generation.view, generation.tag)} WHERE {where}", params):
                    row = table.from_record(record, self.dialect)
                    found[getattr(row, key_column)] = row
        return found

    def write(self, batches: Sequence[tuple[Generation, ViewBatch[Any]]], position: int) -> None:
        """Writes each generation's rows and its position in ONE transaction."""
        with self.tx(commit=True) as cur:
            for generation, batch in batches:
                self._write_rows(cur, generation, batch)
                self._insert_tracking(cur, Tracking(generation.key, position))  # type: ignore[attr-defined]

    def activate(self, generations: Sequence[Generation]) -> None:
        """Switches reads to these generations in one transaction.

        A live generation replaces the active one of its view (which is retired);
        a snapshot becomes ready. The live follower carries on from the new
        generation's own position, so switching is safe at any moment.
        """
        with self.tx(commit=True) as cur:
            for generation in generations:
                if generation.kind == LIVE:
                    self.run(cur, f"UPDATE {self.registry} SET status = :retired WHERE view = :view "
                             "AND kind = :live AND status = :active",
                             {"retired": RETIRED, "view": generation.view, "live": LIVE, "active": ACTIVE})
                self.run(cur, f"UPDATE {self.registry} SET status = :status WHERE view = :view AND tag = :tag",
                         {"status": ACTIVE if generation.kind == LIVE else READY,
                          "view": generation.view, "tag": generation.tag})

    def _write_rows(self, cur: Any, generation: Generation, batch: ViewBatch[Any]) -> None:
        table = TABLES[generation.view]
        rows = batch.appended if table.appended else batch.changed_rows()
        if not rows:
            return
        columns = list(table.columns)
        insert = (f"INSERT INTO {self.table(generation.view, generation.tag)} ({', '.join(columns)}) "
                  f"VALUES ({', '.join(':' + c for c in columns)})")
        if not table.appended:
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in table.key)
            insert += f" ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
        cur.executemany(self.dialect.sql(insert), [table.to_params(r, self.dialect) for r in rows])


def snapshot_tag(name: str) -> str:
    return f"s_{name}"


def _params(g: Generation) -> dict[str, Any]:
    return {"view": g.view, "tag": g.tag, "kind": g.kind, "status": g.status,
            "timezone": g.timezone, "until_position": g.until_position, "as_of": g.as_of,
            "created_at": g.created_at}
