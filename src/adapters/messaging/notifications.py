"""Notifications driven by the log: agents' desktops and supervisors' screens."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from adapters.views.items import list_item
from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState
from projections.agent_counts import count_change

if TYPE_CHECKING:
    from adapters.messaging.context import ServiceContext
    from projections.agent_counts import CountChange
    from projections.callback_list import CallbackRow
    from projections.event_record import EventRecord


def _agent_change(record: EventRecord) -> CountChange | None:
    """The change to what an agent holds, if the event makes one."""
    if record.aggregate != Callback.__name__:
        return None
    return count_change(record.type, record.data)


# Events that may change an agent's upcoming callbacks (SCHEDULED, routed to them).
_UPCOMING = {"Requested": "scheduled", "Rescheduled": "rescheduled", "Completed": "completed"}


def _upcoming_change(record: EventRecord, row: CallbackRow | None) -> tuple[str, str] | None:
    """(agent, kind) if the event adds, moves or ends an upcoming callback of an agent:
    one scheduled for them, rescheduled, or ended (cancelled, expired) before they held it."""
    if record.aggregate != Callback.__name__ or record.type not in _UPCOMING:
        return None
    if row is None or row.routing_agent is None or _agent_change(record) is not None:
        return None
    if record.type == "Requested" and record.data.get("state") != CallbackState.SCHEDULED:
        return None  # due at once: its assignment notifies the agent
    if record.type == "Completed" and row.first_assigned_at is not None:
        return None  # it had been assigned: not an upcoming one that ended
    return row.routing_agent, _UPCOMING[record.type]


class Notifier:
    """Builds `notify.agent.{id}` and `notify.received` messages for a batch of events.

    Messages carry the callback as the list shows it and the agent's pending and upcoming
    counts, read from the views once they have applied the batch (up to 2 s; after that,
    the event's own fields are sent, so a slow view delays nothing for long).
    """

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def __call__(self, records: list[EventRecord]) -> list[tuple[str, bytes]]:
        wanted = [
            r
            for r in records
            if (r.aggregate == "Callback" and r.type in _UPCOMING) or _agent_change(r)
        ]
        if not wanted:
            return []
        ctx = self.ctx
        await ctx.caught_up(records[-1].position)
        ids = {r.aggregate_id for r in wanted}
        rows = await ctx.read(ctx.queries.get_many, sorted(ids))
        targets: list[tuple[EventRecord, str | None, str | None]] = []  # (record, agent, kind)
        for r in wanted:
            if r.type == "Requested":
                targets.append((r, None, None))  # supervisors' screens
            if change := _agent_change(r):
                targets.append((r, change.agent_id, change.kind))
            elif upcoming := _upcoming_change(r, rows.get(r.aggregate_id)):
                targets.append((r, *upcoming))
        agents = sorted({a for _, a, _ in targets if a is not None})
        counts, upcoming_counts = await ctx.read(self._counts, agents) if agents else ({}, {})
        now = ctx.clock()
        out: list[tuple[str, bytes]] = []
        for r, agent_id, kind in targets:
            row = rows.get(r.aggregate_id)
            callback: dict[str, Any] = (
                list_item(row, now) if row else {"callback_id": str(r.aggregate_id)}
            )
            if agent_id is None:
                summary = {k: callback.get(k) for k in _RECEIVED}
                out.append((ctx.subjects.received, _json(summary | {"log_position": r.position})))
            else:
                message = {
                    "type": kind,
                    "callback": callback,
                    "pending_count": counts.get(agent_id),
                    "upcoming_count": upcoming_counts.get(agent_id),
                    "log_position": r.position,
                }
                if kind == "offered":
                    message["offer_expires_at"] = r.data.get("expires_at")
                out.append((ctx.subjects.agent_notify(agent_id), _json(message)))
        return out

    def _counts(self, agents: list[str]) -> tuple[dict[str, int], dict[str, int]]:
        queries = self.ctx.queries
        pending = {a.agent_id: a.incomplete for a in queries.agent_counts(agents)}
        return pending, queries.upcoming_counts(agents)


_RECEIVED = (
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


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
