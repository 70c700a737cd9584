"""Our own tokens: issued with the active key; every kind of refusal is `unauthenticated`."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.identity.errors import UnauthenticatedError
from adapters.identity.keys import KeySet
from adapters.identity.tokens import issue, verify
from adapters.messaging.errors import error_of

if TYPE_CHECKING:
    from collections.abc import Callable

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
ISSUER, AUDIENCE = "callbacks", "callbacks"
KEYS = KeySet.new(NOW)


def _issue(keys: KeySet = KEYS, **overrides: Any) -> str:
    args: dict[str, Any] = {
        "actor": "ivr-1",
        "role": "IVR",
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "ttl_seconds": 3600,
    }
    return issue(keys, **(args | overrides))


def _verify(token: str, keys: KeySet = KEYS) -> Any:
    return verify(token, lambda: keys, issuer=ISSUER, audience=AUDIENCE)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_names_its_actor_role_issuer_and_key() -> None:
    before = time.time()
    claims = _verify(_issue(role="ivr"))  # roles in any case
    assert (claims.actor, claims.role, claims.issuer) == ("ivr-1", "IVR", ISSUER)
    assert claims.key_id == KEYS.active
    assert before + 3600 - 1 <= claims.expires_at <= time.time() + 3600
    header = jwt.get_unverified_header(_issue())
    assert header == {"alg": "EdDSA", "kid": KEYS.active, "typ": "JWT"}
    assert set(jwt.decode(_issue(), options={"verify_signature": False})) == {
        "sub", "role", "iss", "aud", "iat", "exp", "jti"
    }  # fmt: skip


def test_each_token_has_its_own_id() -> None:
    assert _verify(_issue()).token_id != _verify(_issue()).token_id


def test_issue_refuses_an_unknown_role_or_an_empty_actor() -> None:
    with pytest.raises(ValueError, match="unknown role 'ROOT'"):
        _issue(role="ROOT")
    with pytest.raises(ValueError, match="actor must be"):
        _issue(actor="  ")


def _forged_none() -> str:
    claims = jwt.decode(_issue(), options={"verify_signature": False})
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': KEYS.active})}.{_b64(claims)}."


def _forged_hs256() -> str:
    """Algorithm confusion: HMAC keyed with something an attacker may know."""
    claims = jwt.decode(_issue(), options={"verify_signature": False})
    return jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"kid": KEYS.active})


def _other_key_same_kid() -> str:
    claims = jwt.decode(_issue(), options={"verify_signature": False})
    return jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": KEYS.active}
    )


def _tampered() -> str:
    header, _, signature = _issue().split(".")
    claims = jwt.decode(_issue(), options={"verify_signature": False}) | {"role": "ADMIN"}
    return f"{header}.{_b64(claims)}.{signature}"


def _without(claim: str) -> str:
    claims = jwt.decode(_issue(), options={"verify_signature": False})
    del claims[claim]
    signing = KEYS.signing_key()
    return jwt.encode(claims, signing.private_key, algorithm="EdDSA", headers={"kid": signing.kid})


REFUSED: dict[str, tuple[Callable[[], str], str]] = {
    "malformed": (lambda: "not.a.token", "malformed"),
    "empty": (lambda: "", "malformed"),
    "expired": (lambda: _issue(now=time.time() - 7200), "expired"),
    "alg none": (_forged_none, "algorithm is not accepted"),
    "alg HS256": (_forged_hs256, "algorithm is not accepted"),
    "wrong signature": (_other_key_same_kid, "signature does not verify"),
    "tampered claims": (_tampered, "signature does not verify"),
    "unknown kid": (lambda: _issue(KeySet.new(NOW)), "unknown or retired key"),
    "wrong issuer": (lambda: _issue(issuer="someone-else"), "unknown issuer"),
    "wrong audience": (lambda: _issue(audience="another-service"), "another audience"),
    "no expiry": (lambda: _without("exp"), "lacks the 'exp' claim"),
    "no role": (lambda: _without("role"), "lacks the 'role' claim"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_refused_tokens_answer_unauthenticated(kind: str) -> None:
    make, reason = REFUSED[kind]
    with pytest.raises(UnauthenticatedError, match=reason) as e:
        _verify(make())
    code, message, details = error_of(e.value)
    assert code == "unauthenticated"
    assert message.startswith("the request carries no valid token: ")
    assert details == []


def test_a_token_of_a_rotated_out_key_verifies_until_the_key_is_retired() -> None:
    old = KeySet.new(NOW)
    token = _issue(old)
    rotated = old.rotated(NOW)
    assert _verify(token, rotated).key_id == old.active
    assert jwt.get_unverified_header(_issue(rotated))["kid"] == rotated.active
    with pytest.raises(UnauthenticatedError, match="unknown or retired key"):
        _verify(token, rotated.retired(old.active))


def test_a_role_this_service_does_not_know_is_refused() -> None:
    claims = jwt.decode(_issue(), options={"verify_signature": False}) | {"role": "ASSIGNER"}
    signing = KEYS.signing_key()
    token = jwt.encode(claims, signing.private_key, algorithm="EdDSA", headers={"kid": signing.kid})
    with pytest.raises(UnauthenticatedError, match="names no role"):
        _verify(token)
