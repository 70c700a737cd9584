"""Any exception as the error of a reply: CONTRACT.md's code, message and details."""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing import persistence
from pydantic import ValidationError

from callback_domain.errors import (
    CallbackError,
    FieldError,
    InternalError,
    InvalidRequestError,
    StorageUnavailableError,
)

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

log = logging.getLogger(__name__)
INTERNAL = "internal"
INTERNAL_MESSAGE = "the service failed unexpectedly; nothing was recorded"
BODY = "(body)"  # the field named when the body as a whole is refused
_SUMMARISED = 5
MAX_DETAILS = 100  # a reply must fit in a NATS message, however many fields were refused
_TIME_EXAMPLE = "e.g. 2026-11-23T14:30:00+09:00"

# pydantic's error types, as the core's Validator words its refusals.
_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request; check its spelling or remove it",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "timezone_aware": f"must carry a UTC offset, {_TIME_EXAMPLE}",
    "datetime_type": f"must be an ISO 8601 time with a UTC offset, {_TIME_EXAMPLE}",
    "datetime_parsing": f"must be an ISO 8601 time with a UTC offset, {_TIME_EXAMPLE}",
    "datetime_from_date_parsing": f"must be an ISO 8601 time with a UTC offset, {_TIME_EXAMPLE}",
    "date_type": "must be a date, e.g. 2026-11-23",
    "date_parsing": "must be a date, e.g. 2026-11-23",
    "date_from_datetime_parsing": "must be a date, e.g. 2026-11-23",
    "date_from_datetime_inexact": "must be a date, e.g. 2026-11-23",
    "uuid_type": "must be a UUID, e.g. 0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90",
    "uuid_parsing": "must be a UUID, e.g. 0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90",
    "json_invalid": "is not valid JSON",
    "json_type": "is not valid JSON",
}
_BOUNDS: dict[str, str] = {
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
    "too_long": "may hold at most {max_length} items",
    "too_short": "must hold at least {min_length} items",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "enum": "must be {expected}",
    "literal_error": "must be {expected}",
}


def error_of(exc: BaseException) -> tuple[str, str, list[dict[str, Any]]]:
    """The reply's error for `exc`: a refusal as it is, anything unexpected as `internal`.

    An unexpected exception's own text never reaches the client (it may hold internals);
    log it where it is caught.
    """
    if isinstance(exc, ValidationError):
        exc = invalid_request_of(exc)
    if isinstance(exc, CallbackError):
        return exc.code, exc.message, exc.details
    return INTERNAL, INTERNAL_MESSAGE, []


# A store that cannot be reached (or reached in time): the only "storage is down".
_OUTAGES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # connection lost or refused, pool timeout, query cancelled
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
    sqlite3.OperationalError,  # locked, cannot open the file, I/O error
    TimeoutError,
)
# A value the store cannot hold, which validation should have refused: the request's fault.
_BAD_DATA: tuple[type[BaseException], ...] = (
    psycopg.DataError,
    persistence.DataError,
    sqlite3.DataError,
    UnicodeEncodeError,
)
STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    persistence.PersistenceError,
    psycopg.Error,
    sqlite3.Error,
    UnicodeEncodeError,
)


def storage_error_of(exc: BaseException) -> CallbackError:
    """A storage failure as the reply's error: `unavailable` only for a store that cannot
    be reached; `invalid_request` for a value it cannot hold; any other (a defect, e.g.
    a malformed query) `internal`, logged."""
    if isinstance(exc, _OUTAGES):
        return StorageUnavailableError()
    if isinstance(exc, _BAD_DATA):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return InvalidRequestError.single(BODY, f"holds a value the store cannot hold ({first})")
    log.error("a read failed in the store", exc_info=exc)
    return InternalError()


def invalid_request_of(exc: ValidationError) -> InvalidRequestError:
    """One `{"field", "message"}` detail per pydantic error, fields named as in JSON."""
    found = exc.errors(include_url=False)
    errors = [FieldError(field_of(e), message_of(e)) for e in found[:MAX_DETAILS]]
    shown = "; ".join(f"{e.field}: {e.message}" for e in errors[:_SUMMARISED])
    more = len(found) - _SUMMARISED
    suffix = f"; and {more} more (see details)" if more > 0 else ""
    if len(found) > MAX_DETAILS:
        suffix += f"; details lists the first {MAX_DETAILS} of {len(found)}"
    return InvalidRequestError(errors, message=f"invalid request: {shown}{suffix}")


def field_of(error: ErrorDetails) -> str:
    """The dotted JSON path of a refused field (`routing.agent`, `callback_ids.3`)."""
    parts = [str(p) for p in error["loc"]]
    named = (error.get("ctx") or {}).get("field")  # set by our own model validators
    if named:
        parts.append(str(named))
    return ".".join(parts) or BODY


def message_of(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    ctx = error.get("ctx") or {}
    if kind in _BOUNDS:
        try:
            return _BOUNDS[kind].format(**ctx)
        except KeyError:
            pass
    text = error["msg"]
    return text[:1].lower() + text[1:]
