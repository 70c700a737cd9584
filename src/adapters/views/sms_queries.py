"""The SMS messages' questions: a page of messages (`query.sms.messages`) and, for the
dispatcher, which are due for a hand-over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.views.cursors import decode_key, encode_key
from adapters.views.reader import ViewReader
from adapters.views.schema import SMS_MESSAGES, TABLES
from callback_domain.sms_message import SmsState

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from projections.sms_messages import SmsMessageRow

MAX_PAGE = 250
_DUE = (SmsState.RESERVED.value, SmsState.SENDING.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsFilters:
    start: datetime | None = None  # sent at or after
    end: datetime | None = None  # sent before
    recipient: str | None = None  # digits
    state: str | None = None
    template_id: str | None = None


@dataclass(frozen=True, slots=True)
class SmsPage:
    items: list[SmsMessageRow]
    next_cursor: str | None
    total: int


class SmsQueries(ViewReader):
    def due_messages(self, now: datetime, limit: int = 200) -> list[UUID]:
        """Messages to hand over now, earliest first."""
        params: dict[str, Any] = {"now": self._ts(now), "limit": limit}
        due = self.store.dialect.any_of("state", "due", list(_DUE), params)
        rows = self._q(
            SMS_MESSAGES,
            f"SELECT message_id FROM {{t}} WHERE {due} AND due_at <= :now "
            "ORDER BY due_at LIMIT :limit",
            params,
        )
        return [self.store.dialect.from_db(r["message_id"], "uuid") for r in rows]

    def sms_page(self, f: SmsFilters, *, page_size: int = 50, cursor: str | None = None) -> SmsPage:
        """A page of messages, newest first, with the total of all pages."""
        page_size = max(1, min(page_size, MAX_PAGE))
        params: dict[str, Any] = {"limit": page_size + 1}
        clauses = ["1 = 1"]
        for column, value in (
            ("recipient", f.recipient),
            ("state", f.state),
            ("template_id", f.template_id),
        ):
            if value is not None:
                clauses.append(f"{column} = :{column}")
                params[column] = value
        if f.start is not None:
            clauses.append("requested_at >= :start")
            params["start"] = self._ts(f.start)
        if f.end is not None:
            clauses.append("requested_at < :end")
            params["end"] = self._ts(f.end)
        where = " AND ".join(clauses)
        counting = (f"SELECT count(*) AS n FROM {{t}} WHERE {where}", dict(params))
        if cursor:
            at, message_id = decode_key(cursor)
            params.update(c_at=self._ts(at), c_id=self.store.dialect.to_db(message_id, "uuid"))
            where += " AND (requested_at, message_id) < (:c_at, :c_id)"
        counted, records = self._many(
            SMS_MESSAGES,
            [
                counting,
                (
                    f"SELECT * FROM {{t}} WHERE {where} "
                    "ORDER BY requested_at DESC, message_id DESC LIMIT :limit",
                    params,
                ),
            ],
        )
        table = TABLES[SMS_MESSAGES]
        rows = [table.from_record(r, self.store.dialect) for r in records]
        more = len(rows) > page_size
        rows = rows[:page_size]
        last = rows[-1] if more else None
        next_cursor = None if last is None else _cursor(last)
        return SmsPage(rows, next_cursor, int(counted[0]["n"]))


def _cursor(row: SmsMessageRow) -> str:
    return encode_key(row.requested_at, row.message_id)
