"""The generations of the views: their registry, their tables, and the switch to them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from adapters.database import created_concurrently
from adapters.views.generation import (
    ACTIVE,
    LIVE,
    READY,
    RETIRED,
    SNAPSHOT,
    Generation,
    snapshot_tag,
)
from adapters.views.schema import TABLE_PREFIX, TABLES, VIEWS
from adapters.views.sql_access import ViewSql

if TYPE_CHECKING:
    from collections.abc import Sequence

REGISTRY_TABLE = f"{TABLE_PREFIX}_registry"


class GenerationRegistry(ViewSql):
    """Which generations exist, which one of each view is read, and their tables."""

    def create_registry(self) -> None:
        with self.tx(commit=True) as cur:
            self.run(
                cur,
                f"CREATE TABLE IF NOT EXISTS {self.registry} ("
                "view TEXT NOT NULL, tag TEXT NOT NULL, kind TEXT NOT NULL, "
                "status TEXT NOT NULL, timezone TEXT NOT NULL, until_position BIGINT, "
                "as_of TEXT, created_at TEXT NOT NULL, PRIMARY KEY (view, tag))",
            )

    def has_registry(self) -> bool:
        return self.table_exists(REGISTRY_TABLE)

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
            self._create(cur, generation, indexes=indexes)
        return generation

    def _create(self, cur: Any, generation: Generation, *, indexes: bool = True) -> None:
        for statement in TABLES[generation.view].create(
            self.dialect, generation.tag, self.schema, indexes=indexes
        ):
            self.run(cur, statement)
        self.run(
            cur,
            f"INSERT INTO {self.registry} (view, tag, kind, status, timezone, "
            "until_position, as_of, created_at) VALUES (:view, :tag, :kind, :status, "
            ":timezone, :until_position, :as_of, :created_at)",
            generation.params(),
        )

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
        return _next_tag(self.generations(view))

    def ensure_live(self, timezone: str) -> dict[str, Generation]:
        """Every view has an active live generation (a new one starts at position 0).
        Two services starting together on an empty store race to create them: the
        loser retries and finds the winner's."""
        return created_concurrently(lambda: self._ensure_live(timezone))

    def _ensure_live(self, timezone: str) -> dict[str, Generation]:
        self.create_registry()
        for view in VIEWS:
            self._ensure_active(view, timezone)
        for generation in self.generations():
            self._ensure_counts(generation)
        return self.active()

    def _ensure_active(self, view: str, timezone: str) -> None:
        """Looks for the view's active live generation and creates one if there is none, in
        one transaction: a service starting at the same moment either finds it made, or
        fails to commit its own (SQLite: its read is no longer the latest; PostgreSQL: it
        waits on the registry's lock, then finds it) and retries."""
        with self.tx(commit=True) as cur:
            if self.dialect.name == "postgres":
                self.run(cur, f"LOCK TABLE {self.registry} IN SHARE ROW EXCLUSIVE MODE")
            found = self.generations(view, cursor=cur)
            if any(g.kind == LIVE and g.status == ACTIVE for g in found):
                return
            generation = Generation(
                view=view,
                tag=_next_tag(found),
                kind=LIVE,
                status=ACTIVE,
                timezone=timezone,
                until_position=None,
                as_of=None,
                created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            )
            self._create(cur, generation)

    def missing_columns(self, generation: Generation) -> list[str]:
        """Columns of the view's rows that the generation's table lacks: made by an
        older version (its rows cannot show them; a rebuild fills them from the log)."""
        name = TABLES[generation.view].name(generation.tag)
        with self.tx(commit=False) as cur:
            if self.dialect.name == "postgres":
                found = self.run(
                    cur,
                    "SELECT column_name AS c FROM information_schema.columns "
                    "WHERE table_schema = :schema AND table_name = :name",
                    {"schema": self.schema, "name": name},
                )
            else:
                found = self.run(cur, f"SELECT name AS c FROM pragma_table_info('{name}')")
        have = {r["c"] for r in found}
        return [c for c in TABLES[generation.view].columns if c not in have] if have else []

    def outdated(self) -> list[Generation]:
        """The active live generations made by an older version (columns missing)."""
        return [g for g in self.active().values() if self.missing_columns(g)]

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
        rows = self.table(generation.view, generation.tag)
        self.run(cur, f"DELETE FROM {counts}")
        self.run(
            cur,
            f"INSERT INTO {counts} ({', '.join(table.counted)}, n) "
            f"SELECT {keys}, count(*) FROM {rows} GROUP BY {keys}",
        )

    def drop(self, generation: Generation) -> None:
        """Its tables, its registry row and its position, in one transaction."""
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
            # Its position too: a generation made again under the same tag starts from 0.
            self.run(
                cur,
                f"DELETE FROM {self.tracking_table} WHERE application_name = :key",
                {"key": generation.key},
            )

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
                    f"UPDATE {self.registry} SET status = :status "
                    "WHERE view = :view AND tag = :tag",
                    {
                        "status": ACTIVE if generation.kind == LIVE else READY,
                        "view": generation.view,
                        "tag": generation.tag,
                    },
                )


def _next_tag(generations: Sequence[Generation]) -> str:
    numbers = [int(g.tag[1:]) for g in generations if g.kind == LIVE]
    return f"g{max(numbers, default=0) + 1}"
