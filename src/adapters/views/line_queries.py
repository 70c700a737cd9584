"""Places in line: where a QUEUED callback stands, and how long it may wait."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.views.reader import ViewReader
from adapters.views.schema import CALLBACK_LIST
from callback_domain.lifecycle import CallbackState

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID

    from projections.callback_list import CallbackRow

RATE_WINDOW = timedelta(hours=1)
_CHUNK = 100


def recent_wait(position: int, handled: int) -> int | None:
    """The wait at the route's recent rate (`handled` assigned in the last hour), or None
    when none was."""
    rate = handled / RATE_WINDOW.total_seconds()
    return round(position / rate) if rate else None


class LineQueries(ViewReader):
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
        for start in range(0, len(callbacks), _CHUNK):
            (result,) = self._many(
                CALLBACK_LIST, [self._places(callbacks[start : start + _CHUNK], now, from_the_back)]
            )
            for r in result:
                position = int(r["ahead"]) + 1
                found.append((position, recent_wait(position, int(r["handled"]))))
        return found

    def _places(
        self, chunk: Sequence[tuple[str, datetime, UUID]], now: datetime, from_the_back: bool
    ) -> tuple[str, dict[str, Any]]:
        to_db = self.store.dialect.to_db
        queued = "(SELECT count(*) FROM {t} t WHERE t.route = w.route AND t.state = :queued "
        ahead = (
            queued + "AND (t.queue_since, t.callback_id) < (w.qs, w.id))"
            if not from_the_back
            else "COALESCE((SELECT SUM(c.n) FROM {c} c "
            "WHERE c.route = w.route AND c.state = :queued), 0) - "
            + queued
            + "AND (t.queue_since, t.callback_id) >= (w.qs, w.id))"
        )
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
        return (
            f"WITH w(i, route, qs, id) AS (VALUES {', '.join(rows)}), "
            # How many of each route were assigned in the last hour: once per route.
            "h AS (SELECT t.route AS route, count(*) AS handled FROM {t} t "
            "WHERE t.route IN (SELECT route FROM w) AND t.assigned_at >= :since "
            "GROUP BY t.route) "
            f"SELECT w.i AS i, {ahead} AS ahead, COALESCE(h.handled, 0) AS handled "
            "FROM w LEFT JOIN h ON h.route = w.route ORDER BY w.i",
            params,
        )

    def line_totals(self, now: datetime) -> tuple[int, dict[str, int], dict[str, int]]:
        """The callback list's log position, each route's QUEUED total as of exactly that
        position (one statement: one snapshot), and each route's assignments in the last
        hour: what `LineBoard` answers fresh requests from."""
        with self.store.tx(commit=False) as cur:
            generation = self.generation(CALLBACK_LIST, cursor=cur)
            counts = self.store.counts_table(CALLBACK_LIST, generation.tag)
            table = self.store.table(CALLBACK_LIST, generation.tag)
            totals = self.store.run(
                cur,
                "SELECT NULL AS route, 0 AS n, (SELECT max(notification_id) FROM "
                f"{self.store.tracking_table} WHERE application_name = :key) AS p "
                "UNION ALL SELECT route, SUM(CASE WHEN state = :queued THEN n ELSE 0 END), "
                f"NULL FROM {counts} GROUP BY route",
                {"key": generation.key, "queued": CallbackState.QUEUED.value},
            )
            queued = {r["route"]: int(r["n"]) for r in totals if r["route"] is not None}
            params: dict[str, Any] = {"since": self._ts(now - RATE_WINDOW)}
            where = self.store.in_list("route", sorted(queued), params, "text")
            handled = self.store.run(
                cur,
                f"SELECT route, count(*) AS n FROM {table} "
                f"WHERE {where} AND assigned_at >= :since GROUP BY route",
                params,
            )
        position = next(int(r["p"] or 0) for r in totals if r["route"] is None)
        return position, queued, {r["route"]: int(r["n"]) for r in handled}
