"""The embedded default's first start: a signing key and an `admin` user in the
event-sourced directory, with the administrator's password and a ready admin token
written to files only their owner may read, under the data directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from adapters.identity.key_file import KeyFile
from adapters.identity.passwords import Passwords, generate_password
from adapters.identity.private_files import write_private
from adapters.identity.tokens import issue
from callback_domain.commands import SetPassword, UpsertUser
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.settings import Settings
    from callback_domain.application import CallbackService

ADMIN = "admin"
PASSWORD_FILE = "admin-password"
# Where an earlier version kept the admin's hash before the directory did: read once
# into the directory, then removed.
PASSWORD_HASH_FILE = "admin-password.argon2"
TOKEN_FILE = "admin-token"
FIRST_START = Caller(actor="callbacks-serve", role=Role.SYSTEM, channel="first-start")


@dataclass(frozen=True, slots=True)
class Credentials:
    key_file: Path
    password_file: Path
    token_file: Path
    created: bool  # False: the admin existed already; only the token is new


def first_start(
    settings: Settings, service: CallbackService, passwords: Passwords | None = None
) -> Credentials:
    """Creates what is missing (key, `admin` user and password) and writes a fresh admin
    token (valid for CALLBACKS_TOKEN_HOURS); an existing password is never replaced."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = KeyFile.of(settings)
    keys = key_file.current()
    password_file = data_dir / PASSWORD_FILE
    created = service.get_user(ADMIN) is None
    if created:
        _add_admin(service, data_dir, password_file, passwords or Passwords())
    token_file = data_dir / TOKEN_FILE
    token = issue(
        keys,
        actor=ADMIN,
        role="ADMIN",
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.token_hours * 3600,
    )
    write_private(token_file, token + "\n")
    return Credentials(key_file.path, password_file, token_file, created)


def _add_admin(
    service: CallbackService, data_dir: Path, password_file: Path, passwords: Passwords
) -> None:
    old_hash_file = data_dir / PASSWORD_HASH_FILE
    if old_hash_file.exists() and password_file.exists():
        hashed = old_hash_file.read_text(encoding="utf-8").strip()
    else:
        password = generate_password()
        write_private(password_file, password + "\n")
        hashed = passwords.hash(password)
    now = datetime.now(UTC)
    for command in (
        UpsertUser(caller=FIRST_START, at=now, user=ADMIN, role="ADMIN"),
        SetPassword(caller=FIRST_START, at=now, user=ADMIN, password_hash=hashed),
    ):
        service.execute(command)
    old_hash_file.unlink(missing_ok=True)
