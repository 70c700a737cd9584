"""Identity over the wire, against `callbacks serve`: the cases of issue 12 with their
fixed answers, every kind of refused token, a rotated-out key, an OpenID Connect token,
logging in, and the audit trail."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from adapters.identity.key_file import KeyFile
from adapters.identity.keys import KeySet
from adapters.identity.tokens import issue
from adapters.identity.verifier import Verifier
from adapters.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

OIDC_ISSUER = "https://login.example.test/realms/cc"
OIDC_AUDIENCE = "callbacks-desktops"


def who(client: Client_, actor: str, role: str) -> dict[str, str]:
    assert client.tokens is not None
    return client.tokens.headers(actor, role)


async def directory(client: Client_) -> None:
    """ka and kb take callbacks; neither may assign; sv-han supervises every route."""
    for agent_id in ("ka", "kb"):
        await client.ok("admin.agent-upsert", {"agent_id": agent_id, "name": agent_id.upper()})
    await client.ok("admin.agent-upsert", {"agent_id": "nocall", "name": "N", "permissions": []})
    await client.ok("admin.user-upsert", {"user": "sv-han", "role": "SUPERVISOR"})


async def held_by(client: Client_, agent: str, request_id: str, phone: str) -> str:
    made = await client.ok(
        "intake.request", {"request_id": request_id, "phone": phone, "route": "billing"}
    )
    await client.ok("admin.assign", {"callback_ids": [made["callback_id"]], "agent_ids": [agent]})
    return str(made["callback_id"])


async def head(client: Client_) -> int:
    return int((await client.ok("query.health"))["log_position"])


# ------------------------------------------------ the issue's second paragraph, fixed answers


async def test_headers_claiming_admin_grant_nothing(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    before = await head(client)
    forged = {"Callbacks-Actor": "sv-han", "Callbacks-Role": "ADMIN"}
    body = {"agent_id": "mallory", "name": "M", "permissions": ["call", "assign"]}
    no_token = await client.ask("admin.agent-upsert", body, Authorization="", **_h(forged))
    as_supervisor = await client.raw(
        "admin.agent-upsert",
        json.dumps(body).encode(),
        {**forged, **who(client, "sv-han", "SUPERVISOR")},
    )
    assert no_token["error"]["code"] == "unauthenticated"
    assert as_supervisor["error"]["code"] == "forbidden"
    assert await head(client) == before
    counts = await client.ok("query.agent-counts", {})
    assert "mallory" not in {a["agent_id"] for a in counts["agents"]}


async def test_an_agent_may_not_list_every_callback(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    await held_by(client, "ka", "r-1", "+82 10-1000-0001")
    reply = await client.raw(
        "query.list", b"{}", {"Callbacks-Actor": "kim", **who(client, "kb", "AGENT")}
    )
    assert reply["error"]["code"] == "forbidden"


async def test_completing_another_agents_callback_is_not_found_not_its_state(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    theirs = await held_by(client, "ka", "r-2", "+82 10-1000-0002")
    reply = await client.ask("agent.kb.complete", {"callback_id": theirs})
    assert reply["error"]["code"] == "not_found"
    assert "ROUTING" not in json.dumps(reply) and "invalid_transition" not in json.dumps(reply)


async def test_an_agent_without_call_or_not_in_the_directory_is_forbidden(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    no_call = await client.ask("agent.nocall.list", {})
    unknown = await client.ask("agent.ghost.list", {})
    assert no_call["error"]["code"] == "forbidden"
    assert unknown["error"]["code"] == "forbidden"


# ------------------------------------------------------------ the independent test's findings


async def test_a_fake_or_case_variant_actor_gains_nothing_and_the_audit_names_the_token(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    made = await client.ok(
        "intake.request", {"request_id": "r-3", "phone": "+82 10-1000-0003", "route": "billing"}
    )
    body = json.dumps({"callback_ids": [made["callback_id"]], "agent_ids": ["ka"]}).encode()
    forged = {"Callbacks-Role": "ADMIN"}
    for actor in ("kb", "kb-fake", "KA"):
        reply = await client.raw("admin.assign", body, {**forged, **who(client, actor, "AGENT")})
        assert reply["error"]["code"] == "forbidden", (actor, reply)
    done = await client.raw("admin.assign", body, who(client, "sv-han", "SUPERVISOR"))
    assert done["ok"], done
    history = await client.ok(
        "query.history",
        {"callback_id": made["callback_id"], "min_position": done["data"]["log_position"]},
    )
    assigned = [e for e in history["events"] if e["type"] == "Assigned"]
    assert [(e["actor"], e["role"], e["issuer"]) for e in assigned] == [
        ("sv-han", "SUPERVISOR", "callbacks")
    ]
    requested = history["events"][0]
    assert (requested["actor"], requested["role"], requested["issuer"]) == (
        "ivr",
        "IVR",
        "callbacks",
    )


async def test_probes_of_another_agents_callback_learn_nothing(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    theirs = await held_by(client, "ka", "ka-req", "+82 10-1000-0004")
    await client.ok("agent.ka.dial", {"callback_id": theirs})
    dial = await client.ask("agent.kb.dial", {"callback_id": theirs})
    same_id = await client.ask(
        "agent.kb.schedule",
        {"request_id": "ka-req", "phone": "+82 10-9999-0000", "route": "billing"},
    )
    same_phone = await client.ask(
        "agent.kb.schedule",
        {"request_id": "kb-own", "phone": "+82 10-1000-0004", "route": "billing"},
    )
    assert dial["error"]["code"] == "not_found"
    assert same_id["error"]["code"] == "invalid_request"
    for reply in (dial, same_id):
        text = json.dumps(reply)
        assert "PROCESSING" not in text and "another callback" not in text
    assert same_id["error"]["details"][0]["field"] == "request_id"
    assert theirs not in json.dumps(same_id)
    assert same_phone["ok"] and same_phone["data"]["callback_id"] != theirs
    assert not same_phone["data"]["duplicate"]


async def test_an_ivr_cancels_only_what_it_submitted(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    await directory(client)
    ivr_1, ivr_2 = who(client, "ivr-1", "IVR"), who(client, "ivr-2", "IVR")
    body = {"request_id": "ivr2-req", "phone": "+82 10-1000-0005", "route": "billing"}
    other = (await client.raw("intake.request", json.dumps(body).encode(), ivr_2))["data"]
    routing = await held_by(client, "ka", "admin-req", "+82 10-1000-0006")
    before = await head(client)
    for callback_id in (other["callback_id"], routing):
        reply = await client.raw(
            "intake.cancel", json.dumps({"callback_id": callback_id}).encode(), ivr_1
        )
        assert reply["ok"] and reply["data"]["cancelled"] == [], reply
        assert [s["reason"] for s in reply["data"]["skipped"]] == ["not_found"]
        assert reply["data"]["skipped"][0]["state"] is None
    assert await head(client) == before
    own = await client.raw("intake.cancel", json.dumps({"request_id": "ivr2-req"}).encode(), ivr_2)
    assert own["data"]["cancelled"] == [other["callback_id"]]


def _h(headers: dict[str, str]) -> dict[str, str]:
    """Headers as `Client_.ask` keyword arguments (`_` for `-`)."""
    return {k.replace("-", "_"): v for k, v in headers.items()}


# ------------------------------------------------------------------------ refused tokens


def _forged(settings: Settings, **claims: Any) -> str:
    """A token of ours with some claims changed, signed with the deployment's key."""
    signing = KeyFile.of(settings).current().signing_key()
    now = int(time.time())
    payload = {
        "sub": "admin",
        "role": "ADMIN",
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
    } | claims
    return jwt.encode(payload, signing.private_key, algorithm="EdDSA", headers={"kid": signing.kid})


async def test_every_kind_of_refused_token_is_unauthenticated(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    assert client.tokens is not None
    settings = client.tokens.settings
    stranger = KeySet.new(datetime.now(UTC))
    good = client.tokens.token("admin", "ADMIN")
    head_, payload, _ = good.split(".")
    refused = {
        "missing": None,
        "not a bearer": f"Basic {good}",
        "malformed": "Bearer not.a.token",
        "expired": "Bearer " + _forged(settings, exp=int(time.time()) - 3600),
        "wrong signature": f"Bearer {head_}.{payload}.{'A' * 86}",
        "alg none": "Bearer " + jwt.encode({"sub": "admin", "role": "ADMIN"}, None, "none"),
        "unknown key": "Bearer "
        + issue(
            stranger,
            actor="admin",
            role="ADMIN",
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=600,
        ),
        "wrong issuer": "Bearer " + _forged(settings, iss="someone-else"),
        "wrong audience": "Bearer " + _forged(settings, aud="another-service"),
        "no role of ours": "Bearer " + _forged(settings, role="KING"),
    }
    for kind, value in refused.items():
        headers = {"Authorization": value} if value is not None else {"Authorization": ""}
        reply = await client.raw("query.health", b"{}", headers)
        assert reply.get("error", {}).get("code") == "unauthenticated", (kind, reply)
    assert (await client.raw("query.health", b"{}", {"Authorization": f"Bearer {good}"}))["ok"]


async def test_a_token_of_a_retired_key_is_refused_while_the_service_runs(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()
    assert client.tokens is not None
    old = {"Authorization": f"Bearer {client.tokens.token('admin', 'ADMIN')}"}
    assert (await client.raw("query.health", b"{}", old))["ok"]
    keys = KeyFile.of(client.tokens.settings)
    rotated = keys.current().rotated(datetime.now(UTC))
    keys.save(rotated)
    new = {"Authorization": f"Bearer {client.tokens.token('admin', 'ADMIN')}"}
    assert (await client.raw("query.health", b"{}", old))["ok"]  # rotated: still accepted
    assert (await client.raw("query.health", b"{}", new))["ok"]
    keys.save(rotated.retired(rotated.keys[0].kid))
    reply = await client.raw("query.health", b"{}", old)
    assert reply["error"]["code"] == "unauthenticated"
    assert (await client.raw("query.health", b"{}", new))["ok"]


async def test_an_identity_providers_token_is_accepted(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "idp-1", "alg": "ES256"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    launch(
        CALLBACKS_OIDC_ISSUER=OIDC_ISSUER,
        CALLBACKS_OIDC_AUDIENCE=OIDC_AUDIENCE,
        CALLBACKS_OIDC_JWKS_FILE=str(jwks),
        CALLBACKS_OIDC_ROLES=json.dumps({"cc-supervisors": "SUPERVISOR"}),
    )
    now = int(time.time())
    claims = {
        "iss": OIDC_ISSUER,
        "aud": OIDC_AUDIENCE,
        "exp": now + 600,
        "iat": now,
        "preferred_username": "sv-oidc",
        "role": ["cc-supervisors"],
    }
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "idp-1"})
    me = await client.raw("auth.whoami", b"{}", {"Authorization": f"Bearer {token}"})
    assert me["ok"], me
    assert (me["data"]["actor"], me["data"]["role"], me["data"]["issuer"]) == (
        "sv-oidc",
        "SUPERVISOR",
        OIDC_ISSUER,
    )
    tampered = jwt.encode(
        claims | {"aud": "elsewhere"}, key, algorithm="ES256", headers={"kid": "idp-1"}
    )
    refused = await client.raw("auth.whoami", b"{}", {"Authorization": f"Bearer {tampered}"})
    assert refused["error"]["code"] == "unauthenticated"


# ---------------------------------------------------------------------------- logging in


async def test_people_log_in_with_passwords_rate_limited_per_user(
    launch: Callable[..., ServiceProcess], client: Client_, service_env: dict[str, str]
) -> None:
    service = launch()
    await directory(client)
    data_dir = Path(service_env["CALLBACKS_DATA_DIR"])
    password = (data_dir / "admin-password").read_text().strip()
    logged = await client.raw(
        "auth.login", json.dumps({"user": "admin", "password": password}).encode(), {}
    )
    assert logged["ok"], logged
    assert (logged["data"]["actor"], logged["data"]["role"]) == ("admin", "ADMIN")
    settings = Settings.load(data_dir=data_dir)
    assert Verifier.of(settings).verify(logged["data"]["token"]).actor == "admin"
    assert datetime.fromisoformat(logged["data"]["expires_at"]) > datetime.now(UTC) + timedelta(
        hours=11
    )
    admin = {"Authorization": f"Bearer {logged['data']['token']}"}
    await client.raw(
        "admin.password-set",
        json.dumps({"user": "ka", "password": "ka-secret-1"}).encode(),
        admin,
    )
    ka = await client.raw(
        "auth.login", json.dumps({"user": "ka", "password": "ka-secret-1"}).encode(), {}
    )
    assert ka["ok"] and ka["data"]["role"] == "AGENT"
    ka_token = {"Authorization": f"Bearer {ka['data']['token']}"}
    me = await client.raw("auth.whoami", b"{}", ka_token)
    assert me["data"]["permissions"] == ["call"] and me["data"]["actor"] == "ka"
    own = await client.raw(
        "admin.password-set",
        json.dumps({"user": "ka", "password": "ka-secret-2"}).encode(),
        ka_token,
    )
    assert own["ok"], own
    theirs = await client.raw(
        "admin.password-set",
        json.dumps({"user": "kb", "password": "kb-secret-2"}).encode(),
        ka_token,
    )
    assert theirs["error"]["code"] == "forbidden"
    for _ in range(5):
        wrong = await client.raw(
            "auth.login", json.dumps({"user": "ka", "password": "guess"}).encode(), {}
        )
        assert wrong["error"]["code"] == "unauthenticated"
    limited = await client.raw(
        "auth.login", json.dumps({"user": "ka", "password": "ka-secret-2"}).encode(), {}
    )
    assert limited["error"]["code"] == "unauthenticated"
    assert "too many failed logins" in limited["error"]["message"]
    assert "ka-secret" not in service.output()


def _json(**fields: str) -> bytes:
    return json.dumps(fields).encode()


async def test_the_development_mode_believes_headers_and_says_so(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch(CALLBACKS_AUTH="off")
    health = await client.raw("query.health", b"{}", {"Authorization": ""})
    assert health["ok"] and health["data"]["auth"] == "off"
    assert "WARNING: CALLBACKS_AUTH=off" in service.output()
    headers = {"Authorization": "", "Callbacks-Actor": "dev-1", "Callbacks-Role": "ADMIN"}
    me = await client.raw("auth.whoami", b"{}", headers)
    assert (me["data"]["actor"], me["data"]["role"], me["data"]["issuer"]) == (
        "dev-1",
        "ADMIN",
        "unverified",
    )


async def test_with_tokens_health_says_auth_on(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch()
    assert (await client.ok("query.health"))["auth"] == "on"
    assert "CALLBACKS_AUTH=off" not in service.output()


async def test_a_submitted_request_without_a_valid_token_is_refused_and_recorded_nowhere(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch()
    outcomes: list[dict[str, Any]] = []

    async def keep(msg: Any) -> None:
        outcomes.append(json.loads(msg.data))

    await client.nc.subscribe(f"{service.prefix}.notify.intake", cb=keep)
    js = client.nc.jetstream(timeout=10)
    before = await head(client)
    body = {"request_id": "no-token-1", "phone": "+82 10-1000-0009", "route": "billing"}
    await js.publish(f"{service.prefix}.intake.submit", json.dumps(body).encode())
    as_agent = {**body, "request_id": "agent-token-1"}
    await js.publish(
        f"{service.prefix}.intake.submit",
        json.dumps(as_agent).encode(),
        headers=who(client, "ka", "AGENT"),
    )
    for _ in range(200):
        if len(outcomes) == 2:
            break
        await asyncio.sleep(0.05)
    codes = {o["request_id"]: o["error"]["code"] for o in outcomes if not o["ok"]}
    assert codes == {"no-token-1": "unauthenticated", "agent-token-1": "forbidden"}
    assert await head(client) == before


async def test_a_route_limited_supervisor_reads_and_cancels_within_their_routes(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    """Lists, searches, summaries and a range cancel never name another route's callback."""
    launch()
    await client.ok(
        "admin.user-upsert", {"user": "sv-bill", "role": "SUPERVISOR", "routes": ["billing"]}
    )
    sv = who(client, "sv-bill", "SUPERVISOR")
    made = {}
    for route in ("billing", "tech"):
        body = {"request_id": f"r-{route}", "phone": "+82 10-1000-0010", "route": route}
        made[route] = (await client.ok("intake.request", body))["callback_id"]
    position = await head(client)
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    asks = [
        ("query.list", {"min_position": position}),
        ("query.search", {"phone": "+82 10-1000-0010"}),
        ("query.assignment-summary", {}),
        ("query.get", {"callback_id": made["tech"]}),
        ("query.history", {"callback_id": made["tech"]}),
        ("admin.cancel", {"all_in_range": window}),
    ]
    replies = {s: await client.raw(s, json.dumps(b).encode(), sv) for s, b in asks}
    for subject, reply in replies.items():  # get and history echo the id they were sent
        if subject not in ("query.get", "query.history"):
            assert made["tech"] not in json.dumps(reply), (subject, reply)
    assert [i["callback_id"] for i in replies["query.list"]["data"]["items"]] == [made["billing"]]
    assert replies["query.assignment-summary"]["data"]["total"] == 1
    assert replies["query.get"]["error"]["code"] == "not_found"
    assert replies["query.history"]["error"]["code"] == "not_found"
    assert replies["admin.cancel"]["data"]["cancelled"] == [made["billing"]]
    tech = await client.ok("query.get", {"callback_id": made["tech"]})
    assert tech["state"] == "QUEUED"
