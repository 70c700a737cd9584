"""Supervisor and administrator payloads (`admin.{verb}`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from adapters.messaging.messages.base import (
    MAX_AGENT_IDS,
    MAX_TEAMS,
    AgentId,
    CallbackId,
    CallbackIds,
    Name,
    Payload,
    TeamId,
    Time,
    exactly_one,
)
from adapters.messaging.messages.filters import Filters
from adapters.messaging.messages.intake import IntakeRequest
from callback_domain.commands import (
    AssignCallbacks,
    CancelCallbacks,
    RecreateCallback,
    RescheduleCallback,
    UnassignCallbacks,
    UpsertAgent,
)
from callback_domain.values import AssignMethod, Permission

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from uuid import UUID

    from adapters.views.queries import ListFilters
    from callback_domain.values import Caller

MAX_PERMISSIONS = 10


class CreatePayload(IntakeRequest):
    """`admin.create`: a callback entered by staff; the intake fields."""


class AssignPayload(Payload):
    """`admin.assign`: MANUAL gives every callback to one agent; EQUAL spreads them."""

    callback_ids: CallbackIds
    agent_ids: list[AgentId] = Field(max_length=MAX_AGENT_IDS)
    method: Literal["MANUAL", "EQUAL"] = "MANUAL"
    only_logged_in: StrictBool = Field(
        default=False, description="consider only agents logged in to CTI"
    )

    def to_command(self, caller: Caller, at: datetime) -> AssignCallbacks:
        return AssignCallbacks(
            caller=caller,
            at=at,
            callback_ids=tuple(self.callback_ids),
            agent_ids=tuple(self.agent_ids),
            method=AssignMethod(self.method),
            only_logged_in=self.only_logged_in,
        )


class UnassignPayload(Payload):
    """`admin.unassign`: cancels assignments; the callbacks go back to the queue."""

    callback_ids: CallbackIds

    def to_command(self, caller: Caller, at: datetime) -> UnassignCallbacks:
        return UnassignCallbacks(caller=caller, at=at, callback_ids=tuple(self.callback_ids))


class ReschedulePayload(Payload):
    """`admin.reschedule`: a new desired time for a SCHEDULED callback."""

    callback_id: CallbackId
    desired_time: Time

    def to_command(self, caller: Caller, at: datetime) -> RescheduleCallback:
        return RescheduleCallback(
            caller=caller, at=at, callback_id=self.callback_id, desired_time=self.desired_time
        )


class TimeRange(Payload):
    """Callbacks requested (or, `by: desired`, wanted) from `from` (included) until `to`
    (excluded)."""

    from_: Time = Field(alias="from")
    to: Time
    by: Literal["requested", "desired"] = Field(
        default="requested", description="which time the range bounds: requested or desired"
    )


class CancelPayload(Payload):
    """`admin.cancel`: the named callbacks, or every one a range and filters select.

    Exactly one of `callback_ids` and `all_in_range`; `filters` only with the range.
    PROCESSING and COMPLETED callbacks are skipped and reported, never cancelled.
    """

    callback_ids: CallbackIds | None = None
    all_in_range: TimeRange | None = None
    filters: Filters | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        exactly_one(self, ("callback_ids", "all_in_range"))
        if self.filters is not None and self.all_in_range is None:
            raise PydanticCustomError(
                "filters", "apply only with all_in_range", {"field": "filters"}
            )
        return self

    def range_filters(self) -> ListFilters:
        """The list filters that select the callbacks of `all_in_range`."""
        if self.all_in_range is None:
            msg = "range_filters() needs a payload with all_in_range"
            raise ValueError(msg)
        span = self.all_in_range
        if span.by == "desired":
            return (self.filters or Filters()).to_filters(
                desired_from=span.from_, desired_to=span.to
            )
        return (self.filters or Filters()).to_filters(from_=span.from_, to=span.to)

    def to_command(
        self, caller: Caller, at: datetime, *, selected: Iterable[UUID] | None = None
    ) -> CancelCallbacks:
        """The command for `callback_ids`, or for the ids `all_in_range` `selected`."""
        if self.callback_ids is not None:
            ids = tuple(self.callback_ids)
        elif selected is not None:
            ids = tuple(selected)
        else:
            msg = "an all_in_range cancel needs the ids its range selected"
            raise ValueError(msg)
        return CancelCallbacks(caller=caller, at=at, callback_ids=ids)


class RecreatePayload(Payload):
    """`admin.recreate`: a new callback from a COMPLETED one, keeping its place in line."""

    callback_id: CallbackId

    def to_command(self, caller: Caller, at: datetime) -> RecreateCallback:
        return RecreateCallback(caller=caller, at=at, callback_id=self.callback_id)


class AgentUpsertPayload(Payload):
    """`admin.agent-upsert`: adds an agent to the directory, or changes its profile."""

    agent_id: AgentId
    name: Name
    teams: list[TeamId] = Field(default_factory=list, max_length=MAX_TEAMS)
    permissions: list[Permission] = Field(
        default_factory=lambda: [Permission.CALL],
        max_length=MAX_PERMISSIONS,
        description="'call' (take callbacks) and/or 'assign'; default ['call']",
    )

    def to_command(self, caller: Caller, at: datetime) -> UpsertAgent:
        return UpsertAgent(
            caller=caller,
            at=at,
            agent_id=self.agent_id,
            name=self.name,
            teams=tuple(self.teams),
            permissions=tuple(self.permissions),
        )
