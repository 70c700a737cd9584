"""The list filters, range cancel and local desired time on the wire (issue 13)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.messaging.messages import CancelPayload, IntakeRequest, ListQuery
from adapters.messaging.messages.envelope import parse
from adapters.messaging.messages.queries import TreatmentRateQuery
from callback_domain.errors import InvalidRequestError
from tests.factories import IVR, T0

KST = timezone(timedelta(hours=9))


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def refused(model: type[Any], document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidRequestError) as e:
        parse(model, body(document))
    return {d["field"]: d["message"] for d in e.value.details}


def test_range_cancel_by_desired_time_when_asked() -> None:
    span = {"from": "2026-11-01T00:00:00+09:00", "to": "2026-11-02T00:00:00+09:00"}

    by_desired = parse(CancelPayload, body({"all_in_range": {**span, "by": "desired"}}))
    by_default = parse(CancelPayload, body({"all_in_range": span}))

    desired = by_desired.range_filters()
    assert (desired.desired_from, desired.desired_to) == (
        datetime(2026, 11, 1, tzinfo=KST),
        datetime(2026, 11, 2, tzinfo=KST),
    )
    assert (desired.from_, desired.to) == (None, None)
    requested = by_default.range_filters()
    assert (requested.from_, requested.desired_from) == (datetime(2026, 11, 1, tzinfo=KST), None)
    assert set(refused(CancelPayload, {"all_in_range": {**span, "by": "due"}})) == {
        "all_in_range.by"
    }


def test_list_filters_take_several_values_and_the_new_fields() -> None:
    query = parse(
        ListQuery,
        body(
            {
                "route": ["billing", "tech"],
                "state": "QUEUED",
                "status": ["REGISTERED", "CANCELLED"],
                "type": ["SCHEDULED"],
                "desired_from": "2026-11-23T09:00:00+09:00",
                "desired_to": "2026-11-23T18:00:00+09:00",
                "overdue": True,
                "team": "care",
                "phone": "010-3333-4444",
                "phone_suffix": "4444",
            }
        ),
    )

    filters = query.to_filters()
    assert (filters.route, filters.state, filters.status, filters.callback_type) == (
        ("billing", "tech"),
        "QUEUED",
        ("REGISTERED", "CANCELLED"),
        ("SCHEDULED",),
    )
    assert (filters.team, filters.overdue, filters.phone_suffix) == ("care", True, "4444")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"phone_suffix": "123"}, "phone_suffix"),
        ({"phone_suffix": "12-34"}, "phone_suffix"),
        ({"route": []}, "route"),
        ({"state": ["QUEUED", "DONE"]}, "state"),
        ({"type": "LATER"}, "type"),
        (
            {
                "desired_from": "2026-11-23T09:00:00+09:00",
                "desired_to": "2026-11-23T08:00:00+09:00",
            },
            "desired_to",
        ),
        ({"desired_from": "2026-11-23T09:00:00"}, "desired_from"),
    ],
)
def test_malformed_list_filters_are_refused_by_name(document: dict[str, Any], field: str) -> None:
    assert set(refused(ListQuery, document)) == {field}


def test_treatment_rate_takes_team_and_phone() -> None:
    query = parse(
        TreatmentRateQuery,
        body({"from": "2026-11-01", "to": "2026-11-30", "team": "care", "phone": "010-1234-5678"}),
    )
    assert (query.team, query.phone) == ("care", "010-1234-5678")


def test_intake_takes_a_local_desired_time_without_an_offset() -> None:
    document = {"request_id": "r-1", "phone": "010-1234-5678", "route": "billing"}
    local = {"desired_local": "2026-12-01T14:30", "customer_timezone": "Asia/Seoul"}

    command = parse(IntakeRequest, body({**document, **local})).to_command(IVR, T0)

    assert command.desired_local == datetime(2026, 12, 1, 14, 30)
    assert command.customer_timezone == "Asia/Seoul"
    with_offset = {**document, **local, "desired_local": "2026-12-01T14:30:00+09:00"}
    assert set(refused(IntakeRequest, with_offset)) == {"desired_local"}
