"""The limits of SMS and MMS (NHN Online Contact "SMS 발송"): subject and body bytes, JPEG
images, sender numbers, recipients and the reservation window. Each refusal names its field
and a reason code; nothing here does I/O or reads a clock."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from callback_domain.sms_text import carrier_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from callback_domain.values import Validator

SUBJECT_MAX_BYTES = 40  # MMS only
SMS_BODY_MAX_BYTES = 90
MMS_BODY_MAX_BYTES = 2000
MAX_IMAGES = 2  # MMS only
# NHN says "0.3MB": counted as 300,000 bytes, the stricter reading, so no provider
# that counts 300 KB as 307,200 bytes ever refuses an image accepted here.
MAX_IMAGE_BYTES = 300_000
MIN_RECIPIENT_DIGITS, MAX_RECIPIENT_DIGITS = 10, 13
MAX_RECIPIENTS = 1000
# A sender number (발신번호): a landline, a mobile or a representative number (1588-xxxx).
MIN_SENDER_DIGITS, MAX_SENDER_DIGITS = 8, 13
RESERVE_MIN_AHEAD = timedelta(minutes=30)
RESERVE_MAX_AHEAD = timedelta(days=1)

_JPEG_START, _JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"
_SEPARATORS = re.compile(r"[-\s]")


class MessageType(StrEnum):
    SMS = "SMS"
    MMS = "MMS"


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """A checked JPEG: its name, size in bytes, SHA-256 (hex) and the base64 given."""

    name: str
    size: int
    sha256: str
    jpeg_base64: str


def body_limit(kind: MessageType) -> int:
    return SMS_BODY_MAX_BYTES if kind is MessageType.SMS else MMS_BODY_MAX_BYTES


def message_type(v: Validator, name: str, value: str) -> MessageType | None:
    try:
        return MessageType(value)
    except ValueError:
        v.refuse(name, "must be SMS or MMS", "invalid")
        return None


def subject_text(v: Validator, name: str, kind: MessageType, subject: str | None) -> str:
    """MMS: a subject of 1 to 40 bytes; SMS: none (absent or empty)."""
    text = subject or ""
    if kind is MessageType.SMS:
        if text:
            v.refuse(name, "an SMS has no subject; leave it empty or send an MMS", "not_allowed")
        return ""
    if not text.strip():
        v.refuse(name, "is required for an MMS", "required")
        return ""
    return carrier_text(v, name, text, max_bytes=SUBJECT_MAX_BYTES) or ""


def body_text(v: Validator, name: str, kind: MessageType, body: str) -> str:
    if not body.strip():
        v.refuse(name, "must not be empty", "required")
        return ""
    return carrier_text(v, name, body, max_bytes=body_limit(kind)) or ""


def jpeg(v: Validator, name: str, *, image_name: str, jpeg_base64: str) -> Image | None:
    """A base64 JPEG (SOI FF D8 FF first, EOI FF D9 last) of at most MAX_IMAGE_BYTES."""
    field = f"{name}.jpeg_base64"
    try:
        data = base64.b64decode(jpeg_base64, validate=True)
    except (binascii.Error, ValueError):
        v.refuse(field, "must be standard base64 (A-Z a-z 0-9 + /, padded with =)", "not_base64")
        return None
    if len(data) > MAX_IMAGE_BYTES:
        v.refuse(
            field, f"is {len(data)} bytes; an image may have at most {MAX_IMAGE_BYTES}", "too_large"
        )
        return None
    if not (data.startswith(_JPEG_START) and data.endswith(_JPEG_END) and len(data) > 4):
        v.refuse(field, "is not a JPEG image (jpg only)", "not_jpeg")
        return None
    if not image_name.strip():
        v.refuse(f"{name}.name", "must not be empty", "required")
        return None
    return Image(
        name=image_name.strip(),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        jpeg_base64=jpeg_base64,
    )


def images(
    v: Validator, name: str, kind: MessageType, given: Sequence[tuple[str, str]]
) -> tuple[Image, ...]:
    """MMS: at most MAX_IMAGES JPEGs; SMS: none. `given`: (name, base64) pairs."""
    if given and kind is MessageType.SMS:
        v.refuse(name, "an SMS carries no images; send an MMS", "not_allowed")
        return ()
    if len(given) > MAX_IMAGES:
        v.refuse(name, f"an MMS carries at most {MAX_IMAGES} images", "too_many")
        return ()
    found = [
        jpeg(v, f"{name}.{n}", image_name=image_name, jpeg_base64=data)
        for n, (image_name, data) in enumerate(given)
    ]
    return tuple(i for i in found if i is not None)


def digits_of(text: str) -> str:
    """`010-1234-5678` → `01012345678`: hyphens and spaces removed."""
    return _SEPARATORS.sub("", text)


def sender_number(v: Validator, name: str, value: str) -> str | None:
    """A sender number as digits; hyphens and spaces are ignored."""
    digits = digits_of(value)
    if not (digits.isascii() and digits.isdigit()):
        v.refuse(name, "may hold only digits, hyphens and spaces", "not_digits")
        return None
    if not MIN_SENDER_DIGITS <= len(digits) <= MAX_SENDER_DIGITS:
        v.refuse(
            name, f"must have {MIN_SENDER_DIGITS} to {MAX_SENDER_DIGITS} digits", "wrong_length"
        )
        return None
    return digits


def recipients(v: Validator, name: str, value: str) -> tuple[str, ...]:
    """Comma-separated numbers, each 10 to 13 digits once hyphens and spaces are removed;
    a number given twice is sent to once. Refusals name `recipients.{n}` (0-based)."""
    entries = value.split(",")
    if not value.strip():
        v.refuse(name, "must name at least one number", "required")
        return ()
    if len(entries) > MAX_RECIPIENTS:
        v.refuse(name, f"may name at most {MAX_RECIPIENTS} numbers", "too_many")
        return ()
    found: dict[str, None] = {}
    for n, entry in enumerate(entries):
        digits = digits_of(entry)
        if not digits:
            v.refuse(f"{name}.{n}", "is empty: remove the extra comma", "empty")
        elif not (digits.isascii() and digits.isdigit()):
            v.refuse(f"{name}.{n}", f"{entry.strip()!r} is not a number", "not_digits")
        elif not MIN_RECIPIENT_DIGITS <= len(digits) <= MAX_RECIPIENT_DIGITS:
            v.refuse(
                f"{name}.{n}",
                f"{entry.strip()!r} must have {MIN_RECIPIENT_DIGITS} to "
                f"{MAX_RECIPIENT_DIGITS} digits",
                "wrong_length",
            )
        else:
            found[digits] = None
    return tuple(found)


def reservation(v: Validator, name: str, reserve_at: datetime | None, *, now: datetime) -> None:
    """A reserved time must be between 30 minutes and 1 day after `now` (both included)."""
    if reserve_at is None:
        return
    if reserve_at.utcoffset() is None:
        v.refuse(name, "must carry a UTC offset, e.g. 2026-11-23T14:30:00+09:00", "no_offset")
    elif reserve_at < now + RESERVE_MIN_AHEAD:
        v.refuse(name, "must be at least 30 minutes from now", "too_soon")
    elif reserve_at > now + RESERVE_MAX_AHEAD:
        v.refuse(name, "must be at most 1 day from now", "too_late")
