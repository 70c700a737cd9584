"""Questions the views answer: lists, counts, reports, history, and the scheduler's."""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from adapters.views.schema import AGENT_COUNTS, CALLBACK_LIST, HISTORY, LOG_TIMES, TABLES
from callback_domain.errors import InvalidRequestError
from callback_domain.lifecycle import CallbackState
from callback_domain.values import compact_phone
from projections.treatment_rate import DAY, RateRow, periods

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from adapters.views.store import Generation, ViewStore
    from projections.agent_counts import AgentRow
    from projections.callback_list import CallbackRow
    from projections.history import HistoryRow

MAX_PAGE = 250
RATE_WINDOW = timedelta(hours=1)
_FILTERS = ("route", "status", "state", "agent", "assigner", "assigner_team")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListFilters:
    """Filters of CONTRACT.md's list query; `from_`/`to` bound the requested time."""

    from_: datetime | None = None
    to: datetime | None = None
    route: str | None = None
    status: str | None = None
    state: str | None = None
    phone: str | None = None
    agent: str | None = None
    agent_team: str | None = None
    assigner: str | None = None
    assigner_team: str | None = None
    states: tuple[str, ...] | None = None  # any of these (an agent's pending work)


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[CallbackRow]
    next_cursor: str | None
    total: int


def encode_cursor(row: CallbackRow) -> str:
    raw = json.dumps([row.requested_at.isoformat(), str(row.callback_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, callback_id = json.loads(raw)
        return datetime.fromisoformat(at), UUID(callback_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidRequestError.single(
            "cursor", "is not a cursor this service gave out"
        ) from None


class ViewQueries:
    """Reads the active generations, or a named snapshot's."""

    def __init__(self, store: ViewStore, *, snapshot: str | None = None) -> None:
        self.store, self.snapshot = store, snapshot

    def generation(self, view: str, *, cursor: Any = None) -> Generation:
        found = (
            self.store.snapshot(self.snapshot, cursor=cursor)
            if self.snapshot
            else self.store.active(cursor=cursor)
        )
        if view not in found:
            msg = f"no {view} view yet; start `callbacks serve` or run `callbacks projections rebuild`"
            raise LookupError(msg)
        return found[view]

    def _q(self, view: str, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._many(view, [(sql, params)])[0]

    def _many(
        self, view: str, statements: list[tuple[str, dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """Runs statements on the view's generation in ONE read transaction (which
        generation is active is read in it too: one connection, one round trip each)."""
        with self.store.tx(commit=False) as cur:
            # `generation` may be replaced on an instance to pin other generations.
            pinned = "generation" in vars(self)
            generation = self.generation(view) if pinned else self.generation(view, cursor=cur)
            table = self.store.table(view, generation.tag)
            counts = self.store.counts_table(view, generation.tag)
            return [
                self.store.run(cur, sql.replace("{t}", table).replace("{c}", counts), params)
                for sql, params in statements
            ]

    def _rows(self, view: str, sql: str, params: dict[str, Any]) -> list[Any]:
        table = TABLES[view]
        return [table.from_record(r, self.store.dialect) for r in self._q(view, sql, params)]

    def _ts(self, value: datetime) -> Any:
        return self.store.dialect.to_db(value, "ts")

    # Read-your-writes ------------------------------------------------------------

    def position(self, view: str = CALLBACK_LIST) -> int:
        return self.store.position(self.generation(view))

    def wait_for(self, position: int, *, timeout: float = 2.0, view: str = CALLBACK_LIST) -> bool:
        """Waits until the view has applied `position`; False if it did not in time."""
        deadline, pause = time.monotonic() + timeout, 0.005
        while self.position(view) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    # The callback list -------------------------------------------------------------

    def _where(self, f: ListFilters, params: dict[str, Any]) -> str:
        clauses = []
        if f.from_ is not None:
            clauses.append("requested_at >= :from_")
            params["from_"] = self._ts(f.from_)
        if f.to is not None:
            clauses.append("requested_at < :to")
            params["to"] = self._ts(f.to)
        for name in _FILTERS:
            value = getattr(f, name)
            if value is not None:
                clauses.append(f"{name} = :{name}")
                params[name] = value
        if f.agent_team is not None:
            clauses.append("team = :agent_team")
            params["agent_team"] = f.agent_team
        if f.phone is not None:
            clauses.append("phone = :phone")
            params["phone"] = compact_phone(f.phone)
        if f.states is not None:
            names = [f"st_{i}" for i in range(len(f.states))]
            params.update(zip(names, f.states, strict=True))
            clauses.append(f"state IN ({', '.join(':' + n for n in names)})" if names else "1=0")
        return " AND ".join(clauses) or "1=1"

    def list(
        self, filters: ListFilters, *, page_size: int = 50, cursor: str | None = None
    ) -> ListPage:
        page_size = max(1, min(page_size, MAX_PAGE))
        params: dict[str, Any] = {"limit": page_size + 1}
        where = self._where(filters, params)
        counting = self._counting(filters, where, params)
        if cursor:
            at, callback_id = decode_cursor(cursor)
            # A row comparison: PostgreSQL starts the index scan there (an OR of the
            # two conditions was a filter over every row before the cursor).
            where += " AND (requested_at, callback_id) < (:c_at, :c_id)"
            params.update(c_at=self._ts(at), c_id=self.store.dialect.to_db(callback_id, "uuid"))
        counted, records = self._many(
            CALLBACK_LIST,
            [
                counting,
                (
                    f"SELECT * FROM {{t}} WHERE {where} ORDER BY requested_at DESC, callback_id DESC LIMIT :limit",
                    params,
                ),
            ],
        )
        total = counted[0]["n"]
        table = TABLES[CALLBACK_LIST]
        rows = [table.from_record(r, self.store.dialect) for r in records]
        more = len(rows) > page_size
        rows = rows[:page_size]
        return ListPage(rows, encode_cursor(rows[-1]) if more else None, int(total))

    def _counting(
        self, f: ListFilters, where: str, params: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """The statement behind `total`: filters on counted columns only (none, route,
        state, status, assigner, teams) add up the view's counts, exact and a few rows whatever
        the view's size; others count the matching rows."""
        counted = TABLES[CALLBACK_LIST].counted
        used = {
            name
            for name in (*_FILTERS, "agent_team", "phone", "from_", "to", "states")
            if getattr(f, name) is not None
        }
        columns = {"agent_team": "team", "states": "state"}
        if all(columns.get(name, name) in counted for name in used) and "" not in (
            *(getattr(f, name) for name in used),
            *(f.states or ()),
        ):
            # The same clauses on columns of the same names ('' stands for NULL there,
            # so a filter asking for '' counts the rows).
            return f"SELECT COALESCE(SUM(n), 0) AS n FROM {{c}} WHERE {where}", dict(params)
        return f"SELECT count(*) AS n FROM {{t}} WHERE {where}", dict(params)

    def iter_rows(self, filters: ListFilters, *, chunk: int = 1000) -> Iterator[CallbackRow]:
        """Every row of a list query, newest first, in keyset pages (constant memory)."""
        cursor = None
        while True:
            page = self._page(filters, chunk, cursor)
            yield from page
            if len(page) < chunk:
                return
            cursor = encode_cursor(page[-1])

    def _page(self, filters: ListFilters, size: int, cursor: str | None) -> list[CallbackRow]:
        params: dict[str, Any] = {"limit": size}
        where = self._where(filters, params)
        if cursor:
            at, callback_id = decode_cursor(cursor)
            # A row comparison: PostgreSQL starts the index scan there (an OR of the
            # two conditions was a filter over every row before the cursor).
            where += " AND (requested_at, callback_id) < (:c_at, :c_id)"
            params.update(c_at=self._ts(at), c_id=self.store.dialect.to_db(callback_id, "uuid"))
        return self._rows(
            CALLBACK_LIST,
            f"SELECT * FROM {{t}} WHERE {where} "
            "ORDER BY requested_at DESC, callback_id DESC LIMIT :limit",
            params,
        )

    def summary(self, filters: ListFilters) -> dict[str, int]:
        params: dict[str, Any] = {}
        where = self._where(filters, params)
        (r,) = self._q(
            CALLBACK_LIST,
            f"SELECT count(*) AS total, count(agent) AS assigned FROM {{t}} WHERE {where}",
            params,
        )
        total, assigned = int(r["total"]), int(r["assigned"])
        return {"total": total, "assigned": assigned, "unassigned": total - assigned}

    def get(self, callback_id: UUID) -> CallbackRow | None:
        rows = self._rows(
            CALLBACK_LIST,
            "SELECT * FROM {t} WHERE callback_id = :id",
            {"id": self.store.dialect.to_db(callback_id, "uuid")},
        )
        return rows[0] if rows else None

    def get_many(self, callback_ids: Sequence[UUID]) -> dict[UUID, CallbackRow]:
        """Rows by id (notifications ask for a batch's): the store's batched load."""
        return self.store.load(self.generation(CALLBACK_LIST), dict.fromkeys(callback_ids))  # type: ignore[return-value]

    def search(
        self,
        *,
        callback_id: UUID | None = None,
        phone: str | None = None,
        request_id: str | None = None,
    ) -> list[CallbackRow]:
        if callback_id is not None:
            found = self.get(callback_id)
            return [found] if found else []
        column, value = (
            ("phone", compact_phone(phone)) if phone is not None else ("request_id", request_id)
        )
        return self._rows(
            CALLBACK_LIST,
            f"SELECT * FROM {{t}} WHERE {column} = :v "
            "ORDER BY requested_at DESC, callback_id DESC LIMIT :limit",
            {"v": value, "limit": MAX_PAGE},
        )

    def queue_position(self, row: CallbackRow, now: datetime) -> tuple[int | None, int | None]:
        """Place in line (1 = next) and estimated wait, for a QUEUED callback."""
        if row.state != CallbackState.QUEUED:
            return None, None
        return self.place_in_line(row.route, row.queue_since, row.callback_id, now)

    def place_in_line(
        self, route: str, queue_since: datetime, callback_id: UUID, now: datetime
    ) -> tuple[int, int | None]:
        """Where a QUEUED callback stands (1 = next), and its estimated wait in seconds.

        The line is ordered by original request time; the wait comes from how many
        callbacks of the route were assigned in the last hour. Works for a callback
        the view has not seen yet (it counts those ahead of it).
        """
        ((position, wait),) = self.places_in_line([(route, queue_since, callback_id)], now)
        return position, wait

    def places_in_line(
        self,
        callbacks: Sequence[tuple[str, datetime, UUID]],
        now: datetime,
        *,
        from_the_back: bool = False,
    ) -> list[tuple[int, int | None]]:
        """`place_in_line` for many QUEUED callbacks (route, queue_since, id) in one
        statement per 100 of them, in one read transaction: a batch of submitted
        requests costs one round trip, not five per callback.

        Counting those ahead costs as many index entries as there are; for callbacks
        just requested (the replies to requests), `from_the_back` counts those behind
        instead (the few requested at the same moment) and takes them from the route's
        QUEUED total in the counts table: a storm's ten-thousandth request costs what
        its first did. The answer is the same either way."""
        found: list[tuple[int, int | None]] = []
        to_db = self.store.dialect.to_db
        queued = "(SELECT count(*) FROM {t} t WHERE t.route = w.route AND t.state = :queued "
        ahead = (
            queued + "AND (t.queue_since, t.callback_id) < (w.qs, w.id))"
            if not from_the_back
            else "COALESCE((SELECT SUM(c.n) FROM {c} c WHERE c.route = w.route AND c.state = :queued), 0) - "
            + queued
            + "AND (t.queue_since, t.callback_id) >= (w.qs, w.id))"
        )
        for start in range(0, len(callbacks), 100):
            chunk = callbacks[start : start + 100]
            params: dict[str, Any] = {
                "since": self._ts(now - RATE_WINDOW),
                "queued": CallbackState.QUEUED.value,
            }
            rows = []
            for n, (route, queue_since, callback_id) in enumerate(chunk):
                params.update(
                    {
                        f"r{n}": route,
                        f"q{n}": self._ts(queue_since),
                        f"c{n}": to_db(callback_id, "uuid"),
                    }
                )
                rows.append(f"({n}, :r{n}, :q{n}, :c{n})")
            (result,) = self._many(
                CALLBACK_LIST,
                [
                    (
                        f"WITH w(i, route, qs, id) AS (VALUES {', '.join(rows)}), "
                        # How many of each route were assigned in the last hour: once per route.
                        "h AS (SELECT t.route AS route, count(*) AS handled FROM {t} t "
                        "WHERE t.route IN (SELECT route FROM w) AND t.assigned_at >= :since GROUP BY t.route) "
                        f"SELECT w.i AS i, {ahead} AS ahead, COALESCE(h.handled, 0) AS handled "
                        "FROM w LEFT JOIN h ON h.route = w.route ORDER BY w.i",
                        params,
                    )
                ],
            )
            for r in result:
                position = int(r["ahead"]) + 1
                rate = int(r["handled"]) / RATE_WINDOW.total_seconds()
                found.append((position, round(position / rate) if rate else None))
        return found

    def logged_in_agents(self) -> int:
        """How many agents CTI reports logged in (see views/places.py's estimate)."""
        yes = self.store.dialect.to_db(True, "bool")
        (r,) = self._q(
            AGENT_COUNTS, "SELECT count(*) AS n FROM {t} WHERE logged_in = :y", {"y": yes}
        )
        return int(r["n"])

    # Other views -------------------------------------------------------------------

    def history(self, callback_id: UUID) -> list[HistoryRow]:
        return self._rows(
            HISTORY,
            "SELECT * FROM {t} WHERE callback_id = :id ORDER BY version",
            {"id": self.store.dialect.to_db(callback_id, "uuid")},
        )

    def agent_counts(self, agent_ids: list[str] | None = None) -> list[AgentRow]:
        params: dict[str, Any] = {}
        where = self.store.in_list("agent_id", agent_ids, params, "text") if agent_ids else "1=1"
        return self._rows(
            AGENT_COUNTS, f"SELECT * FROM {{t}} WHERE {where} ORDER BY agent_id", params
        )

    def treatment_rate(
        self,
        first: date,
        last: date,
        *,
        by: str = DAY,
        route: str | None = None,
        agent: str | None = None,
    ) -> list[RateRow]:
        column = "first_assigned_day" if by == DAY else "first_assigned_month"
        labels = periods(first, last, by)
        params: dict[str, Any] = {
            "first": labels[0] if labels else "",
            "last": labels[-1] if labels else "",
            "completed": CallbackState.COMPLETED.value,
        }
        where = f"{column} >= :first AND {column} <= :last"
        for name, value in (("route", route), ("agent", agent)):
            if value is not None:
                where += f" AND {name} = :{name}"
                params[name] = value
        found = {
            r["period"]: r
            for r in self._q(
                CALLBACK_LIST,
                (
                    f"SELECT {column} AS period, count(*) AS assigned, "
                    "sum(CASE WHEN state = :completed AND reason IN ('AGENT', 'FINISHED') THEN 1 ELSE 0 END) AS completed, "
                    "sum(CASE WHEN state IN ('ROUTING', 'PROCESSING') THEN 1 ELSE 0 END) AS unprocessed "
                    f"FROM {{t}} WHERE {where} GROUP BY {column}"
                ),
                params,
            )
        }
        return [
            RateRow(
                period=p,
                assigned=int(found[p]["assigned"]),
                completed=int(found[p]["completed"]),
                unprocessed=int(found[p]["unprocessed"]),
            )
            if p in found
            else RateRow(period=p, assigned=0, completed=0, unprocessed=0)
            for p in labels
        ]

    # For the scheduler ------------------------------------------------------------

    def due_scheduled(self, now: datetime, limit: int = 500) -> list[UUID]:
        rows = self._q(
            CALLBACK_LIST,
            "SELECT callback_id FROM {t} WHERE state = :s AND due_at <= :now "
            "ORDER BY due_at LIMIT :limit",
            {"s": CallbackState.SCHEDULED.value, "now": self._ts(now), "limit": limit},
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]

    def next_due(self) -> datetime | None:
        (r,) = self._q(
            CALLBACK_LIST,
            "SELECT min(due_at) AS at FROM {t} WHERE state = :s",
            {"s": CallbackState.SCHEDULED.value},
        )
        return self.store.dialect.from_db(r["at"], "ts")

    def expired(self, now: datetime, limit: int = 500) -> list[UUID]:
        rows = self._q(
            CALLBACK_LIST,
            "SELECT callback_id FROM {t} WHERE state IN ('SCHEDULED', 'QUEUED', "
            "'ROUTING') AND expires_at <= :now ORDER BY expires_at LIMIT :limit",
            {"now": self._ts(now), "limit": limit},
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]

    def position_at(self, at: datetime) -> int:
        """The log position "as of" `at`: everything before the first event after it."""
        (first_after,) = self._q(
            LOG_TIMES, "SELECT min(position) AS p FROM {t} WHERE at > :at", {"at": self._ts(at)}
        )
        if first_after["p"] is not None:
            return int(first_after["p"]) - 1
        return self.position(LOG_TIMES)


def utc_now() -> datetime:
    return datetime.now(UTC)
