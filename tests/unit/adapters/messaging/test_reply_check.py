"""The reply check used by the end-to-end tests catches undocumented and mistyped fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.e2e.reply_check import catalog_name, check_reply

ITEM = {
    "callback_id": "7b0f3c4e-8f1e-4c55-9f5a-3d7c2f9a1b20",
    "request_id": "r-1",
    "requested_at": "2026-11-23T10:00:00+09:00",
    "desired_time": None,
    "route": "billing",
    "state": "QUEUED",
    "status": "REGISTERED",
    "reason": None,
    "phone": "+821012345678",
    "assigner": None,
    "agent": None,
    "team": None,
    "attempts": 0,
    "type": "IMMEDIATE",
    "customer_timezone": None,
    "remark": None,
    "overdue": False,
}


def test_subjects_map_to_catalog_names() -> None:
    assert catalog_name("agent.kim.dial-result") == "agent.dial-result"
    assert catalog_name("cti.presence.kim") == "cti.presence"
    assert catalog_name("query.list") == "query.list"


def test_a_documented_reply_passes() -> None:
    check_reply("query.list", {"items": [ITEM], "next_cursor": None, "total": 1, "log_position": 3})


def test_an_undocumented_nested_field_is_caught() -> None:
    with pytest.raises(AssertionError, match=r"items\.0\.secret"):
        check_reply(
            "query.list",
            {"items": [{**ITEM, "secret": 1}], "next_cursor": None, "total": 1, "log_position": 3},
        )


def test_a_mistyped_or_missing_field_is_caught() -> None:
    with pytest.raises(ValidationError):
        check_reply(
            "query.health",
            {
                "status": "ok",
                "version": "1",
                "log_position": "x",
                "views_position": 0,
                "views_lag": 0,
            },
        )
    with pytest.raises(ValidationError):
        check_reply("query.list", {"items": [], "total": 0, "log_position": 0})
