"""What the service publishes: notifications, intake outcomes, domain events."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# Pydantic resolves field types at runtime: these imports stay outside TYPE_CHECKING.
from adapters.messaging.messages.envelope import ErrorBody
from adapters.messaging.messages.read_replies import CallbackItem
from adapters.messaging.messages.replies import IntakeReply
from callback_domain.lifecycle import CallbackState, NhnStatus
from callback_domain.values import CallbackType


class AgentNotification(BaseModel):
    """`notify.agent.{agent_id}`: a callback was assigned to, taken from or completed by the agent."""  # noqa: E501 - the schema's description

    type: Literal[
        "assigned", "unassigned", "completed", "scheduled", "rescheduled", "offered", "withdrawn"
    ] = Field(
        description="assigned / unassigned / completed: a callback the agent holds (or an "
        "upcoming one of theirs ended); scheduled / rescheduled: an upcoming callback of theirs "
        "(SCHEDULED, routed to them); offered: a callback offered to them (AUTO routes), to "
        "accept by offer_expires_at; withdrawn: an offer rejected or lapsed, or an accepted "
        "one not dialled in time, gone back to the queue"
    )
    callback: CallbackItem = Field(description="the callback as the list shows it after the change")
    pending_count: int | None = Field(
        description="callbacks the agent now holds in ROUTING or PROCESSING"
    )
    upcoming_count: int | None = Field(
        default=None, description="the agent's SCHEDULED callbacks routed to them"
    )
    offer_expires_at: str | None = Field(
        default=None, description="offered: when the offer is withdrawn unless accepted"
    )
    log_position: int


class ReceivedNotification(BaseModel):
    """`notify.received`: a new callback, summarised for supervisors' screens."""

    callback_id: UUID
    request_id: str | None
    route: str | None
    state: CallbackState | None
    status: NhnStatus | None
    type: CallbackType | None
    phone: str | None
    requested_at: datetime | None
    desired_time: datetime | None
    log_position: int


class IntakeOutcome(BaseModel):
    """`notify.intake`: the outcome of one request submitted to `intake.submit`."""

    request_id: str | None = Field(description="null only when the submitted body had none")
    ok: bool
    data: IntakeReply | None = None
    error: ErrorBody | None = None


class EventMessage(BaseModel):
    """A domain event on CALLBACK_EVENTS; the event's own fields follow.

    Its subject: `events.{callback_id}.{EventName}` for a callback's events, and for every
    other aggregate kind `events.{kind}.{key}.{EventName}`: `agent.{agent_id}`,
    `line.{line_id}`, `policies.{policy_book_id}`, `user.{user_id}`, `routes.{route_book_id}`.
    """

    model_config = ConfigDict(extra="allow")

    position: int = Field(description="the event's position in the log")
    aggregate: str = Field(
        description="Callback, Agent, PhoneLine, PolicyBook, User, RouteBook or SlotSeats"
    )
    aggregate_id: UUID
    version: int
    type: str = Field(description="the event's name, as in the subject")
    at: datetime
    actor: str | None
    role: str | None
    channel: str | None
