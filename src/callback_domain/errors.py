"""Typed refusals of the domain; each maps to one error code of CONTRACT.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field: where it is and what to do about it; `reason` a short code of
    what is wrong, `more` what else helps in data (`{"next_slots": [...]}`)."""

    field: str
    message: str
    # A short code of what is wrong (e.g. `too_long`), for programs; None: the message only.
    reason: str | None = None
    more: Mapping[str, Any] | None = None  # what else helps (e.g. `next_slots`)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.reason is not None:
            found["reason"] = self.reason
        return {**found, **(self.more or {})}


class CallbackError(Exception):
    """Base of every refusal. Nothing is recorded when one is raised."""

    code: ClassVar[str] = "internal"
    default_message: ClassVar[str] = "the service failed unexpectedly; nothing was recorded"

    def __init__(self, message: str | None = None, **context: Any) -> None:
        self.message = message or self.default_message.format(**context)
        self.context = context
        super().__init__(self.message)

    @property
    def details(self) -> list[dict[str, Any]]:
        return []


class InvalidRequestError(CallbackError):
    code = "invalid_request"
    default_message = "the request is invalid"

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        self.errors = list(errors)
        summary = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(message or f"invalid request: {summary}")

    @classmethod
    def single(cls, field: str, message: str, reason: str | None = None) -> InvalidRequestError:
        return cls([FieldError(field, message, reason)])

    @property
    def details(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]


class CallbackNotFoundError(CallbackError):
    code = "not_found"
    default_message = "no callback {callback_id}"


class AgentNotFoundError(CallbackError):
    code = "not_found"
    default_message = "no agent {agent_id} in the directory; add it with agent-upsert"


class PersonNotFoundError(CallbackError):
    code = "not_found"
    default_message = "no user or agent {user} in the directory"


class InvalidTransitionError(CallbackError):
    code = "invalid_transition"
    default_message = "a {state} callback cannot be sent '{command}'"

    @property
    def details(self) -> list[dict[str, Any]]:
        return [dict(self.context)]


class ForbiddenError(CallbackError):
    code = "forbidden"
    default_message = "{role} '{actor}' may not {action}"


class ConflictError(CallbackError):
    code = "conflict"
    default_message = "a concurrent change won; nothing was recorded; safe to retry"


class OutsideHoursError(CallbackError):
    code = "outside_hours"
    default_message = "route '{route}' is closed now; it opens at {opens}"


class StorageUnavailableError(CallbackError):
    code = "unavailable"
    default_message = "storage is unavailable; nothing was recorded; retry later"


class InternalError(CallbackError):
    """An unexpected failure (a defect): reported, never silently dropped."""


class SmsMessageNotFoundError(CallbackError):
    code = "not_found"
    default_message = "no SMS message {message_id}"
