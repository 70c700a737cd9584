"""The Callback aggregate: one customer's request to be called back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent
from callback_domain.callback_fields import CallbackFields
from callback_domain.callback_offers import CallbackOffers
from callback_domain.lifecycle import CallbackState, CompletionReason, Trigger, next_state
from callback_domain.values import AssignMethod, CallbackType, Caller, DialOutcome, Policy, Role

if TYPE_CHECKING:
    from datetime import datetime

CALLBACK_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:callback")


class Callback(CallbackOffers, CallbackFields, Aggregate):
    """A callback and its lifecycle.

    - Its id derives from the request id: the same request id is the same callback.
    - State changes only through the lifecycle table (`next_state`); a refused
      command raises before any event is triggered, so nothing is recorded.
    - Attempts never exceed the policy's max attempts: the last failed dial completes
      the callback with MAX_ATTEMPTS.
    - Only ROUTING and PROCESSING callbacks have an agent.
    - A scheduled callback is queued only once due, expires only once its expiry has
      passed; a cancel by the customer (through the IVR) is CANCELLED, by anyone else
      CANCELLED_BY_ADMIN.
    - Every event records actor, role, channel and the time it was passed.
    """

    TOPIC = "callbacks:Callback"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:Callback.Created"

    class Event(AuditedEvent, Aggregate.Event):
        actor: str
        role: str
        channel: str
        issuer: str

    class Requested(Aggregate.Created, Event):
        TOPIC = "callbacks:Callback.Requested"
        request_id: str
        phone: str
        route: str
        callback_type: str
        desired_time: datetime | None
        customer_timezone: str | None
        routing_agent: str | None
        routing_team: str | None
        remark: str | None
        origin_interaction_id: str | None
        queue_since: datetime
        policy: dict[str, Any]
        recreated_from: UUID | None
        state: str

        def apply(self, agg: Callback) -> None:
            agg.set_requested(self)

    class Rescheduled(Event):
        TOPIC = "callbacks:Callback.Rescheduled"
        desired_time: datetime

        def apply(self, agg: Callback) -> None:
            agg.desired_time = self.desired_time

    class Queued(Event):
        TOPIC = "callbacks:Callback.Queued"

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.QUEUED

    class Assigned(Event):
        TOPIC = "callbacks:Callback.Assigned"
        agent_id: str
        agent_teams: list[str]
        method: str
        assigner_teams: list[str]

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.ROUTING
            agg.agent_id = self.agent_id
            agg.agent_teams = tuple(self.agent_teams)
            agg.assigner = self.actor
            agg.assigner_teams = tuple(self.assigner_teams)
            agg.assign_method = AssignMethod(self.method)
            agg.assigned_at = self.timestamp
            if agg.first_assigned_at is None:
                agg.first_assigned_at = self.timestamp

    class Unassigned(Event):
        TOPIC = "callbacks:Callback.Unassigned"
        agent_id: str

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.QUEUED
            agg.agent_id = None
            agg.agent_teams = ()
            agg.assignment_cancelled = True
            agg.end_offer()

    class DialAttempted(Event):
        TOPIC = "callbacks:Callback.DialAttempted"
        agent_id: str
        attempt: int

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.PROCESSING
            agg.attempts = self.attempt
            agg.end_offer()  # dialling takes an offer, and keeps ownership

    class DialFailed(Event):
        TOPIC = "callbacks:Callback.DialFailed"
        agent_id: str
        outcome: str
        state: str
        reason: str | None

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState(self.state)
            agg.last_outcome = DialOutcome(self.outcome)
            if self.reason is not None:
                agg.reason = CompletionReason(self.reason)
                agg.completed_at = self.timestamp

    class Completed(Event):
        TOPIC = "callbacks:Callback.Completed"
        reason: str
        agent_id: str | None

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.COMPLETED
            agg.reason = CompletionReason(self.reason)
            agg.completed_at = self.timestamp
            agg.end_offer()

    class Recreated(Event):
        TOPIC = "callbacks:Callback.Recreated"
        new_callback_id: UUID

        def apply(self, agg: Callback) -> None:
            agg.recreated_as = (*agg.recreated_as, self.new_callback_id)

    # AUTO distribution (DOMAIN.md "Teams and distribution"); commands in CallbackOffers.

    class Offered(Event):
        """Offered to an agent by the service: an assignment (ROUTING), marked offered."""

        TOPIC = "callbacks:Callback.Offered"
        agent_id: str
        agent_teams: list[str]
        expires_at: datetime

        def apply(self, agg: Callback) -> None:
            agg.state = CallbackState.ROUTING
            agg.agent_id = self.agent_id
            agg.agent_teams = tuple(self.agent_teams)
            agg.assigner = self.actor
            agg.assigner_teams = ()
            agg.assign_method = AssignMethod.OFFERED
            agg.assigned_at = self.timestamp
            if agg.first_assigned_at is None:
                agg.first_assigned_at = self.timestamp
            agg.offered = True
            agg.offer_expires_at = self.expires_at

    class OfferAccepted(Event):
        TOPIC = "callbacks:Callback.OfferAccepted"
        agent_id: str
        owned_until: datetime | None

        def apply(self, agg: Callback) -> None:
            agg.end_offer()
            agg.owned_until = self.owned_until

    class OfferRejected(Event):
        """The agent rejected the offer: QUEUED again; never an attempt."""

        TOPIC = "callbacks:Callback.OfferRejected"
        agent_id: str

        def apply(self, agg: Callback) -> None:
            agg.back_in_queue(self.agent_id)

    class OfferWithdrawn(Event):
        """Not accepted within the route's offer timeout: QUEUED again."""

        TOPIC = "callbacks:Callback.OfferWithdrawn"
        agent_id: str

        def apply(self, agg: Callback) -> None:
            agg.back_in_queue(self.agent_id)

    class OwnershipExpired(Event):
        """Accepted, not dialled within the route's ownership minutes: QUEUED again."""

        TOPIC = "callbacks:Callback.OwnershipExpired"
        agent_id: str

        def apply(self, agg: Callback) -> None:
            agg.back_in_queue(self.agent_id)

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return uuid5(CALLBACK_NAMESPACE, request_id)

    @classmethod
    def request(
        cls,
        *,
        request_id: str,
        phone: str,
        route: str,
        callback_type: CallbackType,
        desired_time: datetime | None,
        customer_timezone: str | None,
        routing_agent: str | None,
        routing_team: str | None,
        remark: str | None,
        origin_interaction_id: str | None,
        policy: Policy,
        by: Caller,
        at: datetime,
        queue_since: datetime | None = None,
        recreated_from: UUID | None = None,
    ) -> Callback:
        due_now = policy.due_now(desired_time, at)
        trigger = Trigger.REQUEST_IMMEDIATE if due_now else Trigger.REQUEST_SCHEDULED
        state = next_state("NEW", trigger)
        return cls._create(
            cls.Requested,
            id=cls.create_id(request_id),
            timestamp=at,
            request_id=request_id,
            phone=phone,
            route=route,
            callback_type=callback_type.value,
            desired_time=desired_time,
            customer_timezone=customer_timezone,
            routing_agent=routing_agent,
            routing_team=routing_team,
            remark=remark,
            origin_interaction_id=origin_interaction_id,
            queue_since=queue_since or at,
            policy=policy.as_dict(),
            recreated_from=recreated_from,
            state=state.value,
            **by.audit(),
        )

    # Commands: guard first, then trigger ------------------------------------

    def reschedule(self, desired_time: datetime, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.RESCHEDULE)
        self.trigger_event(self.Rescheduled, timestamp=at, desired_time=desired_time, **by.audit())

    def queue(self, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.QUEUE)
        self.ensure_due(at)
        self.trigger_event(self.Queued, timestamp=at, **by.audit())

    def assign(
        self,
        agent_id: str,
        *,
        agent_teams: tuple[str, ...],
        method: AssignMethod,
        assigner_teams: tuple[str, ...],
        by: Caller,
        at: datetime,
    ) -> None:
        """Gives it to an agent: a QUEUED callback (assign), or, CALL_NOW, a SCHEDULED
        one to the agent it is routed to, before its time."""
        self.ensure(Trigger.CALL_NOW if method is AssignMethod.CALL_NOW else Trigger.ASSIGN)
        self.trigger_event(
            self.Assigned,
            timestamp=at,
            agent_id=agent_id,
            agent_teams=list(agent_teams),
            method=method.value,
            assigner_teams=list(assigner_teams),
            **by.audit(),
        )

    def unassign(self, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.UNASSIGN)
        assert self.agent_id is not None
        self.trigger_event(self.Unassigned, timestamp=at, agent_id=self.agent_id, **by.audit())

    def dial(self, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.DIAL)
        self.trigger_event(
            self.DialAttempted,
            timestamp=at,
            agent_id=self.agent_id,
            attempt=self.attempts + 1,
            **by.audit(),
        )

    def record_dial_failure(self, outcome: DialOutcome, *, by: Caller, at: datetime) -> None:
        exhausted = self.attempts >= self.policy.max_attempts
        state = self.ensure(Trigger.GIVE_UP if exhausted else Trigger.RETRY)
        self.trigger_event(
            self.DialFailed,
            timestamp=at,
            agent_id=self.agent_id,
            outcome=outcome.value,
            state=state.value,
            reason=CompletionReason.MAX_ATTEMPTS.value if exhausted else None,
            **by.audit(),
        )

    def complete(self, *, by: Caller, at: datetime) -> None:
        self._close(Trigger.COMPLETE, CompletionReason.AGENT, by=by, at=at)

    def finish(self, *, by: Caller, at: datetime) -> None:
        self._close(Trigger.FINISH, CompletionReason.FINISHED, by=by, at=at)

    def cancel(self, *, by: Caller, at: datetime) -> None:
        reason = (
            CompletionReason.CANCELLED
            if by.role is Role.IVR  # the customer, through the IVR
            else CompletionReason.CANCELLED_BY_ADMIN
        )
        self._close(Trigger.CANCEL, reason, by=by, at=at)

    def abandon(self, *, by: Caller, at: datetime) -> None:
        self._close(Trigger.ABANDON, CompletionReason.ABANDONED_IN_QUEUE, by=by, at=at)

    def expire(self, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.EXPIRE)
        self.ensure_expired(at)
        self._close(Trigger.EXPIRE, CompletionReason.EXPIRED, by=by, at=at)

    def record_recreation(self, new_callback_id: UUID, *, by: Caller, at: datetime) -> None:
        self.ensure(Trigger.RECREATE)
        self.trigger_event(
            self.Recreated, timestamp=at, new_callback_id=new_callback_id, **by.audit()
        )

    def _close(
        self, trigger: Trigger, reason: CompletionReason, *, by: Caller, at: datetime
    ) -> None:
        self.ensure(trigger)
        self.trigger_event(
            self.Completed,
            timestamp=at,
            reason=reason.value,
            agent_id=self.agent_id,
            **by.audit(),
        )
