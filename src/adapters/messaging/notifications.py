"""Notifications driven by the log: agents' desktops and supervisors' screens."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from adapters.views.items import list_item
from callback_domain.callback import Callback
from projections.agent_counts import count_change

if TYPE_CHECKING:
    from adapters.messaging.context import ServiceContext
    from projections.agent_counts import CountChange
    from projections.event_record import EventRecord


def _agent_change(record: EventRecord) -> CountChange | None:
    """The change to what an agent holds, if the event makes one."""
    if record.aggregate != Callback.__name__:
        return None
    return count_change(record.type, record.data)


class Notifier:
    """Builds `notify.agent.{id}` and `notify.received` messages for a batch of events.

    Messages carry the callback as the list shows it and the agent's pending count,
    read from the views once they have applied the batch (up to 2 s; after that, the
    event's own fields are sent, so a slow view delays nothing for long).
    """

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def __call__(self, records: list[EventRecord]) -> list[tuple[str, bytes]]:
        wanted = [
            r
            for r in records
            if (r.aggregate == "Callback" and r.type == "Requested") or _agent_change(r)
        ]
        if not wanted:
            return []
        ctx = self.ctx
        await ctx.caught_up(records[-1].position)
        ids = {r.aggregate_id for r in wanted}
        rows = await ctx.read(ctx.queries.get_many, sorted(ids))
        agents = {change.agent_id for r in wanted if (change := _agent_change(r))}
        counts = (
            {
                a.agent_id: a.incomplete
                for a in await ctx.read(ctx.queries.agent_counts, sorted(agents))
            }
            if agents
            else {}
        )
        now = ctx.clock()
        out: list[tuple[str, bytes]] = []
        for r in wanted:
            row = rows.get(r.aggregate_id)
            callback: dict[str, Any] = (
                list_item(row, now) if row else {"callback_id": str(r.aggregate_id)}
            )
            change = _agent_change(r)
            if change is None:
                summary = {
                    k: callback.get(k)
                    for k in (
                        "callback_id",
                        "request_id",
                        "route",
                        "state",
                        "status",
                        "type",
                        "phone",
                        "requested_at",
                        "desired_time",
                    )
                }
                out.append((ctx.subjects.received, _json(summary | {"log_position": r.position})))
            else:
                message = {
                    "type": change.kind,
                    "callback": callback,
                    "pending_count": counts.get(change.agent_id),
                    "log_position": r.position,
                }
                out.append((ctx.subjects.agent_notify(change.agent_id), _json(message)))
        return out


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
