"""Bad input is refused with invalid_request, and every detail names its JSON field."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from adapters.messaging.errors import error_of
from adapters.messaging.messages import (
    AgentCountsQuery,
    AgentListQuery,
    AgentUpsertPayload,
    AssignPayload,
    CancelPayload,
    DialResultPayload,
    IntakeAbandon,
    IntakeCancel,
    IntakeRequest,
    ListQuery,
    PresencePayload,
    ReschedulePayload,
    SearchQuery,
    TreatmentRateQuery,
    UnassignPayload,
    parse,
)
from adapters.messaging.messages.envelope import MAX_BODY_BYTES
from callback_domain.errors import InvalidRequestError

if TYPE_CHECKING:
    from pydantic import BaseModel

ID = "0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90"
INTAKE = {"request_id": "r-1", "phone": "+82 10-1234-5678", "route": "billing"}


def refusal(model: type[BaseModel], document: Any) -> dict[str, str]:
    """The refused fields, each with its message."""
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(InvalidRequestError) as refused:
        parse(model, raw)
    code, message, details = error_of(refused.value)
    assert code == "invalid_request"
    assert message.startswith("invalid request: ")
    assert details, "a refusal must name its fields"
    assert all(set(d) == {"field", "message"} for d in details)
    return {d["field"]: d["message"] for d in details}


class TestUnknownFields:
    def test_names_a_misspelt_field(self) -> None:
        fields = refusal(IntakeRequest, {**INTAKE, "remarks": "typo"})

        assert fields == {
            "remarks": "is not a field of this request; check its spelling or remove it"
        }

    def test_names_an_unknown_nested_field(self) -> None:
        fields = refusal(IntakeRequest, {**INTAKE, "routing": {"agnet": "a-1"}})

        assert set(fields) == {"routing.agnet"}

    def test_refuses_the_python_name_of_an_aliased_field(self) -> None:
        assert set(refusal(ListQuery, {"from_": "2026-11-01T00:00:00Z"})) == {"from_"}

    def test_the_agents_own_list_takes_no_agent(self) -> None:
        assert set(refusal(AgentListQuery, {"agent": "someone-else"})) == {"agent"}


class TestTypes:
    @pytest.mark.parametrize("value", ["yes", "true", 1, None])
    def test_a_bool_must_be_a_json_bool(self, value: Any) -> None:
        assert refusal(PresencePayload, {"logged_in": value}) == {
            "logged_in": "must be true or false"
        }

    @pytest.mark.parametrize("value", ["50", 50.0, True])
    def test_a_number_must_be_a_json_integer(self, value: Any) -> None:
        assert refusal(ListQuery, {"page_size": value}) == {"page_size": "must be a whole number"}

    def test_a_string_must_be_a_json_string(self) -> None:
        assert refusal(IntakeRequest, {**INTAKE, "phone": 821012345678}) == {
            "phone": "must be a string"
        }

    def test_a_callback_id_must_be_a_uuid(self) -> None:
        fields = refusal(UnassignPayload, {"callback_ids": [ID, ID, ID, "c-17"]})

        assert set(fields) == {"callback_ids.3"}
        assert fields["callback_ids.3"].startswith("must be a UUID")

    def test_names_each_allowed_value_of_an_enumeration(self) -> None:
        fields = refusal(DialResultPayload, {"callback_id": ID, "outcome": "HUNG_UP"})

        assert fields == {"outcome": "must be 'NO_ANSWER', 'BUSY', 'ANSWERING_MACHINE' or 'FAILED'"}

    def test_routed_is_not_an_assign_method_on_the_wire(self) -> None:
        fields = refusal(
            AssignPayload, {"callback_ids": [ID], "agent_ids": ["a"], "method": "ROUTED"}
        )

        assert fields == {"method": "must be 'MANUAL' or 'EQUAL'"}

    def test_a_list_must_be_a_list(self) -> None:
        assert refusal(UnassignPayload, {"callback_ids": ID}) == {"callback_ids": "must be a list"}

    def test_routing_must_be_an_object(self) -> None:
        assert refusal(IntakeRequest, {**INTAKE, "routing": "a-17"}) == {
            "routing": "must be an object"
        }

    def test_names_every_refused_field_at_once(self) -> None:
        fields = refusal(ListQuery, {"page_size": 0, "status": "DONE", "cursor": 5})

        assert set(fields) == {"page_size", "status", "cursor"}


class TestRequiredFields:
    def test_names_each_missing_field(self) -> None:
        assert refusal(IntakeRequest, {"route": "billing"}) == {
            "request_id": "is required",
            "phone": "is required",
        }

    def test_names_a_missing_nested_field(self) -> None:
        document = {"all_in_range": {"from": "2026-11-01T00:00:00Z"}}

        assert refusal(CancelPayload, document) == {"all_in_range.to": "is required"}


class TestTimes:
    def test_refuses_a_time_without_offset(self) -> None:
        fields = refusal(
            ReschedulePayload, {"callback_id": ID, "desired_time": "2026-11-24T10:00:00"}
        )

        assert fields == {"desired_time": "must carry a UTC offset, e.g. 2026-11-23T14:30:00+09:00"}

    @pytest.mark.parametrize("value", ["tomorrow", 1_795_000_000, "2026-11-24"])
    def test_refuses_anything_but_an_iso_time(self, value: Any) -> None:
        fields = refusal(ReschedulePayload, {"callback_id": ID, "desired_time": value})

        assert fields["desired_time"].startswith("must be an ISO 8601 time with a UTC offset")

    def test_names_a_naive_time_inside_a_range(self) -> None:
        document = {"all_in_range": {"from": "2026-11-01T00:00:00", "to": "2026-11-02T00:00:00Z"}}

        assert set(refusal(CancelPayload, document)) == {"all_in_range.from"}

    def test_treatment_rate_takes_dates_not_times(self) -> None:
        fields = refusal(TreatmentRateQuery, {"from": "2026-11-01T00:00:00Z", "to": "2026-11-30"})

        assert fields == {"from": "must be a date, e.g. 2026-11-23"}

    def test_treatment_rate_refuses_a_range_that_ends_before_it_starts(self) -> None:
        assert set(refusal(TreatmentRateQuery, {"from": "2026-11-30", "to": "2026-11-01"})) == {
            "to"
        }

    def test_treatment_rate_by_day_spans_at_most_366_days(self) -> None:
        parse(TreatmentRateQuery, b'{"from": "2024-01-01", "to": "2024-12-31"}')

        assert set(refusal(TreatmentRateQuery, {"from": "2024-01-01", "to": "2025-01-01"})) == {
            "to"
        }


class TestSizes:
    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("request_id", 200),
            ("phone", 64),
            ("route", 100),
            ("remark", 500),
            ("origin_interaction_id", 200),
            ("customer_timezone", 64),
        ],
    )
    def test_bounds_each_intake_string(self, field: str, limit: int) -> None:
        parse(IntakeRequest, json.dumps({**INTAKE, field: "x" * limit}).encode())

        fields = refusal(IntakeRequest, {**INTAKE, field: "x" * (limit + 1)})

        assert fields == {field: f"must be at most {limit} characters"}

    def test_bounds_agent_and_team_ids(self) -> None:
        fields = refusal(
            AgentUpsertPayload, {"agent_id": "a" * 65, "name": "n", "teams": ["t" * 65]}
        )

        assert set(fields) == {"agent_id", "teams.0"}

    @pytest.mark.parametrize(
        ("model", "document", "field", "limit"),
        [
            (UnassignPayload, {"callback_ids": [ID] * 1001}, "callback_ids", 1000),
            (AssignPayload, {"callback_ids": [ID], "agent_ids": ["a"] * 501}, "agent_ids", 500),
            (AgentCountsQuery, {"agent_ids": ["a"] * 501}, "agent_ids", 500),
            (AgentUpsertPayload, {"agent_id": "a", "name": "n", "teams": ["t"] * 51}, "teams", 50),
        ],
    )
    def test_bounds_each_list(self, model: Any, document: Any, field: str, limit: int) -> None:
        assert refusal(model, document) == {field: f"may hold at most {limit} items"}

    @pytest.mark.parametrize(
        ("size", "message"), [(0, "must be at least 1"), (251, "must be at most 250")]
    )
    def test_bounds_the_page_size(self, size: int, message: str) -> None:
        assert refusal(ListQuery, {"page_size": size}) == {"page_size": message}

    def test_bounds_the_cursor(self) -> None:
        assert refusal(ListQuery, {"cursor": "c" * 501}) == {
            "cursor": "must be at most 500 characters"
        }

    def test_refuses_a_negative_min_position(self) -> None:
        assert refusal(ListQuery, {"min_position": -1}) == {"min_position": "must be at least 0"}


class TestExactlyOne:
    def test_routing_names_an_agent_or_a_team_not_both(self) -> None:
        fields = refusal(IntakeRequest, {**INTAKE, "routing": {"agent": "a", "team": "t"}})

        assert set(fields) == {"routing.team"}

    @pytest.mark.parametrize(
        ("document", "field"),
        [
            ({}, "callback_ids"),
            (
                {
                    "callback_ids": [ID],
                    "all_in_range": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"},
                },
                "all_in_range",
            ),
            ({"callback_ids": [ID], "filters": {"route": "billing"}}, "filters"),
        ],
    )
    def test_cancel_takes_ids_or_a_range(self, document: Any, field: str) -> None:
        assert set(refusal(CancelPayload, document)) == {field}

    @pytest.mark.parametrize(
        ("document", "field"),
        [({}, "callback_id"), ({"phone": "1234567", "request_id": "r-1"}, "request_id")],
    )
    def test_search_takes_exactly_one_key(self, document: Any, field: str) -> None:
        fields = refusal(SearchQuery, document)

        assert set(fields) == {field}
        assert "callback_id, phone or request_id" in fields[field]

    @pytest.mark.parametrize("model", [IntakeCancel, IntakeAbandon])
    def test_withdrawals_name_the_request_or_the_callback(self, model: type[BaseModel]) -> None:
        assert set(refusal(model, {"request_id": "r-1", "callback_id": ID})) == {"callback_id"}
        assert set(refusal(model, {})) == {"request_id"}


class TestBodies:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"\xff\xfe{}", "must be UTF-8 text"),
            (b"{", "must be JSON"),
            (b"not json", "must be JSON"),
            (b'{"a": NaN}', "must be JSON (NaN is not a JSON number)"),
            (b'{"a": "\\ud800"}', "must be JSON"),
            (b"[]", "must be a JSON object"),
            (b'"text"', "must be a JSON object"),
            (b"null", "must be a JSON object"),
            (b'{"route": "a", "route": "b"}', "must not repeat the key 'route' in one object"),
        ],
    )
    def test_refuses_a_body_that_is_not_one_json_object(self, raw: bytes, message: str) -> None:
        fields = refusal(ListQuery, raw)

        assert list(fields) == ["(body)"]
        assert fields["(body)"].startswith(message)

    def test_refuses_nesting_deeper_than_32_levels(self) -> None:
        deepest_allowed = b'{"x":' + b"[" * 31 + b"]" * 31 + b"}"
        too_deep = b'{"x":' + b"[" * 32 + b"]" * 32 + b"}"
        assert set(refusal(ListQuery, deepest_allowed)) == {"x"}  # refused as unknown, not as deep

        assert refusal(ListQuery, too_deep) == {
            "(body)": "must not nest objects and arrays more than 32 levels deep"
        }

    def test_refuses_nesting_too_deep_for_the_json_parser(self) -> None:
        assert set(refusal(ListQuery, b"[" * 100_000)) == {"(body)"}

    def test_refuses_a_body_over_one_mebibyte_before_reading_it(self) -> None:
        raw = json.dumps({"remark": "x" * MAX_BODY_BYTES}).encode()

        assert refusal(IntakeRequest, raw) == {
            "(body)": f"must be at most {MAX_BODY_BYTES} bytes (1 MiB)"
        }
