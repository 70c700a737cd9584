"""One entry point for every request's token: ours or the identity provider's, each
verified once and then remembered until it expires."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import jwt

from adapters.identity.errors import UnauthenticatedError
from adapters.identity.key_file import KeyFile
from adapters.identity.oidc import oidc_of
from adapters.identity.tokens import verify as verify_own

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from adapters.identity.claims import Claims
    from adapters.identity.keys import KeySet
    from adapters.identity.oidc import OidcVerifier
    from adapters.settings import Settings

AUTHORIZATION = "Authorization"
CACHE_SIZE = 10_000


def bearer_token(headers: Mapping[str, str] | None) -> str:
    """The token of an `Authorization: Bearer …` header (header name and scheme in any case)."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == AUTHORIZATION.lower()), "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(reason="send an 'Authorization: Bearer <token>' header")
    return token.strip()


class Verifier:
    """Verifies tokens; an IVR sending the same token all day costs one verification.

    A remembered token of ours is refused at once when its key is retired (the key file
    is reread when it changes), so retiring a key revokes its tokens in a running service.
    """

    def __init__(
        self,
        keys: Callable[[], KeySet],
        *,
        issuer: str,
        audience: str,
        oidc: OidcVerifier | None = None,
        clock: Callable[[], float] = time.time,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.oidc, self.clock, self.cache_size = oidc, clock, cache_size
        self._cache: OrderedDict[str, Claims] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, settings: Settings) -> Verifier:
        return cls(
            KeyFile.of(settings).current,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            oidc=oidc_of(settings),
        )

    def verify(self, token: str) -> Claims:
        claims = self._remembered(token)
        if claims is None:
            claims = self._verify(token)
            with self._lock:
                self._cache[token] = claims
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        if claims.expires_at <= self.clock():
            self._forget(token)
            raise UnauthenticatedError(reason="the token has expired; get a new one")
        return claims

    def known(self, token: str) -> Claims | None:
        """The claims of a token verified before and still valid, else None (then
        `verify`: it may fetch keys or check a signature, so run it off the event loop)."""
        try:
            claims = self._remembered(token)
        except UnauthenticatedError:
            return None  # `verify` says why
        if claims is None or claims.expires_at <= self.clock():
            return None
        return claims

    def verify_headers(self, headers: Mapping[str, str] | None) -> Claims:
        return self.verify(bearer_token(headers))

    def _remembered(self, token: str) -> Claims | None:
        with self._lock:
            claims = self._cache.get(token)
            if claims is not None:
                self._cache.move_to_end(token)
        if claims is None or claims.key_id is None:
            return claims
        if self.keys().public_key(claims.key_id) is None:  # retired since
            self._forget(token)
            raise UnauthenticatedError(reason="the token is signed by an unknown or retired key")
        return claims

    def _forget(self, token: str) -> None:
        with self._lock:
            self._cache.pop(token, None)

    def _verify(self, token: str) -> Claims:
        if self.oidc is not None and _issuer_of(token) == self.oidc.issuer:
            return self.oidc.verify(token)
        return verify_own(token, self.keys, issuer=self.issuer, audience=self.audience)


def _issuer_of(token: str) -> object:
    """The unverified `iss`, only to choose whose keys verify the token."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise UnauthenticatedError(reason="the token is malformed") from None
    return payload.get("iss")
