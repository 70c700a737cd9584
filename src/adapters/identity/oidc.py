"""Tokens of an organisation's OpenID Connect provider, verified against its JWKS.

The JWKS comes from a URL (fetched and cached by PyJWT's PyJWKClient, refetched once for
an unknown key id, so the provider's rotations are followed) or from a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt

from adapters.entrypoints.mistakes import OperatorError
from adapters.identity.claims import Claims
from adapters.identity.errors import UnauthenticatedError
from adapters.identity.roles import TOKEN_ROLES, token_role
from adapters.identity.tokens import actor_of, decode, header_of
from callback_domain.errors import StorageUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from adapters.settings import Settings

ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 60  # the provider's clock is not ours
# A provider whose role claim lists several of ours (a supervisor is often also an
# agent) gets the first of these it holds.
_PRECEDENCE = ("ADMIN", "SUPERVISOR", "MONITOR", "AGENT", "IVR", "CTI")


class OidcVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        key_for: Callable[[str], jwt.PyJWK],
        actor_claim: str = "preferred_username",
        role_claim: str = "role",
        roles: Mapping[str, str] | None = None,
        algorithms: tuple[str, ...] = ALGORITHMS,
    ) -> None:
        self.issuer, self.audience = issuer, audience
        self.key_for = key_for
        self.actor_claim, self.role_claim = actor_claim, role_claim
        self.roles = {k.strip().casefold(): v for k, v in (roles or {}).items()}
        self.algorithms = list(algorithms)

    def verify(self, token: str) -> Claims:
        kid = header_of(token).get("kid")
        if not isinstance(kid, str):
            raise UnauthenticatedError(reason="the provider's token names no key (kid)")
        payload = decode(
            token,
            self.key_for(kid),
            algorithms=self.algorithms,
            issuer=self.issuer,
            audience=self.audience,
            require=["iss", "aud", "exp", self.actor_claim],
            leeway=LEEWAY_SECONDS,
        )
        return Claims(
            actor=actor_of(payload[self.actor_claim]),
            role=self.role_of(payload.get(self.role_claim)),
            issuer=self.issuer,
            expires_at=float(payload["exp"]),
            token_id=str(payload["jti"]) if "jti" in payload else None,
        )

    def role_of(self, value: Any) -> str:
        """Our role for the claim's value (a string or a list), case-insensitively,
        through the configured mapping first."""
        values = value if isinstance(value, list) else [value]
        found = set()
        for v in values:
            if isinstance(v, str):
                role = token_role(self.roles.get(v.strip().casefold(), v))
                if role is not None:
                    found.add(role)
        for role in _PRECEDENCE:
            if role in found:
                return role
        raise UnauthenticatedError(
            reason=f"the token's {self.role_claim!r} claim holds none of {', '.join(TOKEN_ROLES)}"
        )


def url_keys(
    url: str, *, cooldown_seconds: float = 30, timeout: float = 5
) -> Callable[[str], jwt.PyJWK]:
    """Keys fetched from the provider's JWKS URL, cached 5 minutes; an unknown key id
    refetches them at most every `cooldown_seconds`."""
    try:
        client = jwt.PyJWKClient(
            url,
            cache_jwk_set=True,
            lifespan=300,
            timeout=timeout,
            cooldown_duration=cooldown_seconds,
        )
    except jwt.PyJWKClientError as e:
        raise OperatorError("CALLBACKS_OIDC_JWKS_URL", str(e), "give an https:// URL") from None

    def key_for(kid: str) -> jwt.PyJWK:
        try:
            return client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise StorageUnavailableError(
                "the identity provider's keys cannot be fetched; retry later"
            ) from None
        except (jwt.PyJWKClientError, jwt.PyJWKSetError):
            raise UnauthenticatedError(reason="the token is signed by an unknown key") from None

    return key_for


def file_keys(path: Path) -> Callable[[str], jwt.PyJWK]:
    try:
        keys = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise OperatorError(
            "CALLBACKS_OIDC_JWKS_FILE", f"cannot read {path} ({e.strerror})", "check its path"
        ) from None
    except (ValueError, jwt.PyJWTError) as e:
        raise OperatorError(
            "CALLBACKS_OIDC_JWKS_FILE", f"{path} is not a JWKS ({e})", "save the provider's JWKS"
        ) from None

    def key_for(kid: str) -> jwt.PyJWK:
        try:
            return keys[kid]
        except KeyError:
            raise UnauthenticatedError(reason="the token is signed by an unknown key") from None

    return key_for


def oidc_of(settings: Settings) -> OidcVerifier | None:
    """The provider's verifier from the settings; None when no provider is configured."""
    if not settings.oidc_issuer:
        return None
    if settings.oidc_issuer == settings.token_issuer:
        raise OperatorError(
            "CALLBACKS_OIDC_ISSUER",
            f"{settings.oidc_issuer!r} is also this service's own issuer (CALLBACKS_TOKEN_ISSUER)",
            "give the provider's issuer URL, or another CALLBACKS_TOKEN_ISSUER",
        )
    if bool(settings.oidc_jwks_url) == bool(settings.oidc_jwks_file):
        raise OperatorError(
            "CALLBACKS_OIDC_JWKS_URL",
            "an OpenID Connect issuer needs its keys from exactly one place",
            "set CALLBACKS_OIDC_JWKS_URL or CALLBACKS_OIDC_JWKS_FILE",
        )
    if not settings.oidc_audience:
        raise OperatorError(
            "CALLBACKS_OIDC_AUDIENCE",
            "an OpenID Connect issuer needs the audience its tokens name for this service",
            "set it to the client id the provider issues tokens for",
        )
    for value, role in settings.oidc_roles.items():
        if token_role(role) is None:
            raise OperatorError(
                "CALLBACKS_OIDC_ROLES",
                f"{value!r} is mapped to {role!r}",
                f"map it to one of {', '.join(TOKEN_ROLES)}",
            )
    if settings.oidc_jwks_url:
        key_for = url_keys(settings.oidc_jwks_url)
    else:
        assert settings.oidc_jwks_file is not None  # one of the two, checked above
        key_for = file_keys(settings.oidc_jwks_file)
    return OidcVerifier(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        key_for=key_for,
        actor_claim=settings.oidc_actor_claim,
        role_claim=settings.oidc_role_claim,
        roles=settings.oidc_roles,
    )
