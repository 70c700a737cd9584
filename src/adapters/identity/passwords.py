"""Passwords kept as argon2id hashes (argon2-cffi's PasswordHasher, RFC 9106 defaults)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

GENERATED_BYTES = 18  # 24 URL-safe characters


class Passwords:
    """Hashes and checks passwords; `hasher` is given only to make tests fast."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._decoy: str | None = None  # hashed once, when first needed

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> bool:
        """`verify`, or, for a user without a password (or no such user), the same work
        against a decoy hash, answered False: how long a login takes says nothing about
        whether the user exists."""
        if stored_hash is None:
            if self._decoy is None:
                self._decoy = self.hasher.hash("no such user: a decoy")
            self.verify(self._decoy, password)
            return False
        return self.verify(stored_hash, password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True if `password` is the one hashed; False for any other or a damaged hash."""
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True if the hash was made with other parameters than today's: hash the password
        again after a successful login."""
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_BYTES)
