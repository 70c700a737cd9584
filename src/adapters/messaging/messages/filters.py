"""The callback list's filters, shared by list queries, summaries and bulk cancel."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
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
from callback_domain.values import CallbackType

_FILTER_NAMES = (
    "from_",
    "to",
    "desired_from",
    "desired_to",
    "route",
    "status",
    "state",
    "callback_type",
    "overdue",
    "phone",
    "phone_suffix",
    "agent",
    "agent_team",
    "assigner",
    "assigner_team",
    "team",
)
MAX_VALUES = 50
PhoneSuffix = Annotated[
    str,
    Field(pattern=r"^[0-9]{4,15}$", description="the last 4 to 15 digits of the number"),
]


def _one_or_many(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """One value or a list of them; a refusal names the field itself (pydantic would
    name each member of the union it tried)."""
    try:
        return handler(value)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        first = errors[-1] if isinstance(value, list) else errors[0]
        raise PydanticCustomError(first["type"], first["msg"], first.get("ctx")) from None


_Many = Field(min_length=1, max_length=MAX_VALUES)
_SOME = WrapValidator(_one_or_many)
# One value, or a list of them (any of which matches).
Routes = Annotated[Route | Annotated[list[Route], _Many], _SOME]
Statuses = Annotated[NhnStatus | Annotated[list[NhnStatus], _Many], _SOME]
States = Annotated[CallbackState | Annotated[list[CallbackState], _Many], _SOME]
Types = Annotated[CallbackType | Annotated[list[CallbackType], _Many], _SOME]


class CommonFilters(Payload):
    """Filters every list query takes; `agent` is added where the caller may choose it."""

    route: Routes | None = None
    status: Statuses | None = None
    state: States | None = None
    callback_type: Types | None = Field(default=None, alias="type")
    desired_from: Time | None = Field(default=None, description="desired time from (included)")
    desired_to: Time | None = Field(default=None, description="desired time until (excluded)")
    overdue: bool | None = Field(
        default=None, description="SCHEDULED and past the desired time plus the window"
    )
    phone: Phone | None = Field(default=None, description="the whole number, in any format")
    phone_suffix: PhoneSuffix | None = None
    agent_team: TeamId | None = Field(default=None, description="the assigned agent's team")
    assigner: AgentId | None = None
    assigner_team: TeamId | None = None
    team: TeamId | None = Field(default=None, description="the team callbacks are routed to")

    @model_validator(mode="after")
    def _desired_ordered(self) -> Self:
        if (
            self.desired_from is not None
            and self.desired_to is not None
            and self.desired_to < self.desired_from
        ):
            message = "must not be before desired_from"
            raise PydanticCustomError("range", message, {"field": "desired_to"})
        return self

    def to_filters(self, **overrides: Any) -> ListFilters:
        """The read side's filters; `overrides` fix fields, e.g. `agent=` the caller."""
        given: dict[str, Any] = {
            name: getattr(self, name) for name in _FILTER_NAMES if name in type(self).model_fields
        }
        given.update(overrides)
        # The views compare plain strings; several values: any of them.
        for name in ("route", "status", "state", "callback_type"):
            value = given.get(name)
            if isinstance(value, list):
                given[name] = tuple(str(v) for v in value)
            elif value is not None:
                given[name] = str(value)
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
