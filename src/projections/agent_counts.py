"""Per-agent incomplete counts (the desktop's badge), with the directory and presence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Mapping

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


class CountChange(NamedTuple):
    """How one callback event changes an agent's incomplete count."""

    agent_id: str
    kind: str  # assigned, unassigned, offered, withdrawn or completed (the notification's type)
    delta: int


_GONE_BACK = frozenset({"OfferRejected", "OfferWithdrawn", "OwnershipExpired"})


def count_change(event_type: str, data: Mapping[str, Any]) -> CountChange | None:
    """Whose incomplete count a callback event changes, how, and by how much.

    `event_type` is the event's name (e.g. "Assigned"), `data` its fields: the one rule
    the view's counts and the agents' notifications both follow.
    """
    agent_id = data.get("agent_id")
    if not agent_id:  # Completed carries the agent only if one held the callback
        return None
    if event_type == "Assigned":
        return CountChange(agent_id, "assigned", +1)
    if event_type == "Unassigned":
        return CountChange(agent_id, "unassigned", -1)
    # AUTO distribution: an offer is an assignment; it ends if rejected, lapsed or its
    # ownership expired (the agent's desktop is told it was withdrawn).
    if event_type == "Offered":
        return CountChange(agent_id, "offered", +1)
    if event_type in _GONE_BACK:
        return CountChange(agent_id, "withdrawn", -1)
    if event_type == "Completed" or (
        event_type == "DialFailed" and data.get("state") == CallbackState.COMPLETED
    ):
        return CountChange(agent_id, "completed", -1)
    return None


def _change(event: object) -> CountChange | None:
    if not isinstance(event, Callback.Event):
        return None
    return count_change(type(event).__name__, vars(event))


class AgentCountsProjection:
    name = "agent_counts"

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        found: set[Hashable] = set()
        for p in events:
            if isinstance(p.event, Agent.Event):
                found.add(p.event.agent_id)
            elif change := _change(p.event):
                found.add(change.agent_id)
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
        elif change := _change(e):
            row = batch.rows[change.agent_id]
            batch.put(
                change.agent_id,
                replace(row, incomplete=row.incomplete + change.delta, position=item.position),
            )
