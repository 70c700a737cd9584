"""A contact center's log, written by the real service, and views followed in memory."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from callback_domain import commands as c
from callback_domain.values import AssignMethod, DialOutcome
from projections.batch import Positioned, ViewBatch
from tests.factories import IVR, SUPERVISOR, T0, add_agents, agent, request
from tests.unit.conftest import popo_service

if TYPE_CHECKING:
    from collections.abc import Hashable
    from datetime import datetime
    from uuid import UUID

    from projections.batch import Projection


class Center:
    """The service on the in-memory store, and its log as the views read it."""

    def __init__(self, *agents: str) -> None:
        self.service = popo_service()
        self.seen = 0
        add_agents(self.service, *agents, teams=("team-a", "team-b"))

    def do(self, command: c.Command) -> Any:
        return self.service.execute(command)

    def request(self, at: datetime = T0, **fields: Any) -> UUID:
        return self.do(request(at=at, **fields)).callback_id  # type: ignore[no-any-return]

    def assign(self, callback_id: UUID, agent_id: str, at: datetime = T0) -> None:
        self.do(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=at,
                callback_ids=(callback_id,),
                agent_ids=(agent_id,),
                method=AssignMethod.MANUAL,
            )
        )

    def dial(self, callback_id: UUID, agent_id: str, *, fails: bool, at: datetime = T0) -> None:
        self.do(c.DialCallback(caller=agent(agent_id), at=at, callback_id=callback_id))
        if fails:
            self.do(
                c.RecordDialResult(
                    caller=agent(agent_id), at=at, callback_id=callback_id, outcome=DialOutcome.BUSY
                )
            )

    def cancel(self, callback_id: UUID, *, by_customer: bool = False) -> None:
        caller = IVR if by_customer else SUPERVISOR
        self.do(c.CancelCallbacks(caller=caller, at=T0, callback_ids=(callback_id,)))

    def new_events(self) -> list[Positioned]:
        """The log since the last call, as the views' runner reads it."""
        found = self.service.recorder.select_notifications(start=self.seen + 1, limit=10_000)
        if found:
            self.seen = found[-1].id
        return [Positioned(n.id, self.service.mapper.to_domain_event(n)) for n in found]


def follow(
    projection: Projection[Any], items: list[Positioned], rows: dict[Hashable, Any] | None = None
) -> ViewBatch[Any]:
    """One batch, as the runner applies it: the rows `keys` names (those that exist in
    `rows`, the view so far), then every event in order."""
    rows = {} if rows is None else rows
    batch: ViewBatch[Any] = ViewBatch(
        rows={k: rows[k] for k in projection.keys(items) if k in rows}
    )
    for item in items:
        projection.apply(batch, item)
    rows.update({k: batch.rows[k] for k in batch.changed})
    return batch


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)
