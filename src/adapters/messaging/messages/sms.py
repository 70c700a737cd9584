"""The SMS set-up's payloads and replies: `admin.sms.*` and `query.sms.templates`.

The limits themselves (bytes as carriers count them, JPEG images, two levels) are the
core's (callback_domain.sms_rules); the bounds here only keep bodies reasonable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field, StrictBool

from adapters.messaging.messages.base import STORABLE, Payload, Query
from adapters.messaging.messages.replies import LogPosition
from callback_domain.commands import (
    DeleteSmsTemplates,
    UpsertSmsCategory,
    UpsertSmsSender,
    UpsertSmsTemplate,
)

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller

Key = Annotated[
    str, Field(max_length=64, description="1 to 64 letters, digits, '-' or '_'"), STORABLE
]
Number = Annotated[
    str, Field(max_length=32, description="8 to 13 digits; hyphens and spaces ignored"), STORABLE
]
Text = Annotated[str, Field(max_length=1000), STORABLE]
MessageText = Annotated[
    str,
    Field(
        max_length=10_000,
        description="CP949 only; SMS body ≤ 90 bytes, MMS body ≤ 2,000, MMS subject ≤ 40 "
        "(Hangul 2 bytes, ASCII 1)",
    ),
    STORABLE,
]


class SenderUpsertPayload(Payload):
    """`admin.sms.sender-upsert`: a number that may send, kept as its digits."""

    number: Number
    label: Text = ""

    def to_command(self, caller: Caller, at: datetime) -> UpsertSmsSender:
        return UpsertSmsSender(caller=caller, at=at, number=self.number, label=self.label)


class CategoryUpsertPayload(Payload):
    """`admin.sms.category-upsert`: `parent_id` null for a first-level category."""

    category_id: Key
    name: Text
    parent_id: Key | None = None
    in_use: StrictBool = True

    def to_command(self, caller: Caller, at: datetime) -> UpsertSmsCategory:
        return UpsertSmsCategory(
            caller=caller,
            at=at,
            category_id=self.category_id,
            name=self.name,
            parent_id=self.parent_id,
            in_use=self.in_use,
        )


class ImagePayload(Payload):
    name: Text
    jpeg_base64: Annotated[
        str,
        Field(
            max_length=500_000,
            description="a JPEG of at most 300,000 bytes, in standard base64",
        ),
    ]


class TemplateUpsertPayload(Payload):
    """`admin.sms.template-upsert`: under a second-level category, from a registered sender."""

    template_id: Key
    category_id: Key
    type: Literal["SMS", "MMS"]
    in_use: StrictBool = True
    editable: StrictBool = True
    name: Text
    description: Text = ""
    sender: Number
    subject: MessageText | None = Field(default=None, description="MMS only, ≤ 40 bytes")
    body: MessageText
    images: list[ImagePayload] = Field(default=[], max_length=10, description="MMS: at most 2")

    def to_command(self, caller: Caller, at: datetime) -> UpsertSmsTemplate:
        return UpsertSmsTemplate(
            caller=caller,
            at=at,
            template_id=self.template_id,
            category_id=self.category_id,
            message_type=self.type,
            in_use=self.in_use,
            editable=self.editable,
            name=self.name,
            description=self.description,
            sender=self.sender,
            subject=self.subject,
            body=self.body,
            images=tuple((i.name, i.jpeg_base64) for i in self.images),
        )


class TemplateDeletePayload(Payload):
    """`admin.sms.template-delete`."""

    template_ids: list[Key] = Field(max_length=1000)

    def to_command(self, caller: Caller, at: datetime) -> DeleteSmsTemplates:
        return DeleteSmsTemplates(caller=caller, at=at, template_ids=tuple(self.template_ids))


class TemplatesQuery(Query):
    """`query.sms.templates`: `usable_only` leaves out what a sender may not choose."""

    usable_only: StrictBool = False


# Replies -----------------------------------------------------------------------------


class SenderSavedReply(BaseModel):
    number: str = Field(description="the sender number as its digits")
    created: bool
    changed: bool
    log_position: LogPosition


class CategorySavedReply(BaseModel):
    category_id: str
    created: bool
    changed: bool
    log_position: LogPosition


class TemplateSavedReply(BaseModel):
    template_id: str
    created: bool
    changed: bool
    log_position: LogPosition


class TemplatesDeletedReply(BaseModel):
    deleted: list[str]
    not_found: list[str] = Field(description="ids named that are no template (or deleted)")
    log_position: LogPosition


class Sender(BaseModel):
    number: str
    label: str


class Image(BaseModel):
    name: str
    size: int = Field(description="bytes")
    sha256: str


class Template(BaseModel):
    template_id: str
    category_id: str
    type: Literal["SMS", "MMS"]
    in_use: bool
    editable: bool
    usable: bool = Field(description="in use, under categories in use: a sender may choose it")
    name: str
    description: str
    sender: str
    subject: str
    body: str
    images: list[Image]


class SubCategory(BaseModel):
    category_id: str
    name: str
    parent_id: str | None
    in_use: bool
    templates: list[Template]


class Category(BaseModel):
    category_id: str
    name: str
    parent_id: str | None
    in_use: bool
    children: list[SubCategory]


class TemplatesReply(BaseModel):
    senders: list[Sender]
    categories: list[Category]
    log_position: int | None = Field(description="the log position this answer includes")
