"""HTTP in `callbacks serve`: every `/api` route answers exactly as its NATS subject.

One real service; each case goes through NATS and through `POST /api/…` and the two
envelopes are compared: the same bytes for reads and refusals, the same envelope for writes
once what legitimately differs (the new callbacks' ids, log positions, times, the
per-transport request values) is masked."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import nats.errors
import pytest

from tests.e2e.http_parity import (
    BOSS,
    IVR,
    KIM,
    MONITOR,
    SUPERVISOR,
    both,
    masked,
    served,
    via,
)

if TYPE_CHECKING:
    from tests.e2e.http_parity import Both

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
__all__ = ["both", "served"]  # the fixtures this module's tests take


async def test_every_case_answers_through_http_as_through_nats(both: Both) -> None:
    # The directory, through NATS only: both transports then act on the same agents.
    for agent_id in ("kim", "lee"):
        agent = {"agent_id": agent_id, "name": agent_id.title(), "permissions": ["call"]}
        assert (await both.nats("admin.agent-upsert", json.dumps(agent).encode(), BOSS))["ok"]

    # Writes: one callback per transport, taken through its life the same way.
    request = {"request_id": "par-{via}", "phone": "+82 10-7100-0001", "route": "r-{via}"}
    made = await both.alike("intake.request", request, IVR)
    ids = {"nats": made[0]["callback_id"], "http": made[1]["callback_id"]}
    assert ids["nats"] != ids["http"]

    def on_own(body: dict[str, Any]) -> dict[str, Any]:
        return {"callback_id": "{id}", **body}

    for subject, body, headers in [
        ("admin.assign", {"callback_ids": ["{id}"], "agent_ids": ["kim"]}, SUPERVISOR),
        ("agent.kim.dial", on_own({}), KIM),
        ("agent.kim.dial-result", on_own({"outcome": "NO_ANSWER"}), KIM),
        ("agent.kim.dial", on_own({}), KIM),
        ("agent.kim.complete", on_own({}), KIM),
    ]:
        nats_body = json.loads(json.dumps(body).replace("{id}", ids["nats"]))
        http_body = json.loads(json.dumps(body).replace("{id}", ids["http"]))
        over_nats = await both.nats(subject, json.dumps(nats_body).encode(), headers)
        status, over_http = await both.post(subject, json.dumps(http_body).encode(), headers)
        assert over_nats["ok"] and status == 200, (subject, over_nats, over_http)
        assert masked(over_http, "http") == masked(over_nats, "nats"), (over_nats, over_http)
    position = over_http["data"]["log_position"]

    # Reads of one state: the same bytes give the same envelope.
    for subject, body in [
        ("query.get", {"callback_id": ids["http"], "min_position": position}),
        ("query.history", {"callback_id": ids["nats"]}),
        ("query.list", {"route": "r-http"}),
        ("query.search", {"phone": "+82 10-7100-0001"}),
        ("query.assignment-summary", {"route": "r-nats"}),
        ("query.agent-counts", {}),
        ("query.treatment-rate", {"by": "month", "from": "2026-01-01", "to": "2027-12-31"}),
        ("agent.kim.list", {}),
        ("agent.kim.pending", {}),
    ]:
        caller = KIM if subject.startswith("agent.") else MONITOR
        status, reply = await both.same(subject, body, caller)
        assert status == 200 and reply["ok"], (subject, reply)

    # Refusals: the same envelope, its code as the HTTP status.
    refusals: list[tuple[str, dict[str, Any] | bytes, dict[str, str], str, int]] = [
        ("intake.request", b"{not json", IVR, "invalid_request", 400),
        (
            "intake.request",
            {"request_id": "x", "phone": "abc", "route": "r"},
            IVR,
            "invalid_request",
            400,
        ),
        ("query.list", {"colour": "red"}, MONITOR, "invalid_request", 400),
        ("query.nope", {}, MONITOR, "invalid_request", 400),  # an unknown verb of a family
        ("admin.create", {}, {}, "unauthenticated", 401),  # no token
        ("admin.cancel", {"callback_ids": [ids["nats"]]}, MONITOR, "forbidden", 403),
        ("admin.agent-upsert", {"agent_id": "x", "name": "X"}, SUPERVISOR, "forbidden", 403),
        ("query.get", {"callback_id": str(uuid.uuid4())}, MONITOR, "not_found", 404),
        ("agent.kim.dial", {"callback_id": ids["nats"]}, KIM, "invalid_transition", 409),
    ]
    for subject, body, headers, code, http_status in refusals:
        status, reply = await both.same(subject, body, headers)
        assert (reply["ok"], reply["error"]["code"], status) == (False, code, http_status), (
            subject,
            reply,
        )


async def test_what_no_subject_answers_is_404_over_http_and_no_responders_over_nats(
    both: Both,
) -> None:
    for subject in ("intake.nope", "query.list.more", "agent.kim"):
        with pytest.raises(nats.errors.NoRespondersError):
            await both.nats(subject, b"{}", {})
        status, reply = await both.post(subject, b"{}", {})
        assert (status, reply["ok"], reply["error"]["code"]) == (404, False, "not_found")
    # A parameter that is no NATS token (a dot: more tokens) is no subject either.
    reply = await both.http.post("/api/agent/k.im/dial", content=b"{}")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    wrong_method = await both.http.get("/api/query/list")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "invalid_request"


async def test_header_names_in_any_case_and_a_body_over_the_limit(both: Both) -> None:
    # HTTP header names are case-insensitive: the caller is named however they are spelt.
    lower = {k.lower(): v for k, v in BOSS.items()}
    agent = {"agent_id": "choi", "name": "Choi"}
    status, reply = await both.post("admin.agent-upsert", json.dumps(agent).encode(), lower)
    assert (status, reply["ok"]) == (200, True), reply
    status, refused = await both.post("admin.agent-upsert", json.dumps(agent).encode(), {})
    assert (status, refused["error"]["code"]) == (401, "unauthenticated"), refused
    # NATS refuses such a message before sending it (max_payload); HTTP answers as the
    # table's parsing refuses a body over 1 MiB.
    status, reply = await both.post("query.list", b" " * (2 * 1024 * 1024), MONITOR)
    assert (status, reply["error"]["code"]) == (400, "invalid_request")
    assert reply["error"]["details"][0]["field"] == "(body)", reply


async def test_intake_submit_is_answered_by_the_streams_publish_ack_both_ways(
    both: Both,
) -> None:
    outcomes: list[dict[str, Any]] = []

    async def keep(msg: Any) -> None:
        outcomes.append(json.loads(msg.data))

    await both.nc.subscribe(f"{both.prefix}.notify.intake", cb=keep)
    body = {"request_id": "sub-{via}", "phone": "+82 10-7200-0001", "route": "submitted"}
    msg_id = {"Nats-Msg-Id": f"m-{uuid.uuid4().hex}"}
    over_nats = await both.nats("intake.submit", via(body, "nats"), msg_id)
    status, over_http = await both.post("intake.submit", via(body, "http"), {})
    assert status == 200 and set(over_http) == set(over_nats) == {"stream", "seq"}
    assert over_http["stream"] == over_nats["stream"] and over_http["seq"] > over_nats["seq"]
    # The same Nats-Msg-Id through HTTP: JetStream's dedup answers as it would on NATS.
    status, again = await both.post("intake.submit", via(body, "nats"), msg_id)
    assert (status, again) == (200, {**over_nats, "duplicate": True})

    # What HTTP submitted became a callback, reported as the durable intake reports it.
    async def reported() -> bool:
        return any(o.get("request_id") == "sub-http" for o in outcomes)

    for _ in range(100):
        if await reported():
            break
        await anyio.sleep(0.05)
    assert await reported(), outcomes
