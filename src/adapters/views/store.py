"""The view store: generations of view tables, their rows, and their positions."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking

from adapters.database import created_concurrently
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

    def run(
        self, cursor: Any, sql: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        cursor.execute(self.dialect.sql(sql), params or {})
        if getattr(cursor, "sqlite_cursor", cursor).description is None:
            return []
        return [dict(r) for r in cursor.fetchall()]

    def table(self, view: str, tag: str) -> str:
        return qualified(TABLES[view].name(tag), self.schema)

    def counts_table(self, view: str, tag: str) -> str:
        return qualified(TABLES[view].counts_name(tag), self.schema)

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
            self.run(
                cur,
                f"CREATE TABLE IF NOT EXISTS {self.registry} ("
                "view TEXT NOT NULL, tag TEXT NOT NULL, kind TEXT NOT NULL, "
                "status TEXT NOT NULL, timezone TEXT NOT NULL, until_position BIGINT, "
                "as_of TEXT, created_at TEXT NOT NULL, PRIMARY KEY (view, tag))",
            )

    def generations(self, view: str | None = None, *, cursor: Any = None) -> list[Generation]:
        """`cursor`: read within that transaction (a query then needs one round trip less)."""
        where, params = ("WHERE view = :view", {"view": view}) if view else ("", {})
        statement = f"SELECT * FROM {self.registry} {where} ORDER BY view, created_at"
        if cursor is not None:
            return [Generation(**r) for r in self.run(cursor, statement, params)]
        with self.tx(commit=False) as cur:
            rows = self.run(cur, statement, params)
        return [Generation(**r) for r in rows]

    def active(self, *, cursor: Any = None) -> dict[str, Generation]:
        return {
            g.view: g
            for g in self.generations(cursor=cursor)
            if g.kind == LIVE and g.status == ACTIVE
        }

    def snapshot(self, name: str, *, cursor: Any = None) -> dict[str, Generation]:
        found = {
            g.view: g
            for g in self.generations(cursor=cursor)
            if g.kind == SNAPSHOT and g.tag == snapshot_tag(name)
        }
        if not found:
            msg = f"no snapshot named {name!r}; see `callbacks projections status`"
            raise LookupError(msg)
        return found

    def create_generation(
        self,
        view: str,
        *,
        kind: str,
        tag: str,
        status: str,
        timezone: str,
        until_position: int | None = None,
        as_of: str | None = None,
        indexes: bool = True,
    ) -> Generation:
        """A new generation's tables; `indexes=False` leaves the secondary indexes to
        `finish` (a rebuild fills the table first, then indexes it once)."""
        generation = Generation(
            view=view,
            tag=tag,
            kind=kind,
            status=status,
            timezone=timezone,
            until_position=until_position,
            as_of=as_of,
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        )
        with self.tx(commit=True) as cur:
            for statement in TABLES[view].create(self.dialect, tag, self.schema, indexes=indexes):
                self.run(cur, statement)
            self.run(
                cur,
                f"INSERT INTO {self.registry} (view, tag, kind, status, timezone, "
                "until_position, as_of, created_at) VALUES (:view, :tag, :kind, :status, "
                ":timezone, :until_position, :as_of, :created_at)",
                _params(generation),
            )
        return generation

    def finish(self, generations: Sequence[Generation]) -> None:
        """Builds the secondary indexes of filled generations and refreshes the
        planner's statistics, before they are switched to (idempotent)."""
        for generation in generations:
            table = TABLES[generation.view]
            with self.tx(commit=True) as cur:
                for statement in table.create_indexes(generation.tag, self.schema):
                    self.run(cur, statement)
            if self.dialect.name == "postgres":
                # Appended views are read by key or position: statistics are enough.
                self._vacuum(
                    self.table(generation.view, generation.tag), analyze_only=table.appended
                )

    def _vacuum(self, table: str, *, analyze_only: bool) -> None:
        """VACUUM (ANALYZE): planner statistics, and the visibility map that lets
        counts and pages be answered from the indexes alone (a freshly filled table
        has none until autovacuum comes by). Outside a transaction, as VACUUM must be."""
        with self.datastore.get_connection() as conn:
            conn.autocommit = True
            try:
                conn.execute(f"ANALYZE {table}" if analyze_only else f"VACUUM (ANALYZE) {table}")
            finally:
                conn.autocommit = False

    def next_tag(self, view: str) -> str:
        numbers = [int(g.tag[1:]) for g in self.generations(view) if g.kind == LIVE]
        return f"g{max(numbers, default=0) + 1}"

    def ensure_live(self, timezone: str) -> dict[str, Generation]:
        """Every view has an active live generation (a new one starts at position 0).
        Two services starting together on an empty store race to create them: the
        loser retries and finds the winner's."""
        return created_concurrently(lambda: self._ensure_live(timezone))

    def _ensure_live(self, timezone: str) -> dict[str, Generation]:
        self.create_registry()
        active = self.active()
        for view in VIEWS:
            if view not in active:
                active[view] = self.create_generation(
                    view, kind=LIVE, tag=self.next_tag(view), status=ACTIVE, timezone=timezone
                )
        for generation in self.generations():
            self._ensure_counts(generation)
        return active

    def _ensure_counts(self, generation: Generation) -> None:
        """Generations made before their view had counts get them, counted once from the
        rows, with the rows' writers held off meanwhile (and a second service starting
        at the same moment finding them filled)."""
        table = TABLES[generation.view]
        if not table.counted:
            return
        rows, counts = (
            self.table(generation.view, generation.tag),
            self.counts_table(generation.view, generation.tag),
        )
        with self.tx(commit=True) as cur:
            if self.dialect.name == "postgres":
                self.run(cur, f"LOCK TABLE {rows} IN SHARE ROW EXCLUSIVE MODE")
            for statement in table.create_counts(generation.tag, self.schema):
                self.run(cur, statement)
            if not self.run(cur, f"SELECT 1 AS x FROM {counts} LIMIT 1"):
                self.recount(cur, generation)

    def recount(self, cur: Any, generation: Generation) -> None:
        """Counts the generation's rows afresh (within the caller's transaction)."""
        table = TABLES[generation.view]
        counts = self.counts_table(generation.view, generation.tag)
        keys = ", ".join(f"COALESCE({c}, '')" for c in table.counted)
        self.run(cur, f"DELETE FROM {counts}")
        self.run(
            cur,
            f"INSERT INTO {counts} ({', '.join(table.counted)}, n) "
            f"SELECT {keys}, count(*) FROM {self.table(generation.view, generation.tag)} GROUP BY {keys}",
        )

    def drop(self, generation: Generation) -> None:
        with self.tx(commit=True) as cur:
            self.run(cur, f"DROP TABLE IF EXISTS {self.table(generation.view, generation.tag)}")
            if TABLES[generation.view].counted:
                self.run(
                    cur,
                    f"DROP TABLE IF EXISTS {self.counts_table(generation.view, generation.tag)}",
                )
            self.run(
                cur,
                f"DELETE FROM {self.registry} WHERE view = :view AND tag = :tag",
                {"view": generation.view, "tag": generation.tag},
            )
            # Its position too: a snapshot made again under the same name starts from 0.
            tracking = qualified(self.tracking_table_name, self.schema)  # type: ignore[attr-defined]
            self.run(
                cur,
                f"DELETE FROM {tracking} WHERE application_name = :key",
                {"key": generation.key},
            )

    def position(self, generation: Generation) -> int:
        return self.max_tracking_id(generation.key) or 0  # type: ignore[attr-defined,no-any-return]

    def positions(self, generations: Sequence[Generation]) -> dict[str, int]:
        """Each generation's position by key: on PostgreSQL in one query (the live loop
        asks before every batch), elsewhere one by one."""
        if self.dialect.name != "postgres" or len(generations) < 2:
            return {g.key: self.position(g) for g in generations}
        table = qualified(self.tracking_table_name, self.schema)  # type: ignore[attr-defined]
        params: dict[str, Any] = {}
        where = self.in_list("application_name", [g.key for g in generations], params, "text")
        with self.tx(commit=False) as cur:
            rows = self.run(
                cur,
                f"SELECT application_name AS k, max(notification_id) AS n FROM {table} "
                f"WHERE {where} GROUP BY application_name",
                params,
            )
        found = {r["k"]: r["n"] for r in rows}
        return {g.key: int(found.get(g.key) or 0) for g in generations}

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
                where = self.in_list(
                    key_column, wanted[i : i + _CHUNK], params, table.columns[key_column]
                )
                for record in self.run(
                    cur,
                    f"SELECT * FROM {self.table(generation.view, generation.tag)} WHERE {where}",
                    params,
                ):
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
                    self.run(
                        cur,
                        f"UPDATE {self.registry} SET status = :retired WHERE view = :view "
                        "AND kind = :live AND status = :active",
                        {
                            "retired": RETIRED,
                            "view": generation.view,
                            "live": LIVE,
                            "active": ACTIVE,
                        },
                    )
                self.run(
                    cur,
                    f"UPDATE {self.registry} SET status = :status WHERE view = :view AND tag = :tag",
                    {
                        "status": ACTIVE if generation.kind == LIVE else READY,
                        "view": generation.view,
                        "tag": generation.tag,
                    },
                )

    def _write_rows(self, cur: Any, generation: Generation, batch: ViewBatch[Any]) -> None:
        table = TABLES[generation.view]
        rows = batch.appended if table.appended else batch.changed_rows()
        if not rows:
            return
        columns = list(table.columns)
        target = self.table(generation.view, generation.tag)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in table.key)
        upsert = f" ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
        if table.counted:
            self._count(cur, generation, batch)
        if self.dialect.name == "postgres":
            self._copy_rows(cur, table, target, columns, rows, "" if table.appended else upsert)
            return
        insert = f"INSERT INTO {target} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
        if not table.appended:
            insert += upsert
        cur.executemany(self.dialect.sql(insert), [table.to_params(r, self.dialect) for r in rows])

    def _count(self, cur: Any, generation: Generation, batch: ViewBatch[Any]) -> None:
        """The batch's changes to the counts: each changed row leaves the group it was
        loaded in and joins the one it ends in (rows are never deleted)."""
        table = TABLES[generation.view]
        delta: Counter[tuple[str, ...]] = Counter()
        for key in batch.changed:
            old = batch.before.get(key)
            if old is not None:
                delta[table.count_key(old)] -= 1
            delta[table.count_key(batch.rows[key])] += 1
        groups = [(k, n) for k, n in delta.items() if n]
        if not groups:
            return
        names = [*table.counted, "n"]
        counts = self.counts_table(generation.view, generation.tag)
        statement = (
            f"INSERT INTO {counts} ({', '.join(names)}) VALUES ({', '.join(':' + c for c in names)}) "
            f"ON CONFLICT ({', '.join(table.counted)}) DO UPDATE SET n = {counts}.n + excluded.n"
        )
        cur.executemany(
            self.dialect.sql(statement),
            [dict(zip(names, [*(str(v) for v in k), n], strict=True)) for k, n in groups],
        )

    def _copy_rows(
        self, cur: Any, table: Any, target: str, columns: list[str], rows: list[Any], upsert: str
    ) -> None:
        """PostgreSQL: COPY, the fastest way in. Appended rows go straight into the
        table; upserted rows into a session-local staging table first, then into the
        table with ONE `INSERT ... SELECT ... ON CONFLICT` (keys are unique per batch)."""
        names = ", ".join(columns)
        into = target
        if upsert:
            into = f'"{TABLE_PREFIX}_stage_{table.view}"'
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {into} (LIKE {target}) ON COMMIT DELETE ROWS"
            )
        with cur.copy(f"COPY {into} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(table.values(row, self.dialect))
        if upsert:
            cur.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {into}{upsert}")


def snapshot_tag(name: str) -> str:
    return f"s_{name}"


def _params(g: Generation) -> dict[str, Any]:
    return {
        "view": g.view,
        "tag": g.tag,
        "kind": g.kind,
        "status": g.status,
        "timezone": g.timezone,
        "until_position": g.until_position,
        "as_of": g.as_of,
        "created_at": g.created_at,
    }
