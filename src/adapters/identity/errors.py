"""A refused token: CONTRACT.md's `unauthenticated`."""

from __future__ import annotations

from callback_domain.errors import CallbackError


class UnauthenticatedError(CallbackError):
    """No token, or one the service cannot trust (malformed, expired, badly signed,
    signed by an unknown or retired key, meant for another issuer or audience)."""

    code = "unauthenticated"
    default_message = "the request carries no valid token: {reason}"
