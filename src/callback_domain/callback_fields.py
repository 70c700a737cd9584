"""What a callback is: its fields, and the rules read from them (the aggregate's guards)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.lifecycle import (
    HOLDING,
    CallbackState,
    NhnStatus,
    Trigger,
    next_state,
    nhn_status,
)
from callback_domain.values import AssignMethod, CallbackType, Policy

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from callback_domain.callback import Callback
    from callback_domain.lifecycle import CompletionReason
    from callback_domain.values import DialOutcome


class CallbackFields:
    """The state of a Callback (set by its events) and the questions it answers.

    Mixed into the aggregate: the events and commands live in `callback.py`.
    """

    if TYPE_CHECKING:  # set by Callback.Requested.apply; not dataclass fields

        @property
        def id(self) -> UUID: ...

        request_id: str
        phone: str
        route: str
        callback_type: CallbackType
        desired_time: datetime | None
        customer_timezone: str | None
        routing_agent: str | None
        routing_team: str | None
        remark: str | None
        origin_interaction_id: str | None
        source_channel: str
        requested_at: datetime
        requested_by: str
        requested_role: str
        queue_since: datetime
        policy: Policy
        recreated_from: UUID | None
        recreated_as: tuple[UUID, ...]
        state: CallbackState
        reason: CompletionReason | None
        agent_id: str | None
        agent_teams: tuple[str, ...]
        assigner: str | None
        assigner_teams: tuple[str, ...]
        assign_method: AssignMethod | None
        assigned_at: datetime | None
        first_assigned_at: datetime | None
        attempts: int
        last_outcome: DialOutcome | None
        assignment_cancelled: bool
        completed_at: datetime | None
        offered: bool  # ROUTING by an offer not yet accepted (AUTO distribution)
        offer_expires_at: datetime | None
        owned_until: datetime | None  # an accepted offer goes back unless dialled by then
        declined_by: tuple[str, ...]  # agents who rejected it or let an offer lapse

    def set_requested(self, e: Callback.Requested) -> None:
        """The fields as the request sets them: nothing assigned, dialled or ended yet."""
        self.request_id = e.request_id
        self.phone = e.phone
        self.route = e.route
        self.callback_type = CallbackType(e.callback_type)
        self.desired_time = e.desired_time
        self.customer_timezone = e.customer_timezone
        self.routing_agent = e.routing_agent
        self.routing_team = e.routing_team
        self.remark = e.remark
        self.origin_interaction_id = e.origin_interaction_id
        self.source_channel = e.channel
        self.requested_at = e.timestamp
        self.requested_by = e.actor
        self.requested_role = e.role
        self.queue_since = e.queue_since
        self.policy = Policy.from_dict(e.policy)
        self.recreated_from = e.recreated_from
        self.recreated_as = ()
        self.state = CallbackState(e.state)
        self.reason = None
        self.agent_id = None
        self.agent_teams = ()
        self.assigner = None
        self.assigner_teams = ()
        self.assign_method = None
        self.assigned_at = None
        self.first_assigned_at = None
        self.attempts = 0
        self.last_outcome = None
        self.assignment_cancelled = False
        self.completed_at = None
        self.end_offer()
        self.declined_by = ()

    def end_offer(self) -> None:
        """No offer open, no ownership running (after a dial, an unassignment, the end)."""
        self.offered = False
        self.offer_expires_at = None
        self.owned_until = None

    def back_in_queue(self, agent_id: str) -> None:
        """An offer rejected or lapsed, or ownership expired: QUEUED, nobody holds it,
        and `agent_id` is passed over when it is offered again."""
        self.state = CallbackState.QUEUED
        self.agent_id = None
        self.agent_teams = ()
        self.end_offer()
        if agent_id not in self.declined_by:
            self.declined_by = (*self.declined_by, agent_id)

    @property
    def status(self) -> NhnStatus:
        return nhn_status(self.state, self.reason, assignment_cancelled=self.assignment_cancelled)

    @property
    def due_at(self) -> datetime:
        """When it is due: its desired time, or when it was requested."""
        return self.desired_time or self.requested_at

    @property
    def expires_at(self) -> datetime:
        return self.due_at + self.policy.expiry

    def is_held_by(self, agent_id: str) -> bool:
        return self.state in HOLDING and self.agent_id == agent_id

    # Guards: each raises the refusal, so a refused command records nothing ----------

    def ensure(self, trigger: Trigger) -> CallbackState:
        """The state `trigger` leads to; raises InvalidTransitionError."""
        return next_state(self.state, trigger)

    def ensure_agent(self, agent_id: str, action: str) -> None:
        """Refuses an agent acting on a callback that is not (or was not last) theirs."""
        if self.agent_id != agent_id:
            raise ForbiddenError(
                f"agent '{agent_id}' may not {action} callback {self.id}: "
                "it is not assigned to them",
            )

    def ensure_due(self, at: datetime) -> None:
        """Refuses queueing a scheduled callback before it is due."""
        if self.due_at > at:
            raise InvalidRequestError.single(
                "callback_id", f"callback {self.id} is not due before {self.due_at.isoformat()}"
            )

    def ensure_expired(self, at: datetime) -> None:
        """Refuses expiring a callback before its expiry has passed."""
        if self.expires_at > at:
            raise InvalidRequestError.single(
                "callback_id",
                f"callback {self.id} does not expire before {self.expires_at.isoformat()}",
            )
