"""What every wire payload shares: strictness, size bounds and field types."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from callback_domain.values import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_REMARK_LENGTH,
    MAX_ROUTE_LENGTH,
)

MAX_PHONE_LENGTH = 64
MAX_TOKEN_LENGTH = 64  # agent and team ids are NATS subject tokens
MAX_TIMEZONE_LENGTH = 64
MAX_CURSOR_LENGTH = 500
MAX_CALLBACK_IDS = 1000
MAX_AGENT_IDS = 500
MAX_TEAMS = 50
MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 50
MAX_LOG_POSITION = 2**63 - 1


def _standard_offset(value: datetime) -> datetime:
    # pydantic parses offsets into its own tzinfo class; the core records stdlib ones.
    offset = value.utcoffset()
    return value if offset is None else value.replace(tzinfo=timezone(offset))


Time = Annotated[
    AwareDatetime,
    AfterValidator(_standard_offset),
    Field(description="ISO 8601 with an offset, e.g. 2026-11-23T14:30:00+09:00"),
]


def _storable(value: str) -> str:
    """Text the stores can hold: PostgreSQL's text refuses NUL, and UTF-8 (every store,
    every message) cannot carry a lone surrogate. Refused here, naming the field, rather
    than failing in the store (which would read as "storage is down")."""
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "must not contain the NUL character (\\u0000)")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise PydanticCustomError("text_surrogate", "must not contain an unpaired surrogate")
    return value


STORABLE = AfterValidator(_storable)
CallbackId = Annotated[UUID, Field(description="a callback's id (a UUID)")]
AgentId = Annotated[str, Field(max_length=MAX_TOKEN_LENGTH, description="an agent id"), STORABLE]
TeamId = Annotated[str, Field(max_length=MAX_TOKEN_LENGTH, description="a team id"), STORABLE]
RequestId = Annotated[str, Field(max_length=MAX_ID_LENGTH), STORABLE]
Phone = Annotated[str, Field(max_length=MAX_PHONE_LENGTH), STORABLE]
Route = Annotated[str, Field(max_length=MAX_ROUTE_LENGTH), STORABLE]
Remark = Annotated[str, Field(max_length=MAX_REMARK_LENGTH), STORABLE]
Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH), STORABLE]
TimeZoneName = Annotated[str, Field(max_length=MAX_TIMEZONE_LENGTH), STORABLE]
CallbackIds = Annotated[
    list[CallbackId], Field(max_length=MAX_CALLBACK_IDS, description="at most 1000 callback ids")
]


class Payload(BaseModel):
    """A request payload: unknown fields are refused, JSON types are taken as they are.

    Strict validation of JSON input keeps client bugs visible: a bool must be a JSON
    bool (not "yes" or 1), a number a JSON number (not "5"), a time an ISO 8601 string.
    Validate bodies with `envelope.parse` (JSON mode); Python-mode validation of a
    decoded dict would refuse the strings that carry UUIDs and times.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Query(Payload):
    """A read: may wait for the read model to reach a log position first."""

    min_position: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LOG_POSITION,
        description="wait (up to 2 s) until the read model has applied this log position",
    )


def exactly_one(model: BaseModel, names: tuple[str, ...]) -> None:
    """Refuses a payload that gives none, or more than one, of `names` (JSON names)."""
    given = [n for n in names if _value(model, n) is not None]
    if len(given) == 1:
        return
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    field = given[1] if given else names[0]
    message = f"give only one of {listed}" if given else f"give one of {listed}"
    raise PydanticCustomError("one_of", message, {"field": field})


def _value(model: BaseModel, json_name: str) -> Any:
    for name, info in type(model).model_fields.items():
        if (info.alias or name) == json_name:
            return getattr(model, name)
    raise KeyError(json_name)
