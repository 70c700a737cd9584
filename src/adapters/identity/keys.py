"""The deployment's signing keys: Ed25519 (EdDSA), one active, older ones still verifying.

Rotation adds a new active key; tokens signed by the older keys stay valid until their key
is retired (removed), which is how a leaked token is revoked.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

ALGORITHM = "EdDSA"
FORMAT_VERSION = 1


class KeySetError(ValueError):
    """An impossible change of the key set (retiring the active or an unknown key)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    created_at: datetime
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    @classmethod
    def generate(cls, now: datetime) -> SigningKey:
        kid = f"{now.astimezone(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        return cls(kid, now, Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def as_dict(self) -> dict[str, str]:
        pem = self.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        return {
            "kid": self.kid,
            "algorithm": ALGORITHM,
            "created_at": self.created_at.isoformat(),
            "private_key": pem.decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SigningKey:
        key = load_pem_private_key(str(data["private_key"]).encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            msg = f"key {data['kid']!r} is not an Ed25519 key"
            raise TypeError(msg)
        return cls(str(data["kid"]), datetime.fromisoformat(str(data["created_at"])), key)


@dataclass(frozen=True, slots=True)
class KeySet:
    """The keys of a deployment, oldest first; `active` signs new tokens."""

    active: str
    keys: tuple[SigningKey, ...]

    @classmethod
    def new(cls, now: datetime) -> KeySet:
        key = SigningKey.generate(now)
        return cls(key.kid, (key,))

    def __post_init__(self) -> None:
        if self.active not in {k.kid for k in self.keys}:
            msg = f"the active key {self.active!r} is not in the key set"
            raise KeySetError(msg)

    def signing_key(self) -> SigningKey:
        return next(k for k in self.keys if k.kid == self.active)

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return next((k.public_key for k in self.keys if k.kid == kid), None)

    def rotated(self, now: datetime) -> KeySet:
        key = SigningKey.generate(now)
        return replace(self, active=key.kid, keys=(*self.keys, key))

    def retired(self, kid: str) -> KeySet:
        if kid == self.active:
            msg = f"{kid} is the active key; rotate first (`callbacks keys rotate`), then retire it"
            raise KeySetError(msg)
        if kid not in {k.kid for k in self.keys}:
            known = ", ".join(k.kid for k in self.keys)
            msg = f"no key {kid!r}; the keys are {known}"
            raise KeySetError(msg)
        return replace(self, keys=tuple(k for k in self.keys if k.kid != kid))

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "active": self.active,
            "keys": [k.as_dict() for k in self.keys],
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KeySet:
        """Raises ValueError, KeyError or TypeError on anything that is not a key set."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            msg = f"not a version {FORMAT_VERSION} key set"
            raise KeySetError(msg)
        keys = tuple(SigningKey.from_dict(k) for k in data["keys"])
        return cls(str(data["active"]), keys)
