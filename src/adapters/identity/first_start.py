"""The embedded default's first start: a signing key, an `admin` password and a ready
admin token, in files only their owner may read, under the data directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.identity.key_file import KeyFile
from adapters.identity.passwords import Passwords, generate_password
from adapters.identity.private_files import write_private
from adapters.identity.tokens import issue

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.settings import Settings

ADMIN = "admin"
PASSWORD_FILE = "admin-password"
PASSWORD_HASH_FILE = "admin-password.argon2"  # until the directory keeps users' hashes
TOKEN_FILE = "admin-token"


@dataclass(frozen=True, slots=True)
class Credentials:
    key_file: Path
    password_file: Path
    password_hash_file: Path
    token_file: Path
    created: bool  # False: the admin existed already; only the token is new


def first_start(settings: Settings, passwords: Passwords | None = None) -> Credentials:
    """Creates what is missing and writes a fresh admin token (valid for
    CALLBACKS_TOKEN_HOURS); an existing password is never replaced."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = KeyFile.of(settings)
    keys = key_file.current()
    password_file = data_dir / PASSWORD_FILE
    hash_file = data_dir / PASSWORD_HASH_FILE
    created = not hash_file.exists()
    if created:
        password = generate_password()
        write_private(password_file, password + "\n")
        write_private(hash_file, (passwords or Passwords()).hash(password) + "\n")
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
    return Credentials(key_file.path, password_file, hash_file, token_file, created)
