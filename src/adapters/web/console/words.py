"""The console's words in Korean and English: one JSON file per screen under `messages/`
(`{"en": {key: text}, "ko": {key: text}}`), merged. A key missing in either language is a
defect a test finds (tests/unit/adapters/web/test_console_words.py).

The language is the user's choice, remembered in a cookie; before any choice, the
browser's Accept-Language decides, else Korean (the contact centers this mirrors)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from adapters.web.console.session import LANG_COOKIE

if TYPE_CHECKING:
    from starlette.requests import Request

LANGUAGES = ("ko", "en")
DEFAULT = "ko"


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every screen's words, by language."""
    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    folder = resources.files("adapters.web.console") / "messages"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        words = json.loads(entry.read_text(encoding="utf-8"))
        for language in LANGUAGES:
            for key, text in words.get(language, {}).items():
                if key in merged[language]:
                    msg = f"{entry.name}: {key!r} is said in another messages file too"
                    raise ValueError(msg)
                merged[language][key] = text
    return merged


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT


def words(language: str) -> dict[str, str]:
    return catalog()[language if language in LANGUAGES else DEFAULT]
