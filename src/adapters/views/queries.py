"""Questions the views answer: the callback list here; places in line, reports and the
scheduler's questions in their own modules, all answered by `ViewQueries`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.views.agent_queries import AgentQueries
from adapters.views.cursors import decode_key, encode_key
from adapters.views.distributor_queries import DistributorQueries
from adapters.views.line_queries import LineQueries
from adapters.views.list_filters import ListFilters
from adapters.views.list_filters import where as list_where
from adapters.views.report_queries import ReportQueries
from adapters.views.scheduler_queries import SchedulerQueries
from adapters.views.schema import CALLBACK_LIST, TABLES
from adapters.views.sms_queries import SmsQueries

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime
    from uuid import UUID

    from projections.callback_list import CallbackRow

MAX_PAGE = 250
_NEWEST_FIRST = "ORDER BY requested_at DESC, callback_id DESC LIMIT :limit"
__all__ = ["ListFilters", "ListPage", "ViewQueries"]


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[CallbackRow]
    next_cursor: str | None
    total: int


def encode_cursor(row: CallbackRow) -> str:
    return encode_key(row.requested_at, row.callback_id)


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    return decode_key(cursor)


class ViewQueries(
    LineQueries, ReportQueries, SchedulerQueries, AgentQueries, DistributorQueries, SmsQueries
):
    """Every question the views answer, over the active generations, a named snapshot's,
    or the generations given (see `ViewReader`)."""

    def _where(self, f: ListFilters, params: dict[str, Any]) -> str:
        return list_where(f, params, self.store.dialect, self.phones)

    def _after(self, cursor: str | None, where: str, params: dict[str, Any]) -> str:
        """`where`, limited to the rows after `cursor` (newest first)."""
        if not cursor:
            return where
        at, callback_id = decode_cursor(cursor)
        params.update(c_at=self._ts(at), c_id=self.store.dialect.to_db(callback_id, "uuid"))
        # A row comparison: PostgreSQL starts the index scan there (an OR of the
        # two conditions was a filter over every row before the cursor).
        return where + " AND (requested_at, callback_id) < (:c_at, :c_id)"

    def list_page(
        self, filters: ListFilters, *, page_size: int = 50, cursor: str | None = None
    ) -> ListPage:
        """A page of the list, newest request first, with the total of all pages."""
        page_size = max(1, min(page_size, MAX_PAGE))
        params: dict[str, Any] = {"limit": page_size + 1}
        where = self._where(filters, params)
        counting = self._counting(filters, where, params)
        where = self._after(cursor, where, params)
        counted, records = self._many(
            CALLBACK_LIST,
            [counting, (f"SELECT * FROM {{t}} WHERE {where} {_NEWEST_FIRST}", params)],
        )
        total = counted[0]["n"]
        rows = [TABLES[CALLBACK_LIST].from_record(r, self.store.dialect) for r in records]
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
        equal = f.equal()
        if (
            f.only_equal()
            and all(column in counted for _, column, _ in equal)
            and not any("" in values for _, _, values in equal)
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
        where = self._after(cursor, self._where(filters, params), params)
        return self._rows(
            CALLBACK_LIST, f"SELECT * FROM {{t}} WHERE {where} {_NEWEST_FIRST}", params
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
            ("phone", self.phones.canonical(phone))
            if phone is not None
            else ("request_id", request_id)
        )
        return self._rows(
            CALLBACK_LIST,
            f"SELECT * FROM {{t}} WHERE {column} = :v {_NEWEST_FIRST}",
            {"v": value, "limit": MAX_PAGE},
        )
