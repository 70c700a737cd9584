"""Sending SMS: `admin.sms.send`, `admin.sms.cancel` and `query.sms.messages`.

The rules (template, sender, recipients, bytes, the reservation window) are the core's
(callback_domain.handlers.sms_send); the bounds here only keep bodies reasonable."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, Field

from adapters.messaging.messages.base import STORABLE, CallbackId, Payload, Query, Time
from adapters.messaging.messages.filters import Paging, Period
from adapters.messaging.messages.replies import LogPosition
from adapters.messaging.messages.sms import Key, MessageText, Number
from callback_domain.commands import CancelSms, SendSms

if TYPE_CHECKING:
    from callback_domain.values import Caller

MessageState = Literal["RESERVED", "SENDING", "SENT", "FAILED", "CANCELLED"]
MessageId = Annotated[UUID, Field(description="an SMS message's id (a UUID)")]


class SendPayload(Payload):
    """`admin.sms.send`: one message per recipient, now (`reserve_at` null) or reserved."""

    template_id: Key
    type: Literal["SMS", "MMS"]
    sender: Number
    recipients: Annotated[
        str,
        Field(
            max_length=20_000,
            description="comma-separated numbers, 10 to 13 digits each (hyphens ignored)",
        ),
        STORABLE,
    ]
    subject: MessageText | None = Field(default=None, description="MMS only, ≤ 40 bytes")
    body: MessageText
    reserve_at: Time | None = Field(
        default=None, description="null: now; else 30 minutes to 1 day ahead"
    )
    callback_id: CallbackId | None = Field(
        default=None, description="fills {phone}, {route}, {desired_time}; an agent's own"
    )
    send_id: Key | None = Field(
        default=None,
        description="the send's own id: repeated, it records nothing new (default: a new one)",
    )

    def to_command(self, caller: Caller, at: datetime) -> SendSms:
        return SendSms(
            caller=caller,
            at=at,
            send_id=self.send_id or uuid4().hex,
            template_id=self.template_id,
            message_type=self.type,
            sender=self.sender,
            recipients=self.recipients,
            subject=self.subject,
            body=self.body,
            reserve_at=self.reserve_at,
            callback_id=self.callback_id,
        )


class CancelPayload(Payload):
    """`admin.sms.cancel`: RESERVED messages only."""

    message_ids: list[MessageId] = Field(max_length=1000)

    def to_command(self, caller: Caller, at: datetime) -> CancelSms:
        return CancelSms(caller=caller, at=at, message_ids=tuple(self.message_ids))


class MessagesQuery(Period, Paging, Query):
    """`query.sms.messages`: newest first; `from`/`to` bound when they were sent."""

    recipient: Number | None = None
    state: MessageState | None = None
    template_id: Key | None = None


# Replies -----------------------------------------------------------------------------


class Queued(BaseModel):
    message_id: UUID
    recipient: str
    state: MessageState


class SendReply(BaseModel):
    messages: list[Queued]
    log_position: LogPosition


class SkippedMessage(BaseModel):
    message_id: UUID
    state: MessageState | None
    reason: str = Field(description="an error code: invalid_transition or not_found")
    message: str


class CancelReply(BaseModel):
    cancelled: list[UUID]
    skipped: list[SkippedMessage]
    log_position: LogPosition


class MessageItem(BaseModel):
    message_id: UUID
    send_id: str
    requested_at: datetime
    sent_by: str
    template_id: str
    type: Literal["SMS", "MMS"]
    sender: str
    recipient: str
    subject: str
    body: str
    reserve_at: datetime | None
    callback_id: UUID | None
    state: MessageState
    attempts: int
    reason: str | None
    updated_at: datetime


class MessagesReply(BaseModel):
    items: list[MessageItem]
    next_cursor: str | None
    total: int
    log_position: int | None = Field(description="the log position this answer includes")
