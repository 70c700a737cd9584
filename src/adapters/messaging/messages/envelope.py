"""The reply envelope of CONTRACT.md, and the checked parsing of request bodies."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field, RootModel, ValidationError

from adapters.messaging.errors import BODY, error_of, invalid_request_of
from callback_domain.errors import FieldError, InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32
_TOO_DEEP = f"must not nest objects and arrays more than {MAX_DEPTH} levels deep"


class ErrorBody(BaseModel):
    code: str = Field(
        description="invalid_request, not_found, invalid_transition, forbidden, conflict, "
        "outside_hours, unavailable or internal; more may be added"
    )
    message: str = Field(description="a sentence a person can act on")
    details: list[dict[str, Any]] = Field(
        description="invalid_request: one {field, message} per refused field"
    )


class OkReply(BaseModel):
    ok: Literal[True]
    data: dict[str, Any]


class ErrorReply(BaseModel):
    ok: Literal[False]
    error: ErrorBody


class Envelope(RootModel[OkReply | ErrorReply]):
    """Every reply: `{"ok": true, "data": {...}}` or `{"ok": false, "error": {...}}`."""


def ok(data: Mapping[str, Any] | BaseModel) -> bytes:
    """A success reply; `data` is a JSON-ready mapping (UUIDs and times are converted)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    return _dump({"ok": True, "data": data})


def error(code: str, message: str, details: Iterable[Mapping[str, Any]] = ()) -> bytes:
    body = {"code": code, "message": message, "details": list(details)}
    return _dump({"ok": False, "error": body})


def error_reply(exc: BaseException) -> bytes:
    """The error reply for any exception (see `errors.error_of`)."""
    return error(*error_of(exc))


class BodyError(InvalidRequestError):
    """A body that is not one JSON object of bounded size and depth."""

    def __init__(self, problem: str) -> None:
        message = f"invalid request: the body {problem}"
        super().__init__([FieldError(BODY, problem)], message=message)


def parse(model_cls: type[M], body: bytes) -> M:
    """Validates a request body; raises InvalidRequestError naming every refused field.

    Refused as a whole (field "(body)"): more than 1 MiB, not UTF-8, not JSON (NaN and
    Infinity included), a key repeated in one object, anything but a JSON object, or
    nesting deeper than 32 objects and arrays. An empty body is taken as `{}`.
    """
    if len(body) > MAX_BODY_BYTES:
        raise BodyError(f"must be at most {MAX_BODY_BYTES} bytes (1 MiB)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("must be UTF-8 text") from None
    if not text.strip():
        text = "{}"
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(_TOO_DEEP) from None
    except _DuplicateKeyError as e:
        raise BodyError(str(e)) from None
    except ValueError as e:
        raise BodyError(f"must be JSON ({e})") from None
    if not isinstance(document, dict):
        raise BodyError("must be a JSON object")
    if _depth(document) > MAX_DEPTH:
        raise BodyError(_TOO_DEEP)
    try:
        # JSON mode: strict types apply to JSON's own (a UUID or a time is a string).
        return model_cls.model_validate_json(text)
    except ValidationError as e:
        # What Python's parser lets through and pydantic's does not (a lone surrogate).
        unreadable = next((x for x in e.errors() if x["type"] == "json_invalid"), None)
        if unreadable is not None:
            raise BodyError(f"must be JSON ({unreadable['msg']})") from None
        raise invalid_request_of(e) from None


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key is a client bug that JSON parsers would settle silently.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            msg = f"must not repeat the key '{key}' in one object"
            raise _DuplicateKeyError(msg)
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)


def _depth(document: Any) -> int:
    """How deeply objects and arrays nest (`{}` is 1), without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_default(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    msg = f"{type(value).__name__} is not JSON-ready"
    raise TypeError(msg)


def _dump(document: Mapping[str, Any]) -> bytes:
    return json.dumps(
        document, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
    ).encode("utf-8")


def request_id_of(body: bytes, *, scan_limit: int | None = None) -> str | None:
    """The `request_id` of a body that may be refused (not JSON, too deep, not an object):
    for naming it in logs and outcomes. A body over `scan_limit` bytes is not read."""
    if scan_limit is not None and len(body) > scan_limit:
        return None
    try:
        value = json.loads(body).get("request_id")
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None
