"""Command replies: their data models, and builders from the core's results."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from adapters.messaging.errors import error_of
from adapters.messaging.messages.envelope import ErrorBody
from adapters.views.places import WAIT_BASIS, WaitBasis
from callback_domain.lifecycle import CallbackState, CompletionReason, NhnStatus

if TYPE_CHECKING:
    from adapters.views.places import Place
    from callback_domain.results import (
        AgentSaved,
        BulkResult,
        CallbackAccepted,
        CallbackChanged,
        CallbackRecreated,
        CancelResult,
        ItemResult,
    )

LogPosition = Annotated[
    int | None,
    Field(description="the log position of this command; pass it as min_position to read it"),
]


class IntakeReply(BaseModel):
    """`intake.request`, `intake.submit`, `admin.create`, `agent.{id}.schedule`."""

    callback_id: UUID
    state: CallbackState
    status: NhnStatus
    position_in_queue: int | None = Field(description="1 = next; null unless QUEUED")
    estimated_wait_seconds: int | None = Field(description="null when it cannot be estimated")
    wait_basis: WaitBasis | None = Field(description=WAIT_BASIS)
    duplicate: bool = Field(
        description="true: the duplicate check answered with an open callback for the same "
        "number and route instead of a new one (never for a replayed request id)"
    )
    replayed: bool = Field(
        description="true: this request id was seen before; this is the callback it made then",
    )
    log_position: LogPosition


class AttemptsReply(BaseModel):
    """`agent.{id}.dial` and `agent.{id}.dial-result`."""

    callback_id: UUID
    state: CallbackState
    attempts: int
    log_position: LogPosition


class OfferAnswerReply(BaseModel):
    """`agent.{id}.accept` (ROUTING, the agent's) and `agent.{id}.reject` (QUEUED)."""

    callback_id: UUID
    state: CallbackState
    log_position: LogPosition


class CompletionReply(BaseModel):
    """`agent.{id}.complete` and `agent.{id}.finish`."""

    callback_id: UUID
    state: CallbackState
    reason: CompletionReason | None
    log_position: LogPosition


class RescheduleReply(BaseModel):
    """`admin.reschedule`."""

    callback_id: UUID
    state: CallbackState
    desired_time: datetime | None
    log_position: LogPosition


class ItemReply(BaseModel):
    """One callback of a bulk command: `agent_id` when ok, `error` when not."""

    callback_id: UUID
    ok: bool
    # An item carries `agent_id` or `error`, never a null in place of the other.
    agent_id: str | None = Field(default=None, exclude_if=lambda v: v is None)
    error: ErrorBody | None = Field(default=None, exclude_if=lambda v: v is None)


class BulkReply(BaseModel):
    """`admin.assign` and `admin.unassign`."""

    results: list[ItemReply]
    log_position: LogPosition


class SkippedItem(BaseModel):
    callback_id: UUID
    state: CallbackState | None
    reason: str = Field(description="an error code, e.g. invalid_transition or not_found")
    message: str


class CancelReply(BaseModel):
    """`admin.cancel` (and `intake.cancel`)."""

    cancelled: list[UUID]
    skipped: list[SkippedItem]
    log_position: LogPosition


class RecreateReply(BaseModel):
    """`admin.recreate`: `callback_id` is the new callback."""

    callback_id: UUID
    recreated_from: UUID
    duplicate: bool = Field(description="true: an open callback for the number answers instead")
    log_position: LogPosition


class AgentSavedReply(BaseModel):
    """`admin.agent-upsert` and `cti.presence.{agent_id}`."""

    agent_id: str
    created: bool
    changed: bool
    log_position: LogPosition


def intake_reply(
    accepted: CallbackAccepted,
    *,
    place: Place,
    log_position: int | None,
) -> IntakeReply:
    return IntakeReply(
        callback_id=accepted.callback_id,
        state=accepted.state,
        status=accepted.status,
        **place._asdict(),
        duplicate=accepted.duplicate,
        replayed=accepted.replayed,
        log_position=log_position,
    )


def attempts_reply(changed: CallbackChanged, *, log_position: int | None) -> AttemptsReply:
    return AttemptsReply(
        callback_id=changed.callback_id,
        state=changed.state,
        attempts=changed.attempts,
        log_position=log_position,
    )


def offer_answer_reply(changed: CallbackChanged, *, log_position: int | None) -> OfferAnswerReply:
    return OfferAnswerReply(
        callback_id=changed.callback_id, state=changed.state, log_position=log_position
    )


def completion_reply(changed: CallbackChanged, *, log_position: int | None) -> CompletionReply:
    return CompletionReply(
        callback_id=changed.callback_id,
        state=changed.state,
        reason=changed.reason,
        log_position=log_position,
    )


def reschedule_reply(changed: CallbackChanged, *, log_position: int | None) -> RescheduleReply:
    return RescheduleReply(
        callback_id=changed.callback_id,
        state=changed.state,
        desired_time=changed.desired_time,
        log_position=log_position,
    )


def _item(result: ItemResult) -> ItemReply:
    if result.error is None:
        return ItemReply(callback_id=result.callback_id, ok=True, agent_id=result.agent_id)
    code, message, details = error_of(result.error)
    error = ErrorBody(code=code, message=message, details=details)
    return ItemReply(callback_id=result.callback_id, ok=False, error=error)


def bulk_reply(result: BulkResult, *, log_position: int | None) -> BulkReply:
    return BulkReply(results=[_item(r) for r in result.results], log_position=log_position)


def cancel_reply(result: CancelResult, *, log_position: int | None) -> CancelReply:
    skipped = [
        SkippedItem(callback_id=s.callback_id, state=s.state, reason=s.reason, message=s.message)
        for s in result.skipped
    ]
    return CancelReply(cancelled=list(result.cancelled), skipped=skipped, log_position=log_position)


def recreate_reply(recreated: CallbackRecreated, *, log_position: int | None) -> RecreateReply:
    return RecreateReply(
        callback_id=recreated.callback_id,
        recreated_from=recreated.recreated_from,
        duplicate=recreated.duplicate,
        log_position=log_position,
    )


def agent_saved_reply(saved: AgentSaved, *, log_position: int | None) -> AgentSavedReply:
    return AgentSavedReply(
        agent_id=saved.agent_id,
        created=saved.created,
        changed=saved.changed,
        log_position=log_position,
    )
