"""What commands answer: plain values, and the outcome envelope of a batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from callback_domain.errors import CallbackError
    from callback_domain.lifecycle import CallbackState, CompletionReason, NhnStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackAccepted:
    """The answer to a request: the callback, new or existing.

    `replayed`: the request id was seen before, and this is the callback it made then.
    `duplicate`: for a request id seen for the first time, the duplicate check answered
    with an open callback for the same number and route instead of a new one.
    """

    callback_id: UUID
    request_id: str
    route: str
    state: CallbackState
    status: NhnStatus
    duplicate: bool
    queue_since: datetime
    replayed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackChanged:
    """The answer to a command on one callback: where it stands now."""

    callback_id: UUID
    state: CallbackState
    status: NhnStatus
    reason: CompletionReason | None
    attempts: int
    agent_id: str | None
    desired_time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    """One callback of a bulk command (assign, unassign)."""

    callback_id: UUID
    error: CallbackError | None = None
    agent_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkResult:
    results: tuple[ItemResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    callback_id: UUID
    state: CallbackState | None
    reason: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelResult:
    cancelled: tuple[UUID, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRecreated:
    callback_id: UUID
    recreated_from: UUID
    duplicate: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentSaved:
    agent_id: str
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsSaved:
    """A sender number, category or template: its key, and what the upsert did."""

    key: str
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsTemplatesDeleted:
    deleted: tuple[str, ...]
    not_found: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSaved:
    user: str
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """One command's result in a batch: a value or an error, and the log position.

    `log_position` is the position of the command's last event, or, for a command
    that recorded nothing, a position at which everything it read was recorded.
    """

    value: Any = None
    error: CallbackError | None = None
    log_position: int | None = None
    events: tuple[Any, ...] = field(default=(), repr=False)
    first_position: int | None = None  # of its first event (None: it recorded nothing)

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliciesRecorded:
    """`changed`: the policies differed from the last recorded (or none were)."""

    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteSaved:
    """admin.route-upsert and admin.hours-set: `created` for a route registered now."""

    route: str
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsQueued:
    """One recipient's message of a send: its id, number and state."""

    message_id: UUID
    recipient: str
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsSkipped:
    message_id: UUID
    state: str | None
    reason: str  # not_found / invalid_transition
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsCancelResult:
    cancelled: tuple[UUID, ...]
    skipped: tuple[SmsSkipped, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsHandOver:
    """What the dispatcher hands over: the attempt, and the message as recorded (its
    images as (name, SHA-256) pairs: the bytes are each image's own aggregate)."""

    attempt: int
    type: str
    sender: str
    recipient: str
    subject: str
    body: str
    images: tuple[tuple[str, str], ...]
