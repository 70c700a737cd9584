"""Agent desktop payloads (`agent.{agent_id}.{verb}`) and CTI presence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictBool

from adapters.messaging.messages.base import CallbackId, Payload
from adapters.messaging.messages.intake import IntakeRequest
from callback_domain.commands import (
    CompleteCallback,
    DialCallback,
    FinishCallback,
    RecordDialResult,
    SetPresence,
)
from callback_domain.values import DialOutcome

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller


class SchedulePayload(IntakeRequest):
    """`agent.{id}.schedule`: intake fields; `routing` defaults to the calling agent."""


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
