"""The agent desktop's questions: what a caller may see (the visibility rule in SQL), and
each agent's upcoming callbacks (SCHEDULED, routed to them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.views.reader import ViewReader
from adapters.views.schema import CALLBACK_LIST, TABLES
from callback_domain.lifecycle import CallbackState

if TYPE_CHECKING:
    from collections.abc import Sequence

    from adapters.views.dialect import Dialect
    from callback_domain.visibility import Scope
    from projections.callback_list import CallbackRow

_SCHEDULED = CallbackState.SCHEDULED.value


def scope_clause(scope: Scope, dialect: Dialect, params: dict[str, Any]) -> str:
    """`Scope.admits` as an SQL condition on the callback list (the same rule)."""
    params["scope_agent"] = scope.agent
    teams = dialect.any_of("routing_team", "scope_teams", scope.teams, params)
    unrouted = " OR routing_team IS NULL" if scope.unrouted_teams else ""
    return f"(agent = :scope_agent OR routing_agent = :scope_agent OR {teams}{unrouted})"


class AgentQueries(ViewReader):
    def upcoming(self, agent_id: str, limit: int) -> tuple[int, list[CallbackRow]]:
        """The agent's upcoming callbacks (SCHEDULED, routed to them), soonest first, and
        how many there are."""
        params: dict[str, Any] = {"a": agent_id, "s": _SCHEDULED, "limit": limit}
        where = "routing_agent = :a AND state = :s"
        counted, records = self._many(
            CALLBACK_LIST,
            [
                (f"SELECT count(*) AS n FROM {{t}} WHERE {where}", dict(params)),
                (
                    f"SELECT * FROM {{t}} WHERE {where} ORDER BY due_at, callback_id LIMIT :limit",
                    params,
                ),
            ],
        )
        table = TABLES[CALLBACK_LIST]
        rows = [table.from_record(r, self.store.dialect) for r in records]
        return int(counted[0]["n"]), rows

    def upcoming_counts(self, agent_ids: Sequence[str]) -> dict[str, int]:
        """How many upcoming callbacks each agent has (0 for none)."""
        params: dict[str, Any] = {"s": _SCHEDULED}
        agents = self.store.dialect.any_of("routing_agent", "agents", agent_ids, params)
        records = self._q(
            CALLBACK_LIST,
            f"SELECT routing_agent, count(*) AS n FROM {{t}} WHERE state = :s AND {agents} "
            "GROUP BY routing_agent",
            params,
        )
        found = {r["routing_agent"]: int(r["n"]) for r in records}
        return {a: found.get(a, 0) for a in agent_ids}
