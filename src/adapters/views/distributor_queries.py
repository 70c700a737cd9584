"""The distributor's questions: what waits on AUTO routes, which offers lapsed, which
ownerships expired, and which agents are logged in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.views.reader import ViewReader
from adapters.views.schema import AGENT_COUNTS, CALLBACK_LIST
from callback_domain.lifecycle import CallbackState
from callback_domain.values import Permission

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class DistributorQueries(ViewReader):
    def queued_on(self, route: str, limit: int) -> list[UUID]:
        """A route's QUEUED callbacks in queue order (original request time)."""
        rows = self._q(
            CALLBACK_LIST,
            "SELECT callback_id FROM {t} WHERE route = :r AND state = :s "
            "ORDER BY queue_since, callback_id LIMIT :limit",
            {"r": route, "s": CallbackState.QUEUED.value, "limit": limit},
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]

    def lapsed_offers(self, now: datetime, limit: int) -> list[UUID]:
        return self._due_column("offer_expires_at", now, limit)

    def expired_ownership(self, now: datetime, limit: int) -> list[UUID]:
        return self._due_column("owned_until", now, limit)

    def _due_column(self, column: str, now: datetime, limit: int) -> list[UUID]:
        rows = self._q(
            CALLBACK_LIST,
            f"SELECT callback_id FROM {{t}} WHERE state = :s AND {column} <= :now "
            f"ORDER BY {column} LIMIT :limit",
            {"s": CallbackState.ROUTING.value, "now": self._ts(now), "limit": limit},
        )
        return [self.store.dialect.from_db(r["callback_id"], "uuid") for r in rows]

    def logged_in_callers(self) -> list[str]:
        """Agents logged in to CTI with the `call` permission (the domain checks again)."""
        rows = self._q(AGENT_COUNTS, "SELECT agent_id, permissions FROM {t} WHERE logged_in", {})
        found = []
        for r in rows:
            permissions = self.store.dialect.from_db(r["permissions"], "json")
            if Permission.CALL.value in (permissions or ()):
                found.append(r["agent_id"])
        return sorted(found)
