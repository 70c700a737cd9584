"""The embedded default's first start: key, admin password and admin token, owner-only."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from adapters.identity.first_start import first_start
from adapters.identity.verifier import Verifier

if TYPE_CHECKING:
    from adapters.identity.passwords import Passwords
    from adapters.settings import Settings


def test_first_start_writes_owner_only_credentials_that_work(
    settings: Settings, passwords: Passwords
) -> None:
    made = first_start(settings, passwords)
    assert made.created
    files = [made.key_file, made.password_file, made.password_hash_file, made.token_file]
    assert all(f.parent == settings.data_dir for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    password = made.password_file.read_text().strip()
    assert len(password) >= 24
    assert passwords.verify(made.password_hash_file.read_text().strip(), password)
    claims = Verifier.of(settings).verify(made.token_file.read_text().strip())
    assert (claims.actor, claims.role) == ("admin", "ADMIN")


def test_a_later_start_keeps_the_password_and_key_and_writes_a_fresh_token(
    settings: Settings, passwords: Passwords
) -> None:
    first = first_start(settings, passwords)
    password, key = first.password_file.read_text(), first.key_file.read_text()
    token = first.token_file.read_text()
    again = first_start(settings, passwords)
    assert not again.created
    assert again.password_file.read_text() == password
    assert again.key_file.read_text() == key
    assert again.token_file.read_text() != token
    assert Verifier.of(settings).verify(again.token_file.read_text().strip()).role == "ADMIN"
