"""Phone numbers: parsed in the deployment's region, kept in E.164, shown nationally.

`phonenumbers` is pure computation over its bundled metadata (no I/O, no transport), so
the core may use it: the duplicate check, the intake's validation and the read side's
filters all compare the E.164 form this module gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

DEFAULT_REGION = "KR"
MIN_SUFFIX_DIGITS = 4
# Parsing a number costs ~50 µs; a request's number is read several times (validation,
# the duplicate check's lines, the prefetch), and a repeated caller often: keep the last.
PARSED_NUMBERS = 4096  # a batch's numbers: 2.4 MB (65,536 held 61.6 MB of a rebuild's numbers)
_SEPARATORS = re.compile(r"[\s\-.()]")


def compact_phone(value: str) -> str:
    """A number without separators: how the previous version stored and compared them."""
    return _SEPARATORS.sub("", value)


@dataclass(frozen=True, slots=True)
class PhoneNumbers:
    """Numbers as one deployment reads them: without a country code, in `region`."""

    region: str = DEFAULT_REGION

    def e164(self, text: str) -> str | None:
        """The E.164 form of a possible number (`+821012345678`), None otherwise."""
        return _e164(self.region, text)

    def canonical(self, stored: str) -> str:
        """A number as events recorded it, in E.164: events of the previous version hold
        the caller's digits as typed (`01012345678`); one that does not parse stays so."""
        return self.e164(stored) or compact_phone(stored)

    def national(self, stored: str) -> str:
        """How the number is shown in its own country (`010-1234-5678`)."""
        return _national(self.region, stored)

    def legacy_spellings(self, e164: str) -> tuple[str, ...]:
        """The forms the previous version may have keyed a number's duplicate check by (the
        digits as typed, separators removed): national, E.164, and E.164 without its +, or
        with the national trunk prefix kept after the country code."""
        national = re.sub(r"\D", "", self.national(e164))
        code = e164[1:].removesuffix(national.lstrip("0")) if national else ""
        found = [e164, e164[1:], national]
        if code and national.startswith("0"):
            found.append(f"+{code}{national}")
        return tuple(dict.fromkeys(s for s in found if s))


@lru_cache(maxsize=PARSED_NUMBERS)
def _parse(region: str, text: str) -> phonenumbers.PhoneNumber | None:
    """A parsed number, kept a moment: reading an event's number takes its E.164 form and
    then its national one, of the same text (a rebuild's numbers are all new)."""
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


@lru_cache(maxsize=PARSED_NUMBERS)
def _e164(region: str, text: str) -> str | None:
    compact = compact_phone(text)
    if not compact or len(compact) > 20:
        return None
    number = _parse(region, compact)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@lru_cache(maxsize=PARSED_NUMBERS)
def _national(region: str, stored: str) -> str:
    number = _parse(region, stored)
    if number is None:
        return stored
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
