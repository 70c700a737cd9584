"""The callback list's filters (CONTRACT.md's list query) and the SQL condition of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from adapters.views.agent_queries import scope_clause
from callback_domain.lifecycle import CallbackState
from callback_domain.phones import PhoneNumbers, compact_phone

if TYPE_CHECKING:
    from adapters.views.dialect import Dialect
    from callback_domain.visibility import Scope

Values = str | tuple[str, ...]
# Filters of one column each, by the column they compare (several values: any of them).
EQUAL_TO = {
    "route": "route",
    "status": "status",
    "state": "state",
    "callback_type": "type",
    "agent": "agent",
    "agent_team": "team",
    "assigner": "assigner",
    "assigner_team": "assigner_team",
    "team": "routing_team",
    "states": "state",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ListFilters:
    """`from_`/`to` bound the requested time, `desired_from`/`desired_to` the desired
    time (from included, to excluded); `phone` is any spelling of the whole number,
    `phone_suffix` its last digits; `overdue` compares with `now` (default: the clock)."""

    from_: datetime | None = None
    to: datetime | None = None
    desired_from: datetime | None = None
    desired_to: datetime | None = None
    route: Values | None = None
    status: Values | None = None
    state: Values | None = None
    callback_type: Values | None = None
    phone: str | None = None
    phone_suffix: str | None = None
    agent: str | None = None
    agent_team: str | None = None
    assigner: str | None = None
    assigner_team: str | None = None
    team: str | None = None  # the team the callback is routed to
    overdue: bool | None = None
    states: tuple[str, ...] | None = None  # any of these (an agent's pending work)
    scope: Scope | None = None  # only what one caller may see (callback_domain.visibility)
    # Only within these routes: the caller's grants (a supervisor or monitor limited to
    # some routes); None: every route.
    granted_routes: tuple[str, ...] | None = None
    now: datetime | None = None

    def equal(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """Each one-column filter given: its name, its column and the values it takes."""
        found = []
        for name, column in EQUAL_TO.items():
            value = getattr(self, name)
            if value is not None:
                values = (value,) if isinstance(value, str) else tuple(value)
                found.append((name, column, tuple(str(v) for v in values)))
        return found

    def only_equal(self) -> bool:
        """Whether every filter given compares one column with values."""
        others = (
            *("from_", "to", "desired_from", "desired_to"),
            *("phone", "phone_suffix", "overdue", "scope", "granted_routes"),
        )
        return all(getattr(self, name) is None for name in others)


def where(f: ListFilters, params: dict[str, Any], dialect: Dialect, phones: PhoneNumbers) -> str:
    """The SQL condition of `f`, its values bound in `params`; `phones` reads a number
    given without a country code."""
    clauses = []
    for name, column, op in (
        ("from_", "requested_at", ">="),
        ("to", "requested_at", "<"),
        ("desired_from", "desired_time", ">="),
        ("desired_to", "desired_time", "<"),
    ):
        value = getattr(f, name)
        if value is not None:
            clauses.append(f"{column} {op} :{name}")
            params[name] = dialect.to_db(value, "ts")
    for name, column, values in f.equal():
        if len(values) == 1:
            clauses.append(f"{column} = :eq_{name}")
            params[f"eq_{name}"] = values[0]
        else:
            clauses.append(dialect.any_of(column, f"eq_{name}", values, params))
    if f.phone is not None:
        clauses.append("phone = :phone")
        params["phone"] = phones.canonical(f.phone)
    if f.phone_suffix is not None:
        clauses.append("phone LIKE :phone_suffix")
        params["phone_suffix"] = "%" + compact_phone(f.phone_suffix)
    if f.overdue is not None:
        params["scheduled"] = CallbackState.SCHEDULED.value
        params["now"] = dialect.to_db(f.now or datetime.now(UTC), "ts")
        overdue = "(state = :scheduled AND overdue_at < :now)"
        clauses.append(overdue if f.overdue else f"NOT {overdue}")
    if f.scope is not None:
        clauses.append(scope_clause(f.scope, dialect, params))
    if f.granted_routes is not None:
        clauses.append(
            dialect.any_of("route", "granted_routes", f.granted_routes, params)
            if f.granted_routes
            else "1=0"
        )
    return " AND ".join(clauses) or "1=1"
