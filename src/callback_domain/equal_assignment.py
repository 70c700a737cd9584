"""Equal assignment (NHN 균등 할당): spread callbacks so that agents stay level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from datetime import datetime
    from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLoad:
    agent_id: str
    incomplete: int
    last_assigned_at: datetime | None


def plan_equal_assignment(
    callback_ids: Sequence[UUID],
    agents: Sequence[AgentLoad],
    eligible: Mapping[UUID, Collection[str]] | None = None,
) -> list[tuple[UUID, str]]:
    """Pairs each callback (given oldest desired time first) with an agent.

    Each goes to the agent holding the fewest incomplete callbacks at that moment,
    counting this batch; ties go to the agent assigned least recently (never
    assigned first, then by last assignment time, then in the order given).
    `eligible` limits a callback to some of the agents (a team-routed callback: the
    team's members); a callback none of whose agents is given is left out.
    """
    if not agents:
        return []
    load = {a.agent_id: a.incomplete for a in agents}
    given_in_batch = dict.fromkeys(load, 0)
    order = {a.agent_id: i for i, a in enumerate(agents)}
    last = {a.agent_id: a.last_assigned_at for a in agents}

    def key(agent_id: str) -> tuple[int, int, int, float, int]:
        previous = last[agent_id]
        return (
            load[agent_id],
            given_in_batch[agent_id],  # 0 until given one in this batch, then 1, 2, …
            previous is not None,
            previous.timestamp() if previous is not None else 0.0,
            order[agent_id],
        )

    plan: list[tuple[UUID, str]] = []
    for sequence, callback_id in enumerate(callback_ids, start=1):
        allowed = load.keys() if eligible is None else eligible.get(callback_id, load.keys())
        candidates = [a for a in load if a in allowed]
        if not candidates:
            continue
        chosen = min(candidates, key=key)
        plan.append((callback_id, chosen))
        load[chosen] += 1
        given_in_batch[chosen] = sequence
    return plan
