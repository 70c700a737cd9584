"""Intake payloads: asking for a callback, and withdrawing or abandoning one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import Field, NaiveDatetime, model_validator
from pydantic_core import PydanticCustomError

from adapters.messaging.messages.base import (
    AgentId,
    CallbackId,
    Payload,
    Phone,
    Remark,
    RequestId,
    Route,
    TeamId,
    Time,
    TimeZoneName,
    exactly_one,
)
from callback_domain.commands import RequestCallback
from callback_domain.values import CallbackType

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller


class Routing(Payload):
    """Who should take the callback: one agent, or one team."""

    agent: AgentId | None = None
    team: TeamId | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.agent is not None and self.team is not None:
            raise PydanticCustomError(
                "routing", "give either agent or team, not both", {"field": "team"}
            )
        return self


class IntakeRequest(Payload):
    """`intake.request` and `intake.submit`: a customer asks to be called back.

    The phone's digits, the time zone, the desired time's window and the route's
    content are checked by the core, which names the refused field the same way.
    """

    request_id: RequestId = Field(description="idempotency key: the same id is the same callback")
    phone: Phone = Field(description="7 to 15 digits; spaces, dashes, dots, parentheses, leading +")
    route: Route = Field(description="IVR route / service / virtual queue")
    callback_type: CallbackType | None = Field(
        default=None,
        alias="type",
        description="IMMEDIATE (default) or SCHEDULED (the default when desired_time is given)",
    )
    desired_time: Time | None = Field(
        default=None, description="required for SCHEDULED; not in the past; at most 30 days ahead"
    )
    desired_local: NaiveDatetime | None = Field(
        default=None,
        description="instead of desired_time: the customer's wall-clock time without an "
        "offset (2026-12-01T14:30), in customer_timezone (then required); a time skipped "
        "by daylight saving is refused, one passed twice is its earlier instant",
    )
    customer_timezone: TimeZoneName | None = Field(default=None, description="an IANA name")
    routing: Routing | None = None
    remark: Remark | None = None
    origin_interaction_id: RequestId | None = None

    def to_command(self, caller: Caller, at: datetime) -> RequestCallback:
        routing = self.routing or Routing()
        return RequestCallback(
            caller=caller,
            at=at,
            request_id=self.request_id,
            phone=self.phone,
            route=self.route,
            callback_type=self.callback_type,
            desired_time=self.desired_time,
            desired_local=self.desired_local,
            customer_timezone=self.customer_timezone,
            routing_agent=routing.agent,
            routing_team=routing.team,
            remark=self.remark,
            origin_interaction_id=self.origin_interaction_id,
        )


class Withdrawal(Payload):
    """Names a callback by the request that made it, or by its id: exactly one."""

    request_id: RequestId | None = None
    callback_id: CallbackId | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        exactly_one(self, ("request_id", "callback_id"))
        return self


class IntakeCancel(Withdrawal):
    """`intake.cancel`: the customer withdraws the request (through the IVR)."""


class IntakeAbandon(Withdrawal):
    """`intake.abandon`: the customer left the queue before being called back."""
