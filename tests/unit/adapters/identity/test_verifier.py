"""The verifier in front of every request: the bearer header, and claims remembered per
token until it expires or its key is retired."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from adapters.identity.errors import UnauthenticatedError
from adapters.identity.key_file import KeyFile
from adapters.identity.keys import KeySet
from adapters.identity.tokens import issue
from adapters.identity.verifier import Verifier, bearer_token

if TYPE_CHECKING:
    from adapters.settings import Settings

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _token(keys: KeySet, actor: str = "ivr-1", ttl: float = 3600) -> str:
    return issue(
        keys, actor=actor, role="IVR", issuer="callbacks", audience="callbacks", ttl_seconds=ttl
    )


def test_the_bearer_header_in_any_case() -> None:
    assert bearer_token({"Authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"authorization": "bearer  abc "}) == "abc"


@pytest.mark.parametrize(
    "headers",
    [None, {}, {"Authorization": ""}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
def test_no_bearer_token_is_unauthenticated(headers: dict[str, str] | None) -> None:
    with pytest.raises(UnauthenticatedError, match="Authorization: Bearer <token>"):
        bearer_token(headers)


def test_the_same_token_is_verified_once_then_remembered() -> None:
    keys = KeySet.new(NOW)
    verifier = Verifier(lambda: keys, issuer="callbacks", audience="callbacks")
    token = _token(keys)
    first = verifier.verify_headers({"Authorization": f"Bearer {token}"})
    assert verifier.verify(token) is first  # the remembered claims, not a second decoding
    assert verifier.verify(_token(keys)) is not first


def test_remembered_claims_expire_with_their_token() -> None:
    keys, clock = KeySet.new(NOW), Clock()
    verifier = Verifier(lambda: keys, issuer="callbacks", audience="callbacks", clock=clock)
    token = _token(keys, ttl=60)
    verifier.verify(token)
    clock.now += 61
    with pytest.raises(UnauthenticatedError, match="expired"):
        verifier.verify(token)


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    keys = KeySet.new(NOW)
    verifier = Verifier(lambda: keys, issuer="callbacks", audience="callbacks", cache_size=2)
    a, b, c = (_token(keys, actor) for actor in "abc")
    claims_a = verifier.verify(a)
    claims_b = verifier.verify(b)
    assert verifier.verify(a) is claims_a  # a is now the most recently used
    verifier.verify(c)  # evicts b
    assert verifier.verify(a) is claims_a
    assert verifier.verify(b) is not claims_b


def test_retiring_a_key_revokes_its_remembered_tokens_in_a_running_service(
    settings: Settings,
) -> None:
    service = Verifier.of(settings)
    operator = KeyFile.of(settings)
    leaked = _token(operator.current())
    assert service.verify(leaked).actor == "ivr-1"
    rotated = operator.current().rotated(NOW)
    operator.save(rotated)
    assert service.verify(leaked).actor == "ivr-1"  # rotation alone keeps old tokens valid
    fresh = _token(rotated)
    operator.save(rotated.retired(rotated.keys[0].kid))
    with pytest.raises(UnauthenticatedError, match="unknown or retired key"):
        service.verify(leaked)
    assert service.verify(fresh).actor == "ivr-1"


def test_settings_name_the_issuer_and_audience(settings: Settings) -> None:
    ours = settings.model_copy(update={"token_issuer": "cc-seoul", "token_audience": "cb"})
    keys = KeyFile.of(ours).current()
    token = issue(keys, actor="a", role="AGENT", issuer="cc-seoul", audience="cb", ttl_seconds=60)
    assert Verifier.of(ours).verify(token).issuer == "cc-seoul"
    with pytest.raises(UnauthenticatedError, match="unknown issuer"):
        Verifier.of(settings).verify(token)


def test_a_token_verified_once_is_known_without_another_signature_check(
    settings: Settings,
) -> None:
    """The hot path: a known token is a dictionary lookup (callers.Identity.claims); only
    an unknown one goes to a worker thread for `verify`."""
    verifier = Verifier.of(settings)
    token = issue(
        KeyFile.of(settings).current(),
        actor="ivr-1",
        role="IVR",
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=60,
    )
    assert verifier.known(token) is None
    claims = verifier.verify(token)
    assert verifier.known(token) == claims
    assert verifier.known("not-a-token") is None
