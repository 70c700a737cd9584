"""The SMS messages: one row per recipient's message, its state and when it is due."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from callback_domain.sms_message import SmsMessage, SmsState

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from datetime import datetime
    from uuid import UUID

    from projections.batch import Positioned, ViewBatch


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsMessageRow:
    message_id: UUID
    send_id: str
    requested_at: datetime
    sent_by: str
    template_id: str
    type: str
    sender: str
    recipient: str
    subject: str
    body: str
    reserve_at: datetime | None
    callback_id: UUID | None
    state: str
    attempts: int
    reason: str | None
    # When the dispatcher should next hand it over; None: nothing to do (as the
    # aggregate's `due_at`).
    due_at: datetime | None
    updated_at: datetime
    position: int


class SmsMessagesProjection:
    name = "sms_messages"

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        return {
            i.event.originator_id
            for i in events
            if isinstance(i.event, SmsMessage.Event)
            and not isinstance(i.event, SmsMessage.Requested)
        }

    def apply(self, batch: ViewBatch[SmsMessageRow], item: Positioned) -> None:
        e: Any = item.event
        if not isinstance(e, SmsMessage.Event):
            return
        key = e.originator_id
        if isinstance(e, SmsMessage.Requested):
            batch.put(key, _requested(e, item.position))
            return
        row = batch.rows.get(key)
        if row is None:  # a snapshot generation cut before its request: nothing to show
            return
        changes: dict[str, Any] = {"updated_at": e.timestamp, "position": item.position}
        if isinstance(e, SmsMessage.HandOverStarted):
            changes |= {"state": SmsState.SENDING.value, "attempts": e.attempt}
            changes["due_at"] = e.timestamp
        elif isinstance(e, SmsMessage.HandOverAnswered):
            changes |= {"state": e.state, "reason": e.reason, "due_at": e.retry_at}
        elif isinstance(e, SmsMessage.StatusReported):
            changes |= {"state": e.state, "reason": e.reason, "due_at": None}
        elif isinstance(e, SmsMessage.Cancelled):
            changes |= {"state": SmsState.CANCELLED.value, "due_at": None}
        batch.put(key, replace(row, **changes))


def _requested(e: Any, position: int) -> SmsMessageRow:
    return SmsMessageRow(
        message_id=e.originator_id,
        send_id=e.send_id,
        requested_at=e.timestamp,
        sent_by=e.actor,
        template_id=e.template_id,
        type=e.type,
        sender=e.sender,
        recipient=e.recipient,
        subject=e.subject,
        body=e.body,
        reserve_at=e.reserve_at,
        callback_id=e.callback_id,
        state=SmsState.RESERVED.value,
        attempts=0,
        reason=None,
        due_at=e.reserve_at or e.timestamp,
        updated_at=e.timestamp,
        position=position,
    )
