"""Read payloads: `query.{name}`, and the agent desktop's `list` and `pending`."""

from __future__ import annotations

from datetime import date  # noqa: TC003 - pydantic resolves field types at runtime
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from adapters.messaging.messages.base import (
    MAX_AGENT_IDS,
    AgentId,
    CallbackId,
    Phone,
    Query,
    RequestId,
    Route,
    TeamId,
    exactly_one,
)
from adapters.messaging.messages.filters import CommonFilters, Filters, Paging, Period

MAX_RATE_DAYS = 366
MAX_RATE_MONTHS = 120


class HealthQuery(Query):
    """`query.health`: `{}`."""


class GetQuery(Query):
    """`query.get`: one callback."""

    callback_id: CallbackId


class HistoryQuery(Query):
    """`query.history`: every event of one callback."""

    callback_id: CallbackId


class ListQuery(Filters, Period, Paging, Query):
    """`query.list`: a page of the callback list, newest request first."""


class AgentListQuery(CommonFilters, Period, Paging, Query):
    """`agent.{id}.list`: the list filters; the agent is always the caller."""


class PendingQuery(Query):
    """`agent.{id}.pending`: `{}`; the callbacks the calling agent holds."""


class UpcomingQuery(Query):
    """`agent.{id}.upcoming`: `{}`; the calling agent's SCHEDULED callbacks routed to
    them, soonest first."""


class AssignmentSummaryQuery(Filters, Period, Query):
    """`query.assignment-summary`: how many of a list's callbacks are assigned."""


class SearchQuery(Query):
    """`query.search`: by exactly one of callback_id, phone or request_id."""

    callback_id: CallbackId | None = None
    phone: Phone | None = None
    request_id: RequestId | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        exactly_one(self, ("callback_id", "phone", "request_id"))
        return self


class AgentCountsQuery(Query):
    """`query.agent-counts`: every agent's incomplete count, or the named agents', or the
    members' of one team."""

    agent_ids: list[AgentId] | None = Field(default=None, max_length=MAX_AGENT_IDS)
    team: TeamId | None = Field(default=None, description="only the agents of this team")


class TreatmentRateQuery(Query):
    """`query.treatment-rate`: the report by day or month, both ends included.

    `from` and `to` are dates (YYYY-MM-DD), not times: the report counts callbacks by
    the day or month of their first assignment in the contact center's time zone
    (`CALLBACKS_TIMEZONE`), so a time and its offset would mean nothing more. A report
    spans at most 366 days by day, or 120 months by month.
    """

    from_: date = Field(alias="from", description="first day (YYYY-MM-DD), included")
    to: date = Field(description="last day (YYYY-MM-DD), included")
    by: Literal["day", "month"] = "day"
    route: Route | None = None
    agent: AgentId | None = None
    team: TeamId | None = Field(default=None, description="the team callbacks are routed to")
    phone: Phone | None = Field(default=None, description="the whole number, in any format")

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.to < self.from_:
            raise PydanticCustomError("range", "must not be before from", {"field": "to"})
        if self.by == "day" and (self.to - self.from_).days >= MAX_RATE_DAYS:
            message = f"must be within {MAX_RATE_DAYS} days of from, both included; or use by=month"
            raise PydanticCustomError("range", message, {"field": "to"})
        months = (self.to.year - self.from_.year) * 12 + self.to.month - self.from_.month
        if months >= MAX_RATE_MONTHS:
            message = f"must be within {MAX_RATE_MONTHS} months of from, both included"
            raise PydanticCustomError("range", message, {"field": "to"})
        return self
