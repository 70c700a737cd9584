"""Text as Korean carriers count it: in CP949 (EUC-KR extended to every Hangul syllable),
where ASCII is 1 byte and a Hangul syllable, or any other character the code page holds,
2 bytes. A character CP949 cannot encode (an emoji, most other scripts) cannot be sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callback_domain.values import Validator

CARRIER_ENCODING = "cp949"


def carrier_bytes(text: str) -> int:
    """How many bytes a carrier counts for `text` (all of it must be encodable)."""
    return len(text.encode(CARRIER_ENCODING))


def unencodable(text: str) -> list[str]:
    """The distinct characters of `text` CP949 cannot encode, in order of appearance."""
    found: dict[str, None] = {}
    for ch in text:
        if ch in found:
            continue
        try:
            ch.encode(CARRIER_ENCODING)
        except UnicodeEncodeError:
            found[ch] = None
    return list(found)


def named(chars: list[str]) -> str:
    """`'😀' (U+1F600)`, … : characters as a person can find them in their text."""
    return ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in chars)


def carrier_text(v: Validator, name: str, text: str, *, max_bytes: int) -> str | None:
    """`text` if a carrier can carry it within `max_bytes`; else refused, naming `name`."""
    bad = unencodable(text)
    if bad:
        v.refuse(
            name,
            f"holds characters Korean carriers cannot send (not in CP949): {named(bad)}",
            "not_encodable",
        )
        return None
    size = carrier_bytes(text)
    if size > max_bytes:
        v.refuse(
            name,
            f"is {size} bytes as carriers count them (Hangul 2, ASCII 1); at most {max_bytes}",
            "too_long",
        )
        return None
    return text
