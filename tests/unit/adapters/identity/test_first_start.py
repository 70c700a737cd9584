"""The embedded default's first start: key, an `admin` user of the event-sourced
directory, its password and an admin token in owner-only files."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from adapters.identity.first_start import PASSWORD_HASH_FILE, first_start
from adapters.identity.private_files import write_private
from adapters.identity.verifier import Verifier
from callback_domain.user import User

if TYPE_CHECKING:
    from adapters.identity.passwords import Passwords
    from adapters.settings import Settings
    from callback_domain.application import CallbackService


def test_first_start_records_the_admin_in_the_directory_and_writes_owner_only_files(
    settings: Settings, passwords: Passwords, sut: CallbackService
) -> None:
    made = first_start(settings, sut, passwords)
    assert made.created
    files = [made.key_file, made.password_file, made.token_file]
    assert all(f.parent == settings.data_dir for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    password = made.password_file.read_text().strip()
    assert len(password) >= 24
    admin = sut.get_user("admin")
    assert admin is not None and admin.user_role == "ADMIN" and admin.routes is None
    assert admin.password_hash is not None and passwords.verify(admin.password_hash, password)
    assert password not in str([vars(e) for e in sut.events.get(User.create_id("admin"))])
    claims = Verifier.of(settings).verify(made.token_file.read_text().strip())
    assert (claims.actor, claims.role) == ("admin", "ADMIN")


def test_a_later_start_keeps_the_password_and_key_and_writes_a_fresh_token(
    settings: Settings, passwords: Passwords, sut: CallbackService
) -> None:
    first = first_start(settings, sut, passwords)
    password, key = first.password_file.read_text(), first.key_file.read_text()
    token = first.token_file.read_text()
    events = sut.recorder.max_notification_id()
    again = first_start(settings, sut, passwords)
    assert not again.created
    assert sut.recorder.max_notification_id() == events
    assert again.password_file.read_text() == password
    assert again.key_file.read_text() == key
    assert again.token_file.read_text() != token
    assert Verifier.of(settings).verify(again.token_file.read_text().strip()).role == "ADMIN"


def test_the_earlier_hash_file_moves_into_the_directory(
    settings: Settings, passwords: Passwords, sut: CallbackService
) -> None:
    settings.data_dir.mkdir(parents=True)
    write_private(settings.data_dir / "admin-password", "earlier-password\n")
    write_private(settings.data_dir / PASSWORD_HASH_FILE, passwords.hash("earlier-password"))
    first_start(settings, sut, passwords)
    admin = sut.get_user("admin")
    assert admin is not None and admin.password_hash is not None
    assert passwords.verify(admin.password_hash, "earlier-password")
    assert not (settings.data_dir / PASSWORD_HASH_FILE).exists()
