"""The console's words: each key in both languages, and every key a template or a script
asks for is said (a missing word would show its key to the user)."""

from __future__ import annotations

import json
import re
from importlib import resources

from adapters.web.console.words import LANGUAGES, catalog

CONSOLE = resources.files("adapters.web.console")
# t('key') / t("key") in templates and scripts; a key built at run time (`'state.' + s`)
# is not matched and is checked by its prefix's test below.
_ASKED = re.compile(r"""\bt\(\s*['"]([a-z][a-z0-9_.-]*[a-z0-9_])['"]""")


def _files(folder: str, suffix: str) -> list[tuple[str, str]]:
    found = (CONSOLE / folder).iterdir()
    return [(f.name, f.read_text(encoding="utf-8")) for f in found if f.name.endswith(suffix)]


def test_every_messages_file_says_the_same_keys_in_korean_and_english() -> None:
    for name, text in _files("messages", ".json"):
        words = json.loads(text)
        assert set(words) == set(LANGUAGES), name
        assert set(words["ko"]) == set(words["en"]), (
            name,
            set(words["ko"]) ^ set(words["en"]),
        )
        assert all(words["ko"][k].strip() and words["en"][k].strip() for k in words["en"]), name


def test_every_word_a_template_or_script_asks_for_is_said() -> None:
    said = set(catalog()["en"])
    for folder, suffix in (("templates", ".html"), ("static", ".js")):
        for name, text in _files(folder, suffix):
            missing = {key for key in _ASKED.findall(text) if key not in said}
            assert not missing, f"{folder}/{name} asks for unsaid words: {sorted(missing)}"


def test_each_state_status_and_screen_has_its_word() -> None:
    from adapters.web.console.screens import SCREENS
    from callback_domain.lifecycle import CallbackState, NhnStatus

    for language in LANGUAGES:
        words = catalog()[language]
        assert all(f"nav.{s.key}" in words for s in SCREENS if s.in_menu)
        assert all(f"state.{s.value}" in words for s in CallbackState)
        assert all(f"status.{s.value}" in words for s in NhnStatus)
