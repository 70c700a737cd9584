"""The roles a token may carry (DOMAIN.md "Identity and access").

ASSIGNER is not among them: an agent's `assign` permission comes from the directory at the
moment of the request, never from a token.
"""

from __future__ import annotations

TOKEN_ROLES = ("ADMIN", "SUPERVISOR", "AGENT", "MONITOR", "IVR", "CTI")
PEOPLE_ROLES = frozenset({"ADMIN", "SUPERVISOR", "AGENT", "MONITOR"})


def token_role(value: object) -> str | None:
    """`value` as one of TOKEN_ROLES, whatever its case; None if it is none of them."""
    if not isinstance(value, str):
        return None
    role = value.strip().upper()
    return role if role in TOKEN_ROLES else None
