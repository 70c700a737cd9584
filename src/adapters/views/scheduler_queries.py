"""The scheduler's questions: which callbacks are due, which have expired, and when next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.views.reader import ViewReader
from adapters.views.schema import CALLBACK_LIST
from callback_domain.lifecycle import EXPIRABLE, CallbackState

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID


class SchedulerQueries(ViewReader):
    def due_scheduled(
        self, now: datetime, limit: int = 500, closed: Sequence[str] = ()
    ) -> list[UUID]:
        """The due SCHEDULED callbacks, but those of `closed` routes (they wait)."""
        params: dict[str, Any] = {
            "s": CallbackState.SCHEDULED.value,
            "now": self._ts(now),
            "limit": limit,
        }
        waiting = self.store.dialect.any_of("route", "closed", closed, params)
        rows = self._q(
            CALLBACK_LIST,
            f"SELECT callback_id FROM {{t}} WHERE state = :s AND due_at <= :now "
            f"AND NOT ({waiting}) ORDER BY due_at LIMIT :limit",
            params,
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]

    def next_due(self) -> datetime | None:
        (r,) = self._q(
            CALLBACK_LIST,
            "SELECT min(due_at) AS at FROM {t} WHERE state = :s",
            {"s": CallbackState.SCHEDULED.value},
        )
        return self.store.dialect.from_db(r["at"], "ts")  # type: ignore[no-any-return]

    def expired(self, now: datetime, limit: int = 500) -> list[UUID]:
        params: dict[str, Any] = {"now": self._ts(now), "limit": limit}
        expirable = self.store.dialect.any_of("state", "expirable", sorted(EXPIRABLE), params)
        rows = self._q(
            CALLBACK_LIST,
            f"SELECT callback_id FROM {{t}} WHERE {expirable} AND expires_at <= :now "
            "ORDER BY expires_at LIMIT :limit",
            params,
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]
