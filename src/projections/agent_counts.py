"""Per-agent incomplete counts (the desktop's badge), with the directory and presence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    from projections.batch import Positioned, ViewBatch


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRow:
    agent_id: str
    name: str
    teams: tuple[str, ...]
    permissions: tuple[str, ...]
    logged_in: bool
    incomplete: int
    position: int


def _delta(event: object) -> tuple[str | None, int]:
    """Whose incomplete count an event changes, and by how much."""
    if isinstance(event, Callback.Assigned):
        return event.agent_id, +1
    if isinstance(event, Callback.Unassigned):
        return event.agent_id, -1
    if isinstance(event, Callback.DialFailed) and event.state == CallbackState.COMPLETED:
        return event.agent_id, -1
    if isinstance(event, Callback.Completed) and event.agent_id is not None:
        # Completed carries the agent only if one held it (ROUTING or PROCESSING).
        return event.agent_id, -1
    return None, 0


class AgentCountsProjection:
    name = "agent_counts"

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        found: set[Hashable] = set()
        for p in events:
            if isinstance(p.event, Agent.Event):
                found.add(p.event.agent_id)
            else:
                agent_id, _ = _delta(p.event)
                if agent_id is not None:
                    found.add(agent_id)
        return found

    def apply(self, batch: ViewBatch[AgentRow], item: Positioned) -> None:
        e = item.event
        if isinstance(e, Agent.Registered):
            batch.put(
                e.agent_id,
                AgentRow(
                    agent_id=e.agent_id,
                    name=e.name,
                    teams=tuple(e.teams),
                    permissions=tuple(e.permissions),
                    logged_in=False,
                    incomplete=0,
                    position=item.position,
                ),
            )
        elif isinstance(e, Agent.ProfileChanged):
            row = batch.rows[e.agent_id]
            batch.put(
                e.agent_id,
                replace(
                    row,
                    name=e.name,
                    teams=tuple(e.teams),
                    permissions=tuple(e.permissions),
                    position=item.position,
                ),
            )
        elif isinstance(e, Agent.PresenceChanged):
            batch.put(
                e.agent_id,
                replace(batch.rows[e.agent_id], logged_in=e.logged_in, position=item.position),
            )
        else:
            agent_id, delta = _delta(e)
            if agent_id is not None:
                row = batch.rows[agent_id]
                batch.put(
                    agent_id,
                    replace(row, incomplete=row.incomplete + delta, position=item.position),
                )
