"""An organisation's OpenID Connect provider, played by a JWKS served on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from adapters.entrypoints.mistakes import OperatorError
from adapters.identity.errors import UnauthenticatedError
from adapters.identity.key_file import KeyFile
from adapters.identity.oidc import OidcVerifier, oidc_of, url_keys
from adapters.identity.tokens import issue
from adapters.identity.verifier import Verifier

if TYPE_CHECKING:
    from collections.abc import Iterator

    from adapters.settings import Settings

ISSUER = "https://login.example.test/realms/cc"
AUDIENCE = "callbacks-service"


class Provider:
    """A provider's signing keys and the JWKS document a loopback server serves."""

    def __init__(self) -> None:
        self.private: dict[str, tuple[str, Any]] = {}
        self.published: list[str] = []
        self.fetches = 0

    def add(self, kid: str, alg: str) -> None:
        key = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if alg == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        self.private[kid] = (alg, key)
        self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            alg, key = self.private[kid]
            to_jwk = RSAAlgorithm.to_jwk if alg == "RS256" else ECAlgorithm.to_jwk
            keys.append(
                to_jwk(key.public_key(), as_dict=True) | {"kid": kid, "alg": alg, "use": "sig"}
            )
        return {"keys": keys}

    def token(self, kid: str, **claims: Any) -> str:
        alg, key = self.private[kid]
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "preferred_username": "han.supervisor",
            "role": "supervisor",
        } | claims
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    idp = Provider()
    idp.add("rsa-1", "RS256")
    idp.add("ec-1", "ES256")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            idp.fetches += 1
            body = json.dumps(idp.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield idp, f"http://127.0.0.1:{server.server_address[1]}/certs"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _verifier(url: str, **options: Any) -> OidcVerifier:
    return OidcVerifier(
        issuer=ISSUER, audience=AUDIENCE, key_for=url_keys(url, cooldown_seconds=0), **options
    )


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
def test_rs256_and_es256_tokens_map_to_actor_and_role(
    provider: tuple[Provider, str], kid: str
) -> None:
    idp, url = provider
    claims = _verifier(url).verify(idp.token(kid))
    assert (claims.actor, claims.role, claims.issuer, claims.key_id) == (
        "han.supervisor", "SUPERVISOR", ISSUER, None
    )  # fmt: skip


def test_a_rotated_provider_key_is_fetched_and_a_removed_one_refused(
    provider: tuple[Provider, str],
) -> None:
    idp, url = provider
    verifier = _verifier(url)
    old = idp.token("rsa-1")
    verifier.verify(old)
    idp.add("rsa-2", "RS256")
    idp.published = ["rsa-2"]  # the provider rotated and dropped rsa-1
    assert verifier.verify(idp.token("rsa-2")).actor == "han.supervisor"
    with pytest.raises(UnauthenticatedError, match="unknown key"):
        verifier.verify(old)


def test_a_token_of_an_unknown_kid_is_refused(provider: tuple[Provider, str]) -> None:
    idp, url = provider
    idp.add("never-published", "ES256")
    idp.published.remove("never-published")
    with pytest.raises(UnauthenticatedError, match="unknown key"):
        _verifier(url).verify(idp.token("never-published"))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-app"}, "another audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"role": "janitor"}, "holds none of"),
        ({"role": None}, "holds none of"),
        ({"preferred_username": ""}, "names no actor"),
    ],
)
def test_refused_provider_tokens(
    provider: tuple[Provider, str], claims: dict[str, Any], reason: str
) -> None:
    idp, url = provider
    with pytest.raises(UnauthenticatedError, match=reason):
        _verifier(url).verify(idp.token("ec-1", **claims))


def test_the_providers_public_key_as_an_hmac_secret_is_refused(
    provider: tuple[Provider, str],
) -> None:
    """Algorithm confusion: HS256 keyed with the RSA public key anyone can fetch."""
    idp, url = provider
    public_pem = (
        idp.private["rsa-1"][1]
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    claims = jwt.decode(idp.token("rsa-1"), options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"rsa-1","typ":"JWT"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = hmac.new(public_pem, header + b"." + body, hashlib.sha256).digest()
    forged = b".".join([header, body, base64.urlsafe_b64encode(signature).rstrip(b"=")])
    with pytest.raises(UnauthenticatedError, match="algorithm is not accepted"):
        _verifier(url).verify(forged.decode())


def test_claim_names_and_role_values_are_configurable(provider: tuple[Provider, str]) -> None:
    idp, url = provider
    verifier = _verifier(
        url, actor_claim="email", role_claim="groups", roles={"CC-Leads": "supervisor"}
    )
    token = idp.token("ec-1", email="kim@example.test", groups=["staff", "cc-leads", "agent"])
    claims = verifier.verify(token)
    assert (claims.actor, claims.role) == ("kim@example.test", "SUPERVISOR")  # the highest held
    assert verifier.verify(idp.token("ec-1", email="lee@x", groups=["Agent"])).role == "AGENT"


def test_the_verifier_chooses_the_provider_by_issuer_and_keeps_our_own_tokens(
    provider: tuple[Provider, str], settings: Settings
) -> None:
    idp, url = provider
    configured = settings.model_copy(
        update={"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": url}
    )
    verifier = Verifier.of(configured)
    assert verifier.verify(idp.token("rsa-1")).role == "SUPERVISOR"
    ours = issue(
        KeyFile.of(configured).current(),
        actor="ivr-1",
        role="IVR",
        issuer="callbacks",
        audience="callbacks",
        ttl_seconds=60,
    )
    assert verifier.verify(ours).issuer == "callbacks"
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60, "role": "admin",
         "preferred_username": "mallory"},
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )  # fmt: skip
    with pytest.raises(UnauthenticatedError, match="signature does not verify"):
        verifier.verify(forged)


def test_a_jwks_file_serves_as_well(
    provider: tuple[Provider, str], settings: Settings, tmp_path: Path
) -> None:
    idp, _ = provider
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(idp.jwks()))
    configured = settings.model_copy(
        update={"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_file": jwks}
    )
    oidc = oidc_of(configured)
    assert oidc is not None
    assert oidc.verify(idp.token("ec-1")).actor == "han.supervisor"
    idp.add("later", "ES256")
    with pytest.raises(UnauthenticatedError, match="unknown key"):
        oidc.verify(idp.token("later"))


@pytest.mark.parametrize(
    ("update", "setting"),
    [
        ({"oidc_audience": AUDIENCE}, "CALLBACKS_OIDC_JWKS_URL"),
        ({"oidc_jwks_url": "https://idp/certs"}, "CALLBACKS_OIDC_AUDIENCE"),
        ({"oidc_issuer": "callbacks", "oidc_jwks_url": "https://idp/c"}, "CALLBACKS_OIDC_ISSUER"),
        (
            {
                "oidc_audience": AUDIENCE,
                "oidc_jwks_url": "https://idp/c",
                "oidc_roles": {"x": "GOD"},
            },
            "CALLBACKS_OIDC_ROLES",
        ),
        (
            {"oidc_audience": AUDIENCE, "oidc_jwks_url": "file:///etc/passwd"},
            "CALLBACKS_OIDC_JWKS_URL",
        ),
        (
            {"oidc_audience": AUDIENCE, "oidc_jwks_file": Path("/nonexistent/jwks.json")},
            "CALLBACKS_OIDC_JWKS_FILE",
        ),
    ],
)
def test_incomplete_provider_settings_are_operator_mistakes(
    settings: Settings, update: dict[str, Any], setting: str
) -> None:
    with pytest.raises(OperatorError) as e:
        oidc_of(settings.model_copy(update={"oidc_issuer": ISSUER, **update}))
    assert e.value.setting == setting


def test_no_provider_configured_is_none(settings: Settings) -> None:
    assert oidc_of(settings) is None
