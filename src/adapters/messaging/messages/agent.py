"""Agent desktop payloads (`agent.{agent_id}.{verb}`) and CTI presence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictBool

from adapters.messaging.messages.admin import ReschedulePayload
from adapters.messaging.messages.base import CallbackId, CallbackIds, Payload
from adapters.messaging.messages.intake import IntakeRequest
from callback_domain.commands import (
    AcceptOffer,
    CallNow,
    CancelCallbacks,
    CompleteCallback,
    DialCallback,
    FinishCallback,
    RecordDialResult,
    RejectOffer,
    SetPresence,
)
from callback_domain.values import DialOutcome

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller


class SchedulePayload(IntakeRequest):
    """`agent.{id}.schedule`: intake fields; `routing` defaults to the calling agent, and
    may name another agent or one of the caller's teams."""


class AgentReschedulePayload(ReschedulePayload):
    """`agent.{id}.reschedule`: a new desired time for one of the agent's own SCHEDULED
    callbacks (routed to them)."""


class AgentCancelPayload(Payload):
    """`agent.{id}.cancel`: cancels the agent's own SCHEDULED callbacks (routed to
    them); any other is skipped and reported."""

    callback_ids: CallbackIds

    def to_command(self, caller: Caller, at: datetime) -> CancelCallbacks:
        return CancelCallbacks(caller=caller, at=at, callback_ids=tuple(self.callback_ids))


class CallNowPayload(Payload):
    """`agent.{id}.call-now`: the agent takes their own SCHEDULED callback before its
    time (it becomes ROUTING to them); then they dial as usual."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> CallNow:
        return CallNow(caller=caller, at=at, callback_id=self.callback_id)


class AcceptPayload(Payload):
    """`agent.{id}.accept`: the agent takes the callback offered to them (AUTO routes)."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> AcceptOffer:
        return AcceptOffer(caller=caller, at=at, callback_id=self.callback_id)


class RejectPayload(Payload):
    """`agent.{id}.reject`: the agent declines the offer; it goes back to the queue for
    another agent, and never counts as an attempt."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> RejectOffer:
        return RejectOffer(caller=caller, at=at, callback_id=self.callback_id)


class DialPayload(Payload):
    """`agent.{id}.dial`: the agent starts a connection attempt."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> DialCallback:
        return DialCallback(caller=caller, at=at, callback_id=self.callback_id)


class DialResultPayload(Payload):
    """`agent.{id}.dial-result`: an attempt that did not reach the customer."""

    callback_id: CallbackId
    outcome: DialOutcome

    def to_command(self, caller: Caller, at: datetime) -> RecordDialResult:
        return RecordDialResult(
            caller=caller, at=at, callback_id=self.callback_id, outcome=self.outcome
        )


class CompletePayload(Payload):
    """`agent.{id}.complete`: the customer was called back."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> CompleteCallback:
        return CompleteCallback(caller=caller, at=at, callback_id=self.callback_id)


class FinishPayload(Payload):
    """`agent.{id}.finish`: done without a call (NHN "Finish")."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> FinishCallback:
        return FinishCallback(caller=caller, at=at, callback_id=self.callback_id)


class PresencePayload(Payload):
    """`cti.presence.{agent_id}`: the agent logged in to, or out of, the CTI system."""

    logged_in: StrictBool = Field(description="true when the agent is logged in")

    def to_command(self, agent_id: str, caller: Caller, at: datetime) -> SetPresence:
        return SetPresence(caller=caller, at=at, agent_id=agent_id, logged_in=self.logged_in)
