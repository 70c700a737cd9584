"""Every payload of CONTRACT.md is accepted as written there, and becomes the right command."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest

from adapters.messaging.messages import (
    AgentCountsQuery,
    AgentListQuery,
    AgentUpsertPayload,
    AssignmentSummaryQuery,
    AssignPayload,
    CancelPayload,
    CompletePayload,
    CreatePayload,
    DialPayload,
    DialResultPayload,
    FinishPayload,
    GetQuery,
    HealthQuery,
    HistoryQuery,
    IntakeAbandon,
    IntakeCancel,
    IntakeRequest,
    ListQuery,
    PendingQuery,
    PresencePayload,
    RecreatePayload,
    ReschedulePayload,
    SchedulePayload,
    SearchQuery,
    TreatmentRateQuery,
    UnassignPayload,
    parse,
)
from callback_domain import commands as c
from callback_domain.values import AssignMethod, CallbackType, DialOutcome, Permission
from tests.factories import ADMIN, IVR, SUPERVISOR, T0, agent

if TYPE_CHECKING:
    from pydantic import BaseModel

ID = "0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90"
ID2 = "5d1f6a0e-8b3c-4e2d-b1a4-7c9e0f2d3b64"
KST = timezone(timedelta(hours=9))
# The intake example of CONTRACT.md, comments removed.
INTAKE = {
    "request_id": "ivr-7f3a-000123",
    "phone": "+82 10-1234-5678",
    "route": "billing",
    "type": "IMMEDIATE",
    "desired_time": "2026-11-23T14:30:00+09:00",
    "customer_timezone": "Asia/Seoul",
    "routing": {"agent": "a-17"},
    "remark": "wants to talk about invoice",
    "origin_interaction_id": "call-991",
}
FILTERS = {
    "from": "2026-11-01T00:00:00+09:00",
    "to": "2026-12-01T00:00:00+09:00",
    "route": "billing",
    "status": "UNPROCESSED",
    "state": "ROUTING",
    "phone": "010-1234-5678",
    "agent": "a-17",
    "agent_team": "team-a",
    "assigner": "sv-1",
    "assigner_team": "team-s",
}
CONTRACT_EXAMPLES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (IntakeRequest, INTAKE),
    (IntakeRequest, {"request_id": "r-1", "phone": "1234567", "route": "billing"}),
    (SchedulePayload, {k: v for k, v in INTAKE.items() if k != "routing"}),
    (CreatePayload, INTAKE),
    (IntakeCancel, {"request_id": "ivr-7f3a-000123"}),
    (IntakeAbandon, {"callback_id": ID}),
    (DialPayload, {"callback_id": ID}),
    (DialResultPayload, {"callback_id": ID, "outcome": "ANSWERING_MACHINE"}),
    (CompletePayload, {"callback_id": ID}),
    (FinishPayload, {"callback_id": ID}),
    (AgentListQuery, {k: v for k, v in FILTERS.items() if k != "agent"}),
    (PendingQuery, {}),
    (
        AssignPayload,
        {
            "callback_ids": [ID, ID2],
            "agent_ids": ["a-17", "a-18"],
            "method": "EQUAL",
            "only_logged_in": False,
        },
    ),
    (UnassignPayload, {"callback_ids": [ID]}),
    (ReschedulePayload, {"callback_id": ID, "desired_time": "2026-11-24T10:00:00+09:00"}),
    (CancelPayload, {"callback_ids": [ID]}),
    (
        CancelPayload,
        {
            "all_in_range": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"},
            "filters": {"route": "billing", "state": "QUEUED"},
        },
    ),
    (RecreatePayload, {"callback_id": ID}),
    (
        AgentUpsertPayload,
        {"agent_id": "a-17", "name": "Kim", "teams": ["team-a"], "permissions": ["call", "assign"]},
    ),
    (HealthQuery, {}),
    (GetQuery, {"callback_id": ID}),
    (ListQuery, {**FILTERS, "page_size": 250, "cursor": "abc", "min_position": 42}),
    (SearchQuery, {"callback_id": ID}),
    (SearchQuery, {"phone": "+82 10-1234-5678"}),
    (SearchQuery, {"request_id": "ivr-7f3a-000123"}),
    (HistoryQuery, {"callback_id": ID}),
    (AssignmentSummaryQuery, FILTERS),
    (AgentCountsQuery, {"agent_ids": ["a-17"]}),
    (AgentCountsQuery, {}),
    (
        TreatmentRateQuery,
        {
            "from": "2026-11-01",
            "to": "2026-11-30",
            "by": "day",
            "route": "billing",
            "agent": "a-17",
        },
    ),
    (TreatmentRateQuery, {"from": "2026-01-01", "to": "2026-12-31", "by": "month"}),
    (PresencePayload, {"logged_in": True}),
]


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


@pytest.mark.parametrize(("model", "document"), CONTRACT_EXAMPLES)
def test_accepts_the_contracts_example(model: type[BaseModel], document: dict[str, Any]) -> None:
    parsed = parse(model, body(document))

    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == document


@pytest.mark.parametrize(
    "model",
    [
        HealthQuery,
        GetQuery,
        ListQuery,
        SearchQuery,
        HistoryQuery,
        AssignmentSummaryQuery,
        AgentCountsQuery,
        TreatmentRateQuery,
        AgentListQuery,
        PendingQuery,
    ],
)
def test_every_query_accepts_min_position(model: type[BaseModel]) -> None:
    document = next(d for m, d in CONTRACT_EXAMPLES if m is model)

    parsed = parse(model, body({**document, "min_position": 7}))

    assert parsed.min_position == 7  # type: ignore[attr-defined]


def test_takes_an_empty_body_as_an_empty_object() -> None:
    assert parse(PendingQuery, b"").min_position is None


def test_keeps_non_ascii_text_as_it_is() -> None:
    parsed = parse(IntakeRequest, body({**INTAKE, "remark": "청구서 문의 ☎"}))

    assert parsed.remark == "청구서 문의 ☎"


def test_lists_default_to_pages_of_fifty() -> None:
    assert parse(ListQuery, b"{}").page_size == 50


def test_treatment_rate_defaults_to_days() -> None:
    parsed = parse(TreatmentRateQuery, body({"from": "2026-11-01", "to": "2026-11-30"}))

    assert (parsed.from_, parsed.to, parsed.by) == (date(2026, 11, 1), date(2026, 11, 30), "day")


class TestIntakeConversion:
    def test_maps_routing_type_and_every_field(self) -> None:
        command = parse(IntakeRequest, body(INTAKE)).to_command(IVR, T0)

        assert command == c.RequestCallback(
            caller=IVR,
            at=T0,
            request_id="ivr-7f3a-000123",
            phone="+82 10-1234-5678",
            route="billing",
            callback_type=CallbackType.IMMEDIATE,
            desired_time=datetime(2026, 11, 23, 14, 30, tzinfo=KST),
            customer_timezone="Asia/Seoul",
            routing_agent="a-17",
            routing_team=None,
            remark="wants to talk about invoice",
            origin_interaction_id="call-991",
        )

    def test_leaves_the_type_to_the_core_when_not_given(self) -> None:
        document = {"request_id": "r", "phone": "1234567", "route": "b", "routing": {"team": "t"}}

        command = parse(IntakeRequest, body(document)).to_command(IVR, T0)

        assert (command.callback_type, command.routing_agent, command.routing_team) == (
            None,
            None,
            "t",
        )

    def test_times_carry_a_standard_library_offset(self) -> None:
        command = parse(IntakeRequest, body(INTAKE)).to_command(IVR, T0)

        assert command.desired_time is not None
        assert type(command.desired_time.tzinfo) is timezone


class TestCommandConversion:
    def test_assign(self) -> None:
        document = {"callback_ids": [ID, ID2], "agent_ids": ["a-1"], "only_logged_in": True}

        command = parse(AssignPayload, body(document)).to_command(SUPERVISOR, T0)

        assert command == c.AssignCallbacks(
            caller=SUPERVISOR,
            at=T0,
            callback_ids=(UUID(ID), UUID(ID2)),
            agent_ids=("a-1",),
            method=AssignMethod.MANUAL,
            only_logged_in=True,
        )
        assert isinstance(command.method, AssignMethod)

    def test_unassign(self) -> None:
        command = parse(UnassignPayload, body({"callback_ids": [ID]})).to_command(SUPERVISOR, T0)

        assert command == c.UnassignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(UUID(ID),))

    @pytest.mark.parametrize(
        ("model", "command_cls"),
        [
            (DialPayload, c.DialCallback),
            (CompletePayload, c.CompleteCallback),
            (FinishPayload, c.FinishCallback),
            (RecreatePayload, c.RecreateCallback),
        ],
    )
    def test_one_callback_verbs(self, model: Any, command_cls: Any) -> None:
        command = parse(model, body({"callback_id": ID})).to_command(agent("a-1"), T0)

        assert command == command_cls(caller=agent("a-1"), at=T0, callback_id=UUID(ID))

    def test_dial_result(self) -> None:
        payload = parse(DialResultPayload, body({"callback_id": ID, "outcome": "BUSY"}))

        command = payload.to_command(agent("a-1"), T0)

        assert command == c.RecordDialResult(
            caller=agent("a-1"), at=T0, callback_id=UUID(ID), outcome=DialOutcome.BUSY
        )

    def test_reschedule(self) -> None:
        document = {"callback_id": ID, "desired_time": "2026-11-24T10:00:00+09:00"}

        command = parse(ReschedulePayload, body(document)).to_command(ADMIN, T0)

        assert command == c.RescheduleCallback(
            caller=ADMIN,
            at=T0,
            callback_id=UUID(ID),
            desired_time=datetime(2026, 11, 24, 10, tzinfo=KST),
        )

    def test_cancel_by_ids(self) -> None:
        command = parse(CancelPayload, body({"callback_ids": [ID, ID2]})).to_command(ADMIN, T0)

        assert command == c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(UUID(ID), UUID(ID2)))

    def test_cancel_by_range_takes_the_ids_the_range_selected(self) -> None:
        document = {"all_in_range": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}}
        payload = parse(CancelPayload, body(document))

        with pytest.raises(ValueError, match="needs the ids"):
            payload.to_command(ADMIN, T0)
        command = payload.to_command(ADMIN, T0, selected=[UUID(ID2)])

        assert command.callback_ids == (UUID(ID2),)

    def test_cancel_by_range_gives_the_list_filters(self) -> None:
        document = {
            "all_in_range": {"from": "2026-11-01T00:00:00+09:00", "to": "2026-11-02T00:00:00Z"},
            "filters": {"route": "billing", "status": "REGISTERED", "agent": "a-1"},
        }

        filters = parse(CancelPayload, body(document)).range_filters()

        assert filters.from_ == datetime(2026, 11, 1, tzinfo=KST)
        assert (filters.route, filters.status, filters.agent) == ("billing", "REGISTERED", "a-1")
        assert type(filters.status) is str

    def test_agent_upsert(self) -> None:
        document = {
            "agent_id": "a-1",
            "name": "Kim",
            "teams": ["t1", "t2"],
            "permissions": ["assign"],
        }

        command = parse(AgentUpsertPayload, body(document)).to_command(ADMIN, T0)

        assert command == c.UpsertAgent(
            caller=ADMIN,
            at=T0,
            agent_id="a-1",
            name="Kim",
            teams=("t1", "t2"),
            permissions=(Permission.ASSIGN,),
        )

    def test_agent_upsert_defaults_to_the_call_permission(self) -> None:
        command = parse(AgentUpsertPayload, body({"agent_id": "a-1", "name": "Kim"})).to_command(
            ADMIN, T0
        )

        assert (command.teams, command.permissions) == ((), (Permission.CALL,))

    def test_presence_names_the_agent_of_the_subject(self) -> None:
        command = parse(PresencePayload, body({"logged_in": False})).to_command("a-9", ADMIN, T0)

        assert command == c.SetPresence(caller=ADMIN, at=T0, agent_id="a-9", logged_in=False)


def test_agent_list_filters_fix_the_agent_to_the_caller() -> None:
    filters = parse(AgentListQuery, body({"route": "billing"})).to_filters(agent="a-1")

    assert (filters.agent, filters.route, filters.from_) == ("a-1", "billing", None)
