"""How the view store speaks SQL: transactions, statements, and table names."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.views.schema import TABLE_PREFIX, TABLES, qualified

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from adapters.views.dialect import Dialect


class ViewSql:
    """Mixed into an eventsourcing tracking recorder, which owns the connections
    (`datastore`) and the tracking table (`tracking_table`, named per backend)."""

    dialect: Dialect
    schema: str | None
    datastore: Any

    @property
    def tracking_table(self) -> str:
        """The qualified name of the tracking table (each backend names its own)."""
        raise NotImplementedError

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

    def table_exists(self, name: str) -> bool:
        """Whether a table of this store exists (unqualified name)."""
        with self.tx(commit=False) as cur:
            if self.dialect.name == "postgres":
                rows = self.run(
                    cur,
                    "SELECT 1 AS x FROM information_schema.tables "
                    "WHERE table_schema = :schema AND table_name = :name",
                    {"schema": self.schema, "name": name},
                )
            else:
                rows = self.run(
                    cur,
                    "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = :name",
                    {"name": name},
                )
        return bool(rows)
