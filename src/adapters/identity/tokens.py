"""The deployment's own tokens: issued and verified with its key set (EdDSA)."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import jwt

from adapters.identity.claims import Claims
from adapters.identity.errors import UnauthenticatedError
from adapters.identity.keys import ALGORITHM
from adapters.identity.roles import token_role

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.identity.keys import KeySet

REQUIRED = ["sub", "role", "iss", "aud", "iat", "exp", "jti"]
_MAX_ACTOR = 200


def issue(
    keys: KeySet,
    *,
    actor: str,
    role: str,
    issuer: str,
    audience: str,
    ttl_seconds: float,
    now: float | None = None,
) -> str:
    """A token for `actor` in `role`, signed with the active key, valid for `ttl_seconds`."""
    checked = token_role(role)
    if checked is None:
        msg = f"unknown role {role!r}"
        raise ValueError(msg)
    if not actor.strip() or len(actor) > _MAX_ACTOR or not actor.isprintable():
        msg = f"the actor must be 1 to {_MAX_ACTOR} printable characters, not {actor!r}"
        raise ValueError(msg)
    issued_at = int(time.time() if now is None else now)
    payload = {
        "sub": actor,
        "role": checked,
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + int(ttl_seconds),
        "jti": str(uuid.uuid4()),
    }
    signing = keys.signing_key()
    return jwt.encode(
        payload, signing.private_key, algorithm=ALGORITHM, headers={"kid": signing.kid}
    )


def header_of(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UnauthenticatedError(reason="the token is malformed") from None


def verify(token: str, keys: Callable[[], KeySet], *, issuer: str, audience: str) -> Claims:
    """The claims of one of our own tokens; UnauthenticatedError if it cannot be trusted."""
    header = header_of(token)
    kid = header.get("kid")
    key = keys().public_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise UnauthenticatedError(reason="the token is signed by an unknown or retired key")
    payload = decode(
        token,
        key,
        algorithms=[ALGORITHM],
        issuer=issuer,
        audience=audience,
        require=REQUIRED,
    )
    role = token_role(payload["role"])
    if role is None or role != payload["role"]:
        raise UnauthenticatedError(reason="the token names no role of this service")
    return Claims(
        actor=actor_of(payload["sub"]),
        role=role,
        issuer=issuer,
        expires_at=float(payload["exp"]),
        token_id=str(payload["jti"]),
        key_id=kid,
    )


def decode(token: str, key: Any, **checks: Any) -> dict[str, Any]:
    """PyJWT's decode with the given algorithms, issuer, audience and required claims;
    every refusal as UnauthenticatedError, worded for the caller."""
    require = checks.pop("require")
    try:
        payload: dict[str, Any] = jwt.decode(token, key, options={"require": require}, **checks)
    except jwt.ExpiredSignatureError:
        raise UnauthenticatedError(reason="the token has expired; get a new one") from None
    except jwt.InvalidAudienceError:
        raise UnauthenticatedError(reason="the token is meant for another audience") from None
    except jwt.InvalidIssuerError:
        raise UnauthenticatedError(reason="the token is from an unknown issuer") from None
    except jwt.InvalidAlgorithmError:
        raise UnauthenticatedError(reason="the token's algorithm is not accepted") from None
    except jwt.InvalidSignatureError:
        raise UnauthenticatedError(reason="the token's signature does not verify") from None
    except jwt.MissingRequiredClaimError as e:
        raise UnauthenticatedError(reason=f"the token lacks the {e.claim!r} claim") from None
    except jwt.PyJWTError:
        raise UnauthenticatedError(reason="the token is malformed") from None
    return payload


def actor_of(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ACTOR:
        raise UnauthenticatedError(reason="the token names no actor")
    if not value.isprintable():
        raise UnauthenticatedError(reason="the token names no actor")
    return value
