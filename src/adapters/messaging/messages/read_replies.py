"""Query replies: the data models of `query.{name}`, `agent.{id}.list` and `pending`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from adapters.views.places import WAIT_BASIS, WaitBasis
from callback_domain.lifecycle import CallbackState, CompletionReason, NhnStatus
from callback_domain.values import CallbackType

# The read side's times as the views hold them (`isoformat`: `+00:00`, not `Z`).
Time = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"format": "date-time", "type": "string"}, mode="serialization"),
]


class HealthReply(BaseModel):
    status: Literal["ok"]
    version: str
    auth: Literal["on", "off"] = Field(
        default="on", description="'off': the insecure development mode (CALLBACKS_AUTH=off)"
    )
    log_position: int | None = Field(description="the newest position in the event log")
    views_position: int = Field(description="the position the read models have reached")
    views_lag: int = Field(description="events written but not yet in the read models")
    sms: str = Field(
        default="no SMS provider configured",
        description="the SMS provider messages are handed to, or that none is configured "
        "(messages then wait RESERVED)",
    )


class CallbackItem(BaseModel):
    """One row of the callback list."""

    callback_id: UUID
    request_id: str | None = None
    requested_at: Time
    desired_time: Time | None
    route: str
    state: CallbackState
    status: NhnStatus
    reason: CompletionReason | None
    completed_at: Time | None = Field(
        default=None, description="when it was completed (COMPLETED only)"
    )
    phone: str = Field(description="E.164, e.g. +821012345678")
    phone_national: str | None = Field(
        default=None, description="the number as its country writes it, e.g. 010-1234-5678"
    )
    assigner: str | None
    agent: str | None
    team: str | None = Field(description="the team of the agent it is assigned to")
    attempts: int
    type: CallbackType
    customer_timezone: str | None
    remark: str | None
    overdue: bool = Field(description="SCHEDULED and past its desired time plus the window")
    routing_team: str | None = Field(default=None, description="the team it is routed to")
    offered: bool = Field(
        default=False, description="ROUTING by an offer (AUTO routes) the agent has not accepted"
    )
    offer_expires_at: Time | None = Field(
        default=None, description="when an open offer is withdrawn unless accepted"
    )


ReadPosition = Annotated[
    int, Field(description="the log position the read models had reached for this answer")
]


class CallbackDetail(CallbackItem):
    """`query.get`: a list item, the length of its history and its place in line."""

    history_length: int
    position_in_queue: int | None = Field(description="1 = next; null unless QUEUED")
    estimated_wait_seconds: int | None = Field(description="null when it cannot be estimated")
    wait_basis: WaitBasis | None = Field(description=WAIT_BASIS)
    log_position: ReadPosition


class ListPageReply(BaseModel):
    """`query.list` and `agent.{id}.list`: newest request first."""

    items: list[CallbackItem]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: last page")
    total: int = Field(description="how many callbacks match the filters, on every page")
    log_position: ReadPosition


class SearchReply(BaseModel):
    items: list[CallbackItem]


class PendingReply(BaseModel):
    """`agent.{id}.pending`: the callbacks the agent holds (ROUTING or PROCESSING)."""

    count: int
    items: list[CallbackItem]


class UpcomingReply(BaseModel):
    """`agent.{id}.upcoming`: the agent's SCHEDULED callbacks routed to them, soonest
    first (at most 250 items; `count` counts them all)."""

    count: int
    items: list[CallbackItem]


class HistoryEvent(BaseModel):
    """One event; its own fields follow the common ones."""

    model_config = ConfigDict(extra="allow")

    type: str
    at: Time
    actor: str | None
    role: str | None
    channel: str | None
    version: int = Field(description="the callback's version after this event (1 = first)")
    position: int = Field(description="the event's position in the log")


class HistoryReply(BaseModel):
    events: list[HistoryEvent]


class SummaryReply(BaseModel):
    """`query.assignment-summary`."""

    total: int
    assigned: int
    unassigned: int


class AgentCount(BaseModel):
    agent_id: str
    name: str | None
    teams: list[str]
    incomplete: int = Field(description="callbacks the agent holds in ROUTING or PROCESSING")
    logged_in: bool
    permissions: list[str] = Field(
        default_factory=list, description="the agent's permissions: 'call' and/or 'assign'"
    )


class AgentCountsReply(BaseModel):
    agents: list[AgentCount]


class RateRow(BaseModel):
    period: str = Field(description="YYYY-MM-DD or YYYY-MM, in the contact center's time zone")
    assigned: int = Field(description="completed + unprocessed + failed + released")
    completed: int = Field(description="COMPLETED by AGENT or FINISHED")
    unprocessed: int = Field(description="still ROUTING or PROCESSING")
    failed: int = Field(default=0, description="MAX_ATTEMPTS or EXPIRED after assignment")
    released: int = Field(
        default=0, description="unassigned and not reassigned, or cancelled after assignment"
    )
    rate: float | None = Field(description="completed / assigned; null when nothing was assigned")


class TreatmentRateReply(BaseModel):
    rows: list[RateRow]
    timezone: str = Field(description="the IANA zone the periods are counted in")
