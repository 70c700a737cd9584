"""The tables of each view, their columns and indexes, per generation."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from adapters.views.dialect import COPY_TYPES
from projections.agent_counts import AgentRow
from projections.callback_list import CallbackRow
from projections.history import HistoryRow
from projections.log_times import LogTime
from projections.sms_messages import SmsMessageRow

if TYPE_CHECKING:
    from adapters.views.dialect import Dialect

CALLBACK_LIST, AGENT_COUNTS, HISTORY, LOG_TIMES, SMS_MESSAGES = (
    "callback_list",
    "agent_counts",
    "history",
    "log_times",
    "sms_messages",
)
TABLE_PREFIX = "callbacks_views"
_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class Table:
    view: str
    row_type: type
    columns: dict[str, str]  # name -> type tag
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    appended: bool = False  # rows are only inserted, never updated
    # Columns whose combinations are counted in a side table kept with the rows (exact
    # totals for the list's common filters without counting the rows); NULL counts as ''.
    counted: tuple[str, ...] = ()
    # (index, type tag) of the columns whose values may need converting for PostgreSQL:
    # JSON ones, and any whose row field may hold a tuple (from the row type's hints);
    # and the integer ones, checked.
    _special: tuple[tuple[int, str], ...] = field(init=False, repr=False, compare=False)
    # PostgreSQL's type of each column, for a binary COPY.
    copy_types: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _read: Any = field(init=False, repr=False, compare=False)  # every column's attribute

    def __post_init__(self) -> None:
        hints = {f.name: str(f.type) for f in fields(self.row_type)}
        special = tuple(
            (i, kind)
            for i, (column, kind) in enumerate(self.columns.items())
            if kind in {"json", "int"} or "tuple" in hints.get(column, "tuple")
        )
        object.__setattr__(self, "_special", special)
        object.__setattr__(self, "copy_types", tuple(COPY_TYPES[t] for t in self.columns.values()))
        object.__setattr__(self, "_read", attrgetter(*self.columns))

    def name(self, tag: str) -> str:
        return f"{TABLE_PREFIX}_{self.view}_{tag}"

    def counts_name(self, tag: str) -> str:
        return f"{TABLE_PREFIX}_{self.view}_counts_{tag}"

    def create_counts(self, tag: str, schema: str | None) -> list[str]:
        if not self.counted:
            return []
        cols = ", ".join(f"{c} TEXT NOT NULL" for c in self.counted)
        return [
            f"CREATE TABLE IF NOT EXISTS {qualified(self.counts_name(tag), schema)} "
            f"({cols}, n BIGINT NOT NULL, PRIMARY KEY ({', '.join(self.counted)}))"
        ]

    def count_key(self, row: Any) -> tuple[str, ...]:
        return tuple(getattr(row, c) or "" for c in self.counted)

    def create(
        self, dialect: Dialect, tag: str, schema: str | None, *, indexes: bool = True
    ) -> list[str]:
        """The table; with `indexes=False` only its primary key (a rebuild adds the
        others once it is filled: building an index at the end is far cheaper than
        keeping it up to date row by row)."""
        table = qualified(self.name(tag), schema)
        cols = ", ".join(f"{c} {dialect.types[t]}" for c, t in self.columns.items())
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({', '.join(self.key)}))",
            *self.create_counts(tag, schema),
        ]
        if indexes:
            statements += self.create_indexes(tag, schema)
        return statements

    def create_indexes(self, tag: str, schema: str | None) -> list[str]:
        table = qualified(self.name(tag), schema)
        return [
            f"CREATE INDEX IF NOT EXISTS {self.name(tag)}_i{i} ON {table} ({', '.join(index)})"
            for i, index in enumerate(self.indexes)
        ]

    def values(self, row: Any, dialect: Dialect) -> list[Any]:
        """The row's database values in column order (for COPY)."""
        if dialect.name != "postgres":
            return [dialect.to_db(_get(row, c), t) for c, t in self.columns.items()]
        # PostgreSQL takes every value as it is but JSON and tuples: one C-level read of
        # all the attributes, then only those fixed (the rebuild writes millions of rows).
        values = list(self._read(row))
        for i, kind in self._special:
            value = values[i]
            if kind == "int":
                if value is not None and not _INT4_MIN <= value <= _INT4_MAX:
                    # A binary COPY would wrap it silently; as text, PostgreSQL refuses.
                    msg = f"{list(self.columns)[i]} = {value} is out of an integer's range"
                    raise OverflowError(msg)
            elif kind == "json" or isinstance(value, tuple):
                values[i] = dialect.to_db(list(value) if isinstance(value, tuple) else value, kind)
        return values

    def to_params(self, row: Any, dialect: Dialect) -> dict[str, Any]:
        return {c: dialect.to_db(_get(row, c), t) for c, t in self.columns.items()}

    def from_record(self, record: dict[str, Any], dialect: Dialect) -> Any:
        values = {c: dialect.from_db(record[c], t) for c, t in self.columns.items()}
        if self.row_type is AgentRow:
            values["teams"] = tuple(values["teams"] or ())
            values["permissions"] = tuple(values["permissions"] or ())
        return self.row_type(**values)


def qualified(name: str, schema: str | None) -> str:
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def _get(row: Any, column: str) -> Any:
    value = getattr(row, column)
    return list(value) if isinstance(value, tuple) else value


def _columns(row_type: type, kinds: dict[str, str]) -> dict[str, str]:
    return {f.name: kinds.get(f.name, "text") for f in fields(row_type)}


_TS = "ts"
CALLBACK_TABLE = Table(
    CALLBACK_LIST,
    CallbackRow,
    _columns(
        CallbackRow,
        {
            "callback_id": "uuid",
            "recreated_from": "uuid",
            "requested_at": _TS,
            "desired_time": _TS,
            "queue_since": _TS,
            "due_at": _TS,
            "overdue_at": _TS,
            "expires_at": _TS,
            "assigned_at": _TS,
            "first_assigned_at": _TS,
            "completed_at": _TS,
            "offer_expires_at": _TS,
            "owned_until": _TS,
            "offered": "bool",
            "attempts": "int",
            "history_length": "int",
            "position": "bigint",
            "assignment_cancelled": "bool",
        },
    ),
    key=("callback_id",),
    indexes=(
        ("requested_at", "callback_id"),
        ("route", "requested_at", "callback_id"),
        ("state", "requested_at", "callback_id"),
        ("status", "requested_at", "callback_id"),
        ("phone", "requested_at"),
        ("agent", "requested_at", "callback_id"),
        ("team", "requested_at", "callback_id"),
        ("assigner", "requested_at", "callback_id"),
        ("assigner_team", "requested_at", "callback_id"),
        ("routing_team", "requested_at", "callback_id"),
        ("desired_time", "callback_id"),  # what is due next
        ("request_id",),
        ("route", "state", "queue_since", "callback_id"),  # position in queue
        ("route", "assigned_at"),  # recent handling rate
        ("state", "due_at"),  # the scheduler: due SCHEDULED callbacks
        ("state", "expires_at"),  # the scheduler: expiry
        ("first_assigned_day", "route", "agent"),  # treatment rate
        ("first_assigned_month", "route", "agent"),
        ("routing_agent", "state", "due_at"),  # an agent's upcoming callbacks
        ("state", "offer_expires_at"),  # the distributor: lapsed offers
        ("state", "owned_until"),  # the distributor: expired ownership
    ),
    counted=("route", "state", "status", "team", "assigner_team", "assigner"),
)
AGENT_TABLE = Table(
    AGENT_COUNTS,
    AgentRow,
    _columns(
        AgentRow,
        {
            "teams": "json",
            "permissions": "json",
            "logged_in": "bool",
            "incomplete": "int",
            "position": "bigint",
        },
    ),
    key=("agent_id",),
)
HISTORY_TABLE = Table(
    HISTORY,
    HistoryRow,
    _columns(
        HistoryRow,
        {"callback_id": "uuid", "version": "int", "position": "bigint", "at": _TS, "data": "json"},
    ),
    key=("callback_id", "version"),
    appended=True,
)
LOG_TIMES_TABLE = Table(
    LOG_TIMES,
    LogTime,
    {"position": "bigint", "at": _TS},
    key=("position",),
    indexes=(("at", "position"),),
    appended=True,
)
SMS_MESSAGES_TABLE = Table(
    SMS_MESSAGES,
    SmsMessageRow,
    _columns(
        SmsMessageRow,
        {
            "message_id": "uuid",
            "callback_id": "uuid",
            "requested_at": _TS,
            "reserve_at": _TS,
            "due_at": _TS,
            "updated_at": _TS,
            "attempts": "int",
            "position": "bigint",
        },
    ),
    key=("message_id",),
    indexes=(
        ("requested_at", "message_id"),
        ("recipient", "requested_at"),
        ("state", "requested_at", "message_id"),
        ("template_id", "requested_at", "message_id"),
        ("state", "due_at"),  # the dispatcher: what is due
    ),
)
TABLES = {
    t.view: t
    for t in (CALLBACK_TABLE, AGENT_TABLE, HISTORY_TABLE, LOG_TIMES_TABLE, SMS_MESSAGES_TABLE)
}
VIEWS = tuple(TABLES)
