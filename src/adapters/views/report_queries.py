"""Reports over the views: a callback's history, agents' counts, the treatment rate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.views.reader import ViewReader
from adapters.views.schema import AGENT_COUNTS, CALLBACK_LIST, HISTORY
from callback_domain.lifecycle import (
    FAILED_REASONS,
    HOLDING,
    OPEN,
    RELEASED_REASONS,
    TREATED_REASONS,
    CallbackState,
)
from projections.treatment_rate import DAY, RateRow, periods

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from projections.agent_counts import AgentRow
    from projections.history import HistoryRow


class ReportQueries(ViewReader):
    def history(self, callback_id: UUID) -> list[HistoryRow]:
        return self._rows(
            HISTORY,
            "SELECT * FROM {t} WHERE callback_id = :id ORDER BY version",
            {"id": self.store.dialect.to_db(callback_id, "uuid")},
        )

    def agent_counts(self, agent_ids: list[str] | None = None) -> list[AgentRow]:
        params: dict[str, Any] = {}
        where = (
            self.store.dialect.any_of("agent_id", "agents", agent_ids, params)
            if agent_ids
            else "1=1"
        )
        return self._rows(
            AGENT_COUNTS, f"SELECT * FROM {{t}} WHERE {where} ORDER BY agent_id", params
        )

    def logged_in_agents(self) -> int:
        """How many agents CTI reports logged in (see views/places.py's estimate)."""
        yes = self.store.dialect.to_db(True, "bool")
        (r,) = self._q(
            AGENT_COUNTS, "SELECT count(*) AS n FROM {t} WHERE logged_in = :y", {"y": yes}
        )
        return int(r["n"])

    def treatment_rate(
        self,
        first: date,
        last: date,
        *,
        by: str = DAY,
        route: str | None = None,
        agent: str | None = None,
        team: str | None = None,
        phone: str | None = None,
    ) -> list[RateRow]:
        """Of the callbacks first assigned in each period, how many were treated, are
        still held, failed or were released (every period from `first` to `last`, empty
        ones as zeros). `team`: the team callbacks are routed to; `phone`: any spelling."""
        column = "first_assigned_day" if by == DAY else "first_assigned_month"
        labels = periods(first, last, by)
        params: dict[str, Any] = {
            "first": labels[0] if labels else "",
            "last": labels[-1] if labels else "",
            "completed": CallbackState.COMPLETED.value,
        }
        any_of = self.store.dialect.any_of
        ended = {
            name: "state = :completed AND " + any_of("reason", name, sorted(reasons), params)
            for name, reasons in (
                ("treated", TREATED_REASONS),
                ("failed_reasons", FAILED_REASONS),
                ("released_reasons", RELEASED_REASONS),
            )
        }
        held = any_of("state", "held", sorted(HOLDING), params)
        waiting = any_of("state", "waiting", sorted(OPEN - HOLDING), params)
        cases = {
            "completed": ended["treated"],
            "unprocessed": held,
            "failed": ended["failed_reasons"],
            "released": f"{waiting} OR ({ended['released_reasons']})",
        }
        where = f"{column} >= :first AND {column} <= :last"
        given = {
            "route": route,
            "agent": agent,
            "routing_team": team,
            "phone": self.phones.canonical(phone) if phone is not None else None,
        }
        for name, value in given.items():
            if value is not None:
                where += f" AND {name} = :{name}"
                params[name] = value
        sums = ", ".join(
            f"sum(CASE WHEN {case} THEN 1 ELSE 0 END) AS {name}" for name, case in cases.items()
        )
        found = {
            r["period"]: r
            for r in self._q(
                CALLBACK_LIST,
                f"SELECT {column} AS period, count(*) AS assigned, {sums} "
                f"FROM {{t}} WHERE {where} GROUP BY {column}",
                params,
            )
        }
        names = ("assigned", *cases)
        return [
            RateRow(period=p, **{n: int(found[p][n] or 0) for n in names})
            if p in found
            else RateRow(period=p, **dict.fromkeys(names, 0))
            for p in labels
        ]
