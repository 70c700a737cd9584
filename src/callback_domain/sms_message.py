"""One recipient's SMS or MMS (NHN "SMS 발송"): its text, its reservation and what became
of it, from the send to the provider's outcome."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent
from callback_domain.errors import InvalidTransitionError

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller

SMS_MESSAGE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:sms-message")
MAX_HAND_OVERS = 5  # a retryable failure is retried until this many hand-overs


class SmsState(StrEnum):
    RESERVED = "RESERVED"  # waiting for its time (or, sent now, for the dispatcher)
    SENDING = "SENDING"  # handed over (or being handed over) to the provider
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


_FIELDS = (
    "send_id",
    "template_id",
    "type",
    "sender",
    "recipient",
    "subject",
    "body",
    "images",
    "reserve_at",
    "callback_id",
)
FINAL = frozenset({SmsState.SENT, SmsState.FAILED, SmsState.CANCELLED})


def retry_delay(attempt: int) -> timedelta:
    """After failed hand-over `attempt` (1-based): 1 s, 2 s, 4 s, 8 s."""
    return timedelta(seconds=2 ** (attempt - 1))


class SmsMessage(Aggregate):
    """One recipient's message.

    - Its id derives from the send's id and the recipient: the same send is the same
      messages (a repeated send records nothing new).
    - RESERVED → SENDING → SENT / FAILED; RESERVED → CANCELLED (only RESERVED: once
      the hand-over is recorded, it may be on its way).
    - A hand-over is recorded BEFORE the provider is called (`HandOverStarted`), its
      answer after (`HandOverAnswered`); a hand-over started but never answered (the
      process died) is started again: the provider dedups by message id.
    - Never handed over again once a provider ACCEPTED or SENT it; at most
      MAX_HAND_OVERS hand-overs; retryable failures wait `retry_delay` between.
    - `due_at`: when the dispatcher should next hand it over; None: nothing to do.
    """

    TOPIC = "callbacks:SmsMessage"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:SmsMessage.Created"

    class Event(AuditedEvent, Aggregate.Event):
        actor: str
        role: str
        channel: str
        issuer: str

    class Requested(Aggregate.Created, Event):
        TOPIC = "callbacks:SmsMessage.Requested"
        send_id: str
        template_id: str
        type: str
        sender: str
        recipient: str
        subject: str
        body: str
        images: list[dict[str, Any]]  # [{name, size, sha256}] as the template holds them
        reserve_at: datetime | None
        callback_id: UUID | None

        def apply(self, agg: SmsMessage) -> None:
            for name in _FIELDS:
                setattr(agg, name, getattr(self, name))
            agg.state = SmsState.RESERVED
            agg.sent_by = self.actor
            agg.due_at = self.reserve_at or self.timestamp
            agg.attempts = 0
            agg.accepted = False
            agg.pending = False
            agg.reason = None

    class HandOverStarted(Event):
        TOPIC = "callbacks:SmsMessage.HandOverStarted"
        attempt: int

        def apply(self, agg: SmsMessage) -> None:
            agg.state = SmsState.SENDING
            agg.attempts = self.attempt
            agg.pending = True
            # Until its answer is recorded: due again at once after a restart.
            agg.due_at = self.timestamp

    class HandOverAnswered(Event):
        """The provider's answer: ACCEPTED, SENT or FAILED (retryable or not)."""

        TOPIC = "callbacks:SmsMessage.HandOverAnswered"
        attempt: int
        delivery: str
        reason: str | None
        retryable: bool
        provider: str
        provider_id: str | None
        state: str
        retry_at: datetime | None

        def apply(self, agg: SmsMessage) -> None:
            agg.state = SmsState(self.state)
            agg.accepted = self.delivery in {"ACCEPTED", "SENT"}
            agg.pending = False
            agg.due_at = self.retry_at
            agg.reason = self.reason

    class StatusReported(Event):
        """The gateway's report (`sms.status`) of a message it accepted."""

        TOPIC = "callbacks:SmsMessage.StatusReported"
        state: str
        reason: str | None

        def apply(self, agg: SmsMessage) -> None:
            agg.state = SmsState(self.state)
            agg.accepted = True
            agg.pending = False
            agg.due_at = None
            agg.reason = self.reason

    class Cancelled(Event):
        TOPIC = "callbacks:SmsMessage.Cancelled"

        def apply(self, agg: SmsMessage) -> None:
            agg.state = SmsState.CANCELLED
            agg.due_at = None

    if TYPE_CHECKING:  # set by Requested.apply
        send_id: str
        template_id: str
        type: str
        sender: str
        recipient: str
        subject: str
        body: str
        images: list[dict[str, Any]]
        reserve_at: datetime | None
        callback_id: UUID | None
        state: SmsState
        sent_by: str
        due_at: datetime | None
        attempts: int
        accepted: bool
        pending: bool  # a hand-over started, its answer not recorded
        reason: str | None

    @staticmethod
    def create_id(send_id: str, recipient: str) -> UUID:
        return uuid5(SMS_MESSAGE_NAMESPACE, f"{send_id}:{recipient}")

    @classmethod
    def request(
        cls,
        *,
        send_id: str,
        template_id: str,
        message_type: str,
        sender: str,
        recipient: str,
        subject: str,
        body: str,
        images: list[dict[str, Any]],
        reserve_at: datetime | None,
        callback_id: UUID | None,
        by: Caller,
        at: datetime,
    ) -> SmsMessage:
        return cls._create(
            cls.Requested,
            id=cls.create_id(send_id, recipient),
            timestamp=at,
            send_id=send_id,
            template_id=template_id,
            type=message_type,
            sender=sender,
            recipient=recipient,
            subject=subject,
            body=body,
            images=images,
            reserve_at=reserve_at,
            callback_id=callback_id,
            **by.audit(),
        )

    # Reads ---------------------------------------------------------------------

    def may_hand_over(self, at: datetime) -> bool:
        """Due, and not yet taken by a provider; a hand-over never answered (the
        process died) may always be resumed."""
        return (
            self.state in {SmsState.RESERVED, SmsState.SENDING}
            and not self.accepted
            and self.due_at is not None
            and self.due_at <= at
            and (self.pending or self.attempts < MAX_HAND_OVERS)
        )

    # Commands: guard first, then trigger -----------------------------------------

    def cancel(self, *, by: Caller, at: datetime) -> None:
        if self.state is not SmsState.RESERVED:
            raise InvalidTransitionError(
                f"only a RESERVED message can be cancelled; this one is {self.state.value}",
                state=self.state.value,
                command="cancel",
            )
        self.trigger_event(self.Cancelled, timestamp=at, **by.audit())

    def start_hand_over(self, *, by: Caller, at: datetime) -> int:
        """Records the hand-over about to happen; returns its attempt number (the same
        one when it resumes a hand-over never answered: not a new attempt)."""
        if not self.may_hand_over(at):
            raise InvalidTransitionError(
                f"message {self.id} is not due for a hand-over ({self.state.value})",
                state=self.state.value,
                command="hand_over",
            )
        attempt = self.attempts if self.pending else self.attempts + 1
        self.trigger_event(self.HandOverStarted, timestamp=at, attempt=attempt, **by.audit())
        return attempt

    def record_answer(
        self,
        *,
        attempt: int,
        delivery: str,
        reason: str | None,
        retryable: bool,
        provider: str,
        provider_id: str | None,
        by: Caller,
        at: datetime,
    ) -> bool:
        """Records the provider's answer to hand-over `attempt`; False (nothing recorded)
        when it is stale: another attempt since, or the outcome already known."""
        if attempt != self.attempts or not self.pending:
            return False
        state, retry_at = SmsState.SENDING, None
        if delivery == "SENT":
            state = SmsState.SENT
        elif delivery == "FAILED":
            if retryable and attempt < MAX_HAND_OVERS:
                retry_at = at + retry_delay(attempt)
            else:
                state = SmsState.FAILED
        self.trigger_event(
            self.HandOverAnswered,
            timestamp=at,
            attempt=attempt,
            delivery=delivery,
            reason=reason,
            retryable=retryable,
            provider=provider,
            provider_id=provider_id,
            state=state.value,
            retry_at=retry_at,
            **by.audit(),
        )
        return True

    def report_status(
        self, state: SmsState, reason: str | None, *, by: Caller, at: datetime
    ) -> bool:
        """The gateway's outcome; False (nothing recorded) when it repeats the known one."""
        if self.state is state:
            return False
        if self.state is not SmsState.SENDING:
            raise InvalidTransitionError(
                f"message {self.id} is {self.state.value}: no status can change it",
                state=self.state.value,
                command="status",
            )
        self.trigger_event(
            self.StatusReported, timestamp=at, state=state.value, reason=reason, **by.audit()
        )
        return True
