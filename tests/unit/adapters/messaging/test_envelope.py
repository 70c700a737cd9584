"""Replies are CONTRACT.md's envelope: compact UTF-8 JSON, ok with data or an error."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from adapters.messaging.messages import DialPayload, error, error_reply, ok, parse
from adapters.messaging.messages.envelope import Envelope, ErrorReply, OkReply
from callback_domain.errors import CallbackNotFoundError

ID = UUID("0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90")


def test_ok_wraps_data_in_compact_utf8_json() -> None:
    assert (
        ok({"remark": "청구서", "n": 1}) == '{"ok":true,"data":{"remark":"청구서","n":1}}'.encode()
    )


def test_ok_converts_ids_and_times() -> None:
    at = datetime(2026, 11, 23, 14, 30, tzinfo=timezone(timedelta(hours=9)))

    reply = json.loads(ok({"callback_id": ID, "at": at}))

    assert reply["data"] == {"callback_id": str(ID), "at": "2026-11-23T14:30:00+09:00"}


def test_ok_takes_a_model_by_its_json_names() -> None:
    payload = parse(DialPayload, json.dumps({"callback_id": str(ID)}).encode())

    assert json.loads(ok(payload)) == {"ok": True, "data": {"callback_id": str(ID)}}


def test_ok_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(ValueError, match="JSON"):
        ok({"rate": float("nan")})


def test_error_carries_code_message_and_details() -> None:
    detail = {"field": "phone", "message": "is required"}

    raw = error("invalid_request", "invalid request: phone: is required", [detail])

    assert json.loads(raw) == {
        "ok": False,
        "error": {
            "code": "invalid_request",
            "message": "invalid request: phone: is required",
            "details": [detail],
        },
    }


def test_error_details_default_to_an_empty_list() -> None:
    assert json.loads(error("conflict", "try again"))["error"]["details"] == []


def test_error_reply_maps_a_refusal() -> None:
    reply = json.loads(error_reply(CallbackNotFoundError(callback_id=ID)))

    assert reply["error"] == {"code": "not_found", "message": f"no callback {ID}", "details": []}


def test_both_replies_match_the_envelope_model() -> None:
    assert isinstance(Envelope.model_validate_json(ok({"a": 1})).root, OkReply)
    assert isinstance(
        Envelope.model_validate_json(error_reply(RuntimeError("boom"))).root, ErrorReply
    )
