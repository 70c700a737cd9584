"""The callback list's filters, shared by list queries, summaries and bulk cancel."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from adapters.messaging.messages.base import (
    DEFAULT_PAGE_SIZE,
    MAX_CURSOR_LENGTH,
    MAX_PAGE_SIZE,
    STORABLE,
    AgentId,
    Payload,
    Phone,
    Route,
    TeamId,
    Time,
)
from adapters.views.queries import ListFilters
from callback_domain.lifecycle import CallbackState, NhnStatus

_FILTER_NAMES = (
    "from_",
    "to",
    "route",
    "status",
    "state",
    "phone",
    "agent",
    "agent_team",
    "assigner",
    "assigner_team",
)


class CommonFilters(Payload):
    """Filters every list query takes; `agent` is added where the caller may choose it."""

    route: Route | None = None
    status: NhnStatus | None = None
    state: CallbackState | None = None
    phone: Phone | None = Field(default=None, description="separators are ignored")
    agent_team: TeamId | None = None
    assigner: AgentId | None = None
    assigner_team: TeamId | None = None

    def to_filters(self, **overrides: Any) -> ListFilters:
        """The read side's filters; `overrides` fix fields, e.g. `agent=` the caller."""
        given: dict[str, Any] = {
            name: getattr(self, name) for name in _FILTER_NAMES if name in type(self).model_fields
        }
        given.update(overrides)
        # The views compare plain strings.
        for name in ("status", "state"):
            if given.get(name) is not None:
                given[name] = str(given[name])
        return ListFilters(**given)


class Filters(CommonFilters):
    """A list's filters without its period: bulk cancel's `filters`."""

    agent: AgentId | None = None


class Period(Payload):
    """Bounds the time the callbacks were requested: `from` inclusive, `to` exclusive."""

    from_: Time | None = Field(default=None, alias="from")
    to: Time | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise PydanticCustomError("range", "must not be before from", {"field": "to"})
        return self


class Paging(Payload):
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: Annotated[str, Field(max_length=MAX_CURSOR_LENGTH), STORABLE] | None = Field(
        default=None, description="next_cursor of the previous page"
    )
