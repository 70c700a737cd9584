"""What differs between SQLite and PostgreSQL for the views: types and placeholders."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from collections.abc import Iterable

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
# One encoder for every JSON column (json.dumps with options builds one per call).
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Dialect:
    """Column types are tags: uuid, ts, text, int, bigint, bool, json."""

    name: str
    types: dict[str, str]

    def sql(self, text: str) -> str:
        """Our SQL uses :name placeholders; psycopg wants %(name)s."""
        if self.name == "postgres":
            return _NAMED.sub(r"%(\1)s", text.replace("%", "%%"))
        return text

    def any_of(
        self,
        column: str,
        name: str,
        values: Iterable[Any],
        params: dict[str, Any],
        kind: str = "text",
    ) -> str:
        """The condition "`column` is one of `values`", which it binds in `params` under
        `name`: one array on PostgreSQL, one placeholder each on SQLite. No values: no row.
        """
        found = [self.to_db(str(v) if kind == "text" else v, kind) for v in values]
        if not found:
            return "1=0"
        if self.name == "postgres":
            params[name] = found
            return f"{column} = ANY(:{name})"
        names = [f"{name}_{i}" for i in range(len(found))]
        params.update(zip(names, found, strict=True))
        return f"{column} IN ({', '.join(':' + n for n in names)})"

    def to_db(self, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "json":
            return _JSON.encode(value)
        if self.name == "postgres":
            return value
        if kind == "ts":
            # Fixed width UTC text: lexical order is time order.
            return value.astimezone(UTC).isoformat(timespec="microseconds")
        if kind == "uuid":
            return str(value)
        if kind == "bool":
            return int(value)
        return value

    def from_db(self, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "json":
            return json.loads(value) if isinstance(value, str) else value
        if self.name == "postgres":
            return value
        if kind == "ts":
            return datetime.fromisoformat(value)
        if kind == "uuid":
            return UUID(value)
        if kind == "bool":
            return bool(value)
        return value


SQLITE = Dialect(
    "sqlite",
    {
        "uuid": "TEXT",
        "ts": "TEXT",
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "INTEGER",
        "bool": "INTEGER",
        "json": "TEXT",
    },
)
POSTGRES = Dialect(
    "postgres",
    {
        "uuid": "uuid",
        "ts": "timestamptz",
        "text": "text",
        "int": "integer",
        "bigint": "bigint",
        "bool": "boolean",
        "json": "text",
    },
)
# PostgreSQL's name of each column type, as a binary COPY is told them (JSON is text).
COPY_TYPES = {
    "uuid": "uuid",
    "ts": "timestamptz",
    "text": "text",
    "int": "int4",
    "bigint": "int8",
    "bool": "bool",
    "json": "text",
}
