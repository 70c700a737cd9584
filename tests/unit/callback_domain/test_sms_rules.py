"""Every limit of SMS and MMS as a table: just inside, just outside, and what each refusal
names (DOMAIN.md "SMS and MMS"; NHN Online Contact's "SMS 발송")."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callback_domain import sms_rules as r
from callback_domain.sms_text import carrier_bytes, carrier_text, unencodable
from callback_domain.values import Validator

SMS, MMS = r.MessageType.SMS, r.MessageType.MMS
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def jpeg_of(size: int) -> str:
    """A base64 'JPEG' of exactly `size` bytes: SOI, filler, EOI."""
    return base64.b64encode(b"\xff\xd8\xff" + b"\x00" * (size - 5) + b"\xff\xd9").decode()


def refusals(v: Validator) -> list[tuple[str, str | None]]:
    return [(e.field, e.reason) for e in v.errors]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("", 0),
        ("a", 1),
        ("가", 2),
        ("가a", 3),
        ("똠", 2),  # not in EUC-KR's 2,350 syllables; CP949 carries every Hangul syllable
        ("안녕하세요 고객님", 17),
        ("\n", 1),
        ("①", 2),  # CP949 symbols count 2 like Hangul
    ],
)
def test_bytes_are_counted_as_carriers_count_them(text: str, size: int) -> None:
    assert carrier_bytes(text) == size


@pytest.mark.parametrize(
    ("text", "bad"),
    [("hi 😀", ["😀"]), ("😀a😀é", ["😀", "é"]), ("ok", []), ("가나다", [])],
)
def test_characters_cp949_cannot_encode_are_named_once_each(text: str, bad: list[str]) -> None:
    assert unencodable(text) == bad


def test_unencodable_text_is_refused_naming_the_characters_and_its_field() -> None:
    v = Validator()
    assert carrier_text(v, "body", "안녕 😀", max_bytes=90) is None
    assert refusals(v) == [("body", "not_encodable")]
    assert "U+1F600" in v.errors[0].message


# (kind, field, text, accepted?)
LIMITS = [
    (SMS, "body", "a" * 90, True),
    (SMS, "body", "a" * 91, False),
    (SMS, "body", "가" * 45, True),
    (SMS, "body", "가" * 45 + "a", False),
    (MMS, "body", "a" * 2000, True),
    (MMS, "body", "a" * 2001, False),
    (MMS, "body", "가" * 1000, True),
    (MMS, "body", "가" * 1000 + "a", False),
    (MMS, "subject", "a" * 40, True),
    (MMS, "subject", "a" * 41, False),
    (MMS, "subject", "가" * 20, True),
    (MMS, "subject", "가" * 20 + "a", False),
]


@pytest.mark.parametrize(("kind", "field", "text", "ok"), LIMITS)
def test_subject_and_body_limits(kind: r.MessageType, field: str, text: str, ok: bool) -> None:
    v = Validator()
    if field == "body":
        r.body_text(v, "body", kind, text)
    else:
        r.subject_text(v, "subject", kind, text)
    assert refusals(v) == ([] if ok else [(field, "too_long")])


@pytest.mark.parametrize(
    ("kind", "subject", "want"),
    [
        (SMS, None, []),
        (SMS, "", []),
        (SMS, "hello", [("subject", "not_allowed")]),
        (MMS, None, [("subject", "required")]),
        (MMS, "  ", [("subject", "required")]),
        (MMS, "안내", []),
    ],
)
def test_only_an_mms_has_a_subject(
    kind: r.MessageType, subject: str | None, want: list[tuple[str, str]]
) -> None:
    v = Validator()
    r.subject_text(v, "subject", kind, subject)
    assert refusals(v) == want


def test_an_empty_body_is_refused() -> None:
    v = Validator()
    r.body_text(v, "body", SMS, "  ")
    assert refusals(v) == [("body", "required")]


# (kind, images as (name, base64), refusals)
IMAGES = [
    (MMS, [], []),
    (MMS, [("a.jpg", jpeg_of(300_000))], []),
    (MMS, [("a.jpg", jpeg_of(300_001))], [("images.0.jpeg_base64", "too_large")]),
    (MMS, [("a.jpg", jpeg_of(10)), ("b.jpg", jpeg_of(300_000))], []),
    (MMS, [("a.jpg", jpeg_of(10))] * 3, [("images", "too_many")]),
    (SMS, [("a.jpg", jpeg_of(10))], [("images", "not_allowed")]),
    (MMS, [("a.png", base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 20).decode())],
     [("images.0.jpeg_base64", "not_jpeg")]),
    (MMS, [("a.jpg", base64.b64encode(b"\xff\xd8\xff" + b"\0" * 20).decode())],
     [("images.0.jpeg_base64", "not_jpeg")]),  # no EOI: cut short
    (MMS, [("a.jpg", "not base64!")], [("images.0.jpeg_base64", "not_base64")]),
    (MMS, [("a.jpg", jpeg_of(10)), ("b.jpg", "@@")], [("images.1.jpeg_base64", "not_base64")]),
    (MMS, [(" ", jpeg_of(10))], [("images.0.name", "required")]),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "given_images", "want"), IMAGES)
def test_image_limits(
    kind: r.MessageType, given_images: list[tuple[str, str]], want: list[tuple[str, str]]
) -> None:
    v = Validator()
    found = r.images(v, "images", kind, given_images)
    assert refusals(v) == want
    if not want:
        assert [i.name for i in found] == [n for n, _ in given_images]


def test_an_accepted_image_carries_its_size_and_hash() -> None:
    v = Validator()
    (image,) = r.images(v, "images", MMS, [("a.jpg", jpeg_of(100))])
    assert (image.size, len(image.sha256)) == (100, 64)


# (recipients, accepted numbers, refusals)
RECIPIENTS = [
    ("0101234567", ("0101234567",), []),  # 10 digits
    ("0101234567890", ("0101234567890",), []),  # 13 digits
    ("010123456", (), [("recipients.0", "wrong_length")]),  # 9
    ("01012345678901", (), [("recipients.0", "wrong_length")]),  # 14
    ("010-1234-5678", ("01012345678",), []),
    ("01012345678,01098765432", ("01012345678", "01098765432"), []),
    ("01012345678, 010 9876 5432", ("01012345678", "01098765432"), []),
    ("01012345678,01012345678", ("01012345678",), []),  # once each
    ("01012345678,", ("01012345678",), [("recipients.1", "empty")]),
    ("01012345678,+821012345678", ("01012345678",), [("recipients.1", "not_digits")]),
    ("", (), [("recipients", "required")]),
    ("".join(chr(0xFF10 + int(d)) for d in "01012345678"), (), [("recipients.0", "not_digits")]),
    (",".join(f"010{n:08d}" for n in range(1000)), None, []),
    (",".join(f"010{n:08d}" for n in range(1001)), (), [("recipients", "too_many")]),
]


@pytest.mark.parametrize(("text", "numbers", "want"), RECIPIENTS)
def test_recipients(
    text: str, numbers: tuple[str, ...] | None, want: list[tuple[str, str]]
) -> None:
    v = Validator()
    found = r.recipients(v, "recipients", text)
    assert refusals(v) == want
    if numbers is not None:
        assert found == numbers


# (sender, accepted digits or None)
SENDERS = [
    ("1588-1234", "15881234"),  # 8: a representative number
    ("02-123-4567", "021234567"),
    ("010-1234-5678", "01012345678"),
    ("0101234567890", "0101234567890"),  # 13
    ("1234567", None),  # 7
    ("01012345678901", None),  # 14
    ("+82 10 1234 5678", None),
]


@pytest.mark.parametrize(("number", "digits"), SENDERS)
def test_sender_numbers(number: str, digits: str | None) -> None:
    v = Validator()
    assert r.sender_number(v, "number", number) == digits
    assert bool(v.errors) == (digits is None)
    assert all(e.field == "number" for e in v.errors)


KST = timezone(timedelta(hours=9))
# (reserve_at, refusal reason or None)
RESERVATIONS = [
    (None, None),  # now
    (NOW + timedelta(minutes=30), None),
    (NOW + timedelta(minutes=29, seconds=59), "too_soon"),
    (NOW + timedelta(days=1), None),
    (NOW + timedelta(days=1, seconds=1), "too_late"),
    (NOW - timedelta(minutes=1), "too_soon"),
    ((NOW + timedelta(hours=2)).astimezone(KST), None),
    ((NOW + timedelta(hours=2)).replace(tzinfo=None), "no_offset"),
]


@pytest.mark.parametrize(("reserve_at", "reason"), RESERVATIONS)
def test_the_reservation_window_is_checked_against_the_clock_given(
    reserve_at: datetime | None, reason: str | None
) -> None:
    v = Validator()
    r.reservation(v, "reserve_at", reserve_at, now=NOW)
    assert refusals(v) == ([] if reason is None else [("reserve_at", reason)])


@given(st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), max_size=60))
def test_every_hangul_syllable_is_two_bytes(text: str) -> None:
    assert carrier_bytes(text) == 2 * len(text)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200))
def test_printable_ascii_is_one_byte(text: str) -> None:
    assert carrier_bytes(text) == len(text)
