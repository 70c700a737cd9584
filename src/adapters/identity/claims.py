"""What a verified token says about its bearer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """A verified token's bearer: the audit trail's actor and role, and who vouches for
    them (`issuer`: this deployment or the organisation's identity provider)."""

    actor: str
    role: str
    issuer: str
    expires_at: float  # seconds since the epoch
    token_id: str | None = None
    key_id: str | None = None  # None for a provider's token: its keys are the provider's
