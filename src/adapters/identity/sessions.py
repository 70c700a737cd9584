"""People's sessions: the password check of `auth.login` (argon2, rate-limited per user)
and the token it gives, signed with the deployment's key."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.identity.key_file import KeyFile
from adapters.identity.login_limit import LoginLimiter
from adapters.identity.passwords import Passwords
from adapters.identity.tokens import issue

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.identity.keys import KeySet
    from adapters.settings import Settings


@dataclass
class Sessions:
    keys: Callable[[], KeySet]
    issuer: str
    audience: str
    ttl_seconds: int
    passwords: Passwords = field(default_factory=Passwords)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)

    @classmethod
    def of(cls, settings: Settings) -> Sessions:
        return cls(
            KeyFile.of(settings).current,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=settings.token_hours * 3600,
        )

    def token_for(self, actor: str, role: str) -> tuple[str, float]:
        """A person's token and when it expires (seconds since the epoch)."""
        now = time.time()
        token = issue(
            self.keys(),
            actor=actor,
            role=role,
            issuer=self.issuer,
            audience=self.audience,
            ttl_seconds=self.ttl_seconds,
            now=now,
        )
        return token, float(int(now) + self.ttl_seconds)
