"""Query replies: the data models of `query.{name}`, `agent.{id}.list` and `pending`."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic resolves field types at runtime
from typing import Literal
from uuid import UUID  # noqa: TC003 - pydantic resolves field types at runtime

from pydantic import BaseModel, ConfigDict, Field

from callback_domain.lifecycle import CallbackState, CompletionReason, NhnStatus
from callback_domain.values import CallbackType


class HealthReply(BaseModel):
    status: Literal["ok"]
    version: str
    log_position: int | None = Field(description="the newest position in the event log")


class CallbackItem(BaseModel):
    """One row of the callback list."""

    callback_id: UUID
    request_id: str | None = None
    requested_at: datetime
    desired_time: datetime | None
    route: str
    state: CallbackState
    status: NhnStatus
    reason: CompletionReason | None
    phone: str
    assigner: str | None
    agent: str | None
    team: str | None
    attempts: int
    type: CallbackType
    customer_timezone: str | None
    remark: str | None
    overdue: bool = Field(description="SCHEDULED and past its desired time plus the window")


class CallbackDetail(CallbackItem):
    """`query.get`: a list item and the number of events in its history."""

    history_length: int


class ListPageReply(BaseModel):
    """`query.list` and `agent.{id}.list`: newest request first."""

    items: list[CallbackItem]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: last page")
    total: int = Field(description="how many callbacks match the filters, on every page")


class SearchReply(BaseModel):
    items: list[CallbackItem]


class PendingReply(BaseModel):
    """`agent.{id}.pending`: the callbacks the agent holds (ROUTING or PROCESSING)."""

    count: int
    items: list[CallbackItem]


class HistoryEvent(BaseModel):
    """One event; its own fields follow the common ones."""

    model_config = ConfigDict(extra="allow")

    type: str
    at: datetime
    actor: str | None
    role: str | None


class HistoryReply(BaseModel):
    events: list[HistoryEvent]


class SummaryReply(BaseModel):
    """`query.assignment-summary`."""

    total: int
    assigned: int
    unassigned: int


class AgentCount(BaseModel):
    agent_id: str
    incomplete: int = Field(description="callbacks the agent holds in ROUTING or PROCESSING")
    logged_in: bool


class AgentCountsReply(BaseModel):
    agents: list[AgentCount]


class RateRow(BaseModel):
    period: str = Field(description="YYYY-MM-DD or YYYY-MM, in the contact center's time zone")
    assigned: int
    completed: int
    unprocessed: int
    rate: float | None = Field(description="completed / assigned; null when nothing was assigned")


class TreatmentRateReply(BaseModel):
    rows: list[RateRow]
