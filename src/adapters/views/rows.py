"""The rows of the views: loaded by key, written with their positions in one transaction."""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from adapters.views.schema import TABLE_PREFIX, TABLES
from adapters.views.sql_access import ViewSql

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    from adapters.views.generation import Generation
    from adapters.views.schema import Table
    from projections.batch import ViewBatch

_CHUNK = 500
log = logging.getLogger(__name__)


class RowWriter(ViewSql):
    """Loads the rows a batch touches and writes them back, counts included."""

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
        insert = (
            f"INSERT INTO {target} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        )
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
            f"INSERT INTO {counts} ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + c for c in names)}) "
            f"ON CONFLICT ({', '.join(table.counted)}) DO UPDATE SET n = {counts}.n + excluded.n"
        )
        cur.executemany(
            self.dialect.sql(statement),
            [dict(zip(names, [*(str(v) for v in k), n], strict=True)) for k, n in groups],
        )

    def _copy_rows(  # noqa: PLR0917 - one call site, in this class
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
        try:
            with cur.connection.transaction():  # a savepoint, should binary COPY refuse
                self._copy(cur, table, f"COPY {into} ({names}) FROM STDIN (FORMAT BINARY)", rows)
        except (TypeError, AttributeError, ValueError) as e:
            # A value of a type binary COPY does not take as its column's (a naive
            # time, say): the batch goes in as text, which PostgreSQL converts.
            log.warning("binary COPY into %s refused a value (%s); copying as text", into, e)
            self._copy(cur, table, f"COPY {into} ({names}) FROM STDIN", rows)
        if upsert:
            cur.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {into}{upsert}")

    def _copy(self, cur: Any, table: Table, statement: str, rows: list[Any]) -> None:
        """Binary COPY is told the columns' types: each value is then written by its
        column's dumper (~2 us a callback-list row, against ~20 us as text, where each
        value's dumper is looked up by its Python type)."""
        with cur.copy(statement) as copy:
            if "BINARY" in statement:
                copy.set_types(table.copy_types)
            for row in rows:
                copy.write_row(table.values(row, self.dialect))
