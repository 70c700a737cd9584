"""The callback list: one row per callback with every searchable field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState, nhn_status
from callback_domain.phones import PhoneNumbers
from callback_domain.values import Policy, team_of

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable
    from datetime import datetime
    from uuid import UUID
    from zoneinfo import ZoneInfo

    from projections.batch import Positioned, ViewBatch


@dataclass(slots=True, kw_only=True)
class CallbackRow:
    """Mutable so that a batch changes it in place (`ViewBatch.edit`): building a new
    37-field frozen row per event was most of the projection's time."""

    callback_id: UUID
    request_id: str
    requested_at: datetime
    desired_time: datetime | None
    route: str
    state: str
    status: str
    reason: str | None
    phone: str  # E.164 (events of older versions hold the digits as typed)
    phone_national: str
    assigner: str | None
    assigner_team: str | None
    agent: str | None
    team: str | None
    attempts: int
    type: str
    customer_timezone: str | None
    remark: str | None
    queue_since: datetime
    due_at: datetime
    overdue_at: datetime  # a SCHEDULED callback is overdue once this has passed
    expires_at: datetime
    assigned_at: datetime | None
    first_assigned_at: datetime | None
    first_assigned_day: str | None  # YYYY-MM-DD in the contact center's time zone
    first_assigned_month: str | None  # YYYY-MM
    completed_at: datetime | None
    assignment_cancelled: bool
    routing_agent: str | None
    routing_team: str | None
    origin_interaction_id: str | None
    channel: str
    recreated_from: UUID | None
    history_length: int
    position: int
    offered: bool = False  # ROUTING by an offer not yet accepted (AUTO distribution)
    offer_expires_at: datetime | None = None
    owned_until: datetime | None = None  # an accepted offer goes back unless dialled

    def is_overdue(self, now: datetime) -> bool:
        return self.state == CallbackState.SCHEDULED and now > self.overdue_at


_NO_OFFER: dict[str, Any] = {"offered": False, "offer_expires_at": None, "owned_until": None}
# Unassigned, or an offer rejected or lapsed, or ownership expired: nobody holds it. The
# list's assigner goes with the assignment (the history keeps it).
_BACK_IN_QUEUE: dict[str, Any] = {
    **_NO_OFFER,
    "state": CallbackState.QUEUED,
    "agent": None,
    "team": None,
    "assigner": None,
    "assigner_team": None,
}


class CallbackListProjection:
    """Callback events → list rows. Days and months are cut in `timezone`."""

    name = "callback_list"

    def __init__(self, timezone: ZoneInfo, phones: PhoneNumbers | None = None) -> None:
        self.timezone = timezone
        self.phones = phones or PhoneNumbers()
        # Each handler gives the fields an event changes (read from the row as it
        # stood); `apply` sets them and the derived ones on the batch's copy of the row.
        self._handlers: dict[type, Callable[[CallbackRow, Any], dict[str, Any]]] = {
            Callback.Rescheduled: self._rescheduled,
            Callback.Queued: lambda row, e: {"state": CallbackState.QUEUED},
            Callback.Assigned: self._assigned,
            Callback.Unassigned: lambda row, e: {
                **_BACK_IN_QUEUE,
                "assignment_cancelled": True,
            },
            Callback.DialAttempted: lambda row, e: {
                **_NO_OFFER,
                "state": CallbackState.PROCESSING,
                "attempts": e.attempt,
            },
            Callback.DialFailed: lambda row, e: {
                "state": e.state,
                "reason": e.reason,
                "completed_at": e.timestamp if e.reason else row.completed_at,
            },
            Callback.Completed: lambda row, e: {
                **_NO_OFFER,
                "state": CallbackState.COMPLETED,
                "reason": e.reason,
                "completed_at": e.timestamp,
            },
            Callback.Recreated: lambda row, e: {},
            # AUTO distribution: an offer is an assignment, marked offered.
            Callback.Offered: lambda row, e: {
                **self._assigned(row, e),
                "assigner_team": None,
                "offered": True,
                "offer_expires_at": e.expires_at,
            },
            Callback.OfferAccepted: lambda row, e: {**_NO_OFFER, "owned_until": e.owned_until},
            Callback.OfferRejected: lambda row, e: _BACK_IN_QUEUE,
            Callback.OfferWithdrawn: lambda row, e: _BACK_IN_QUEUE,
            Callback.OwnershipExpired: lambda row, e: _BACK_IN_QUEUE,
        }

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        """The callbacks the batch changes, less those it requests (a request is a
        callback's first event: there is no row to load; in a rebuild, most are)."""
        changed: set[Hashable] = set()
        requested: set[Hashable] = set()
        for p in events:
            if isinstance(p.event, Callback.Requested):
                requested.add(p.event.originator_id)
            elif isinstance(p.event, Callback.Event):
                changed.add(p.event.originator_id)
        return changed - requested

    def apply(self, batch: ViewBatch[CallbackRow], item: Positioned) -> None:
        event = item.event
        if isinstance(event, Callback.Requested):
            batch.put(event.originator_id, self._requested(event, item.position))
            return
        handler = self._handlers.get(type(event))
        if handler is None:
            return  # not a callback event
        row = batch.edit(event.originator_id)
        for name, value in handler(row, event).items():
            setattr(row, name, value)
        reason: Any = row.reason  # a CompletionReason, or its value as a loaded row holds it
        row.status = nhn_status(
            CallbackState(row.state), reason, assignment_cancelled=row.assignment_cancelled
        ).value
        row.history_length = event.originator_version
        row.position = item.position

    def _requested(self, e: Callback.Requested, position: int) -> CallbackRow:
        policy = Policy.from_dict(e.policy)
        due = e.desired_time or e.timestamp
        state = CallbackState(e.state)
        phone = self.phones.canonical(e.phone)
        return CallbackRow(
            callback_id=e.originator_id,
            request_id=e.request_id,
            requested_at=e.timestamp,
            desired_time=e.desired_time,
            route=e.route,
            state=state.value,
            status=nhn_status(state, None, assignment_cancelled=False).value,
            reason=None,
            phone=phone,
            phone_national=self.phones.national(phone),
            assigner=None,
            assigner_team=None,
            agent=None,
            team=None,
            attempts=0,
            type=e.callback_type,
            customer_timezone=e.customer_timezone,
            remark=e.remark,
            queue_since=e.queue_since,
            due_at=due,
            overdue_at=due + policy.window,
            expires_at=due + policy.expiry,
            assigned_at=None,
            first_assigned_at=None,
            first_assigned_day=None,
            first_assigned_month=None,
            completed_at=None,
            assignment_cancelled=False,
            routing_agent=e.routing_agent,
            routing_team=e.routing_team,
            origin_interaction_id=e.origin_interaction_id,
            channel=e.channel,
            recreated_from=e.recreated_from,
            history_length=1,
            position=position,
        )

    def _rescheduled(self, row: CallbackRow, e: Callback.Rescheduled) -> dict[str, Any]:
        window = row.overdue_at - row.due_at
        expiry = row.expires_at - row.due_at
        return {
            "desired_time": e.desired_time,
            "due_at": e.desired_time,
            "overdue_at": e.desired_time + window,
            "expires_at": e.desired_time + expiry,
        }

    def _assigned(self, row: CallbackRow, e: Any) -> dict[str, Any]:
        first = row.first_assigned_at is None
        local = e.timestamp.astimezone(self.timezone)
        return {
            "state": CallbackState.ROUTING,
            "agent": e.agent_id,
            "team": team_of(e.agent_teams, row.routing_team),
            "assigner": e.actor,
            "assigner_team": team_of(getattr(e, "assigner_teams", ())),
            "assigned_at": e.timestamp,
            "first_assigned_at": e.timestamp if first else row.first_assigned_at,
            "first_assigned_day": local.strftime("%Y-%m-%d") if first else row.first_assigned_day,
            "first_assigned_month": local.strftime("%Y-%m") if first else row.first_assigned_month,
        }
