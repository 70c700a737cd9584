"""The placeholders a message body may hold, filled from a callback at send time.

`{phone}` the customer's number in national format (010-1234-5678), `{route}` the
callback's route, `{desired_time}` its desired time as `YYYY-MM-DD HH:MM` in the contact
center's zone (empty for an immediate callback). Any other `{...}` is plain text."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from callback_domain.callback import Callback
    from callback_domain.phones import PhoneNumbers

PLACEHOLDERS = ("{phone}", "{route}", "{desired_time}")


def held(text: str) -> list[str]:
    """The placeholders `text` holds, in PLACEHOLDERS' order."""
    return [p for p in PLACEHOLDERS if p in text]


def values_of(callback: Callback, phones: PhoneNumbers, timezone: str) -> dict[str, str]:
    desired = callback.desired_time
    shown = "" if desired is None else f"{desired.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"
    return {
        "{phone}": phones.national(callback.phone),
        "{route}": callback.route,
        "{desired_time}": shown,
    }


def fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
