"""Reply builders give exactly the keys of CONTRACT.md, plus log_position."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from adapters.messaging.messages import (
    AssignPayload,
    IntakeRequest,
    agent_saved_reply,
    attempts_reply,
    bulk_reply,
    cancel_reply,
    completion_reply,
    intake_reply,
    ok,
    parse,
    recreate_reply,
    reschedule_reply,
)
from adapters.views.places import NOT_QUEUED, Place
from callback_domain.errors import InvalidTransitionError
from callback_domain.lifecycle import CallbackState, CompletionReason, NhnStatus
from callback_domain.results import (
    AgentSaved,
    BulkResult,
    CallbackAccepted,
    CallbackChanged,
    CallbackRecreated,
    CancelResult,
    ItemResult,
    Skipped,
)
from tests.factories import IVR, SUPERVISOR, T0, add_agents, queued

if TYPE_CHECKING:
    from pydantic import BaseModel

    from callback_domain.application import CallbackService

A = UUID("0b3c6d2e-5f0a-4c1e-9a57-2f8d1e4b7c90")
B = UUID("5d1f6a0e-8b3c-4e2d-b1a4-7c9e0f2d3b64")
KST = timezone(timedelta(hours=9))


def wire(reply: BaseModel) -> dict[str, Any]:
    """A reply model as it goes on the wire."""
    return reply.model_dump(mode="json", by_alias=True)


def changed(**overrides: object) -> CallbackChanged:
    fields: dict[str, object] = {
        "callback_id": A,
        "state": CallbackState.ROUTING,
        "status": NhnStatus.UNPROCESSED,
        "reason": None,
        "attempts": 1,
        "agent_id": "a-1",
        "desired_time": None,
    }
    fields.update(overrides)
    return CallbackChanged(**fields)  # type: ignore[arg-type]


def test_intake_reply() -> None:
    accepted = CallbackAccepted(
        callback_id=A,
        request_id="r-1",
        route="billing",
        state=CallbackState.QUEUED,
        status=NhnStatus.REGISTERED,
        duplicate=False,
        queue_since=T0,
    )

    data = wire(intake_reply(accepted, place=Place(4, 720, "recent_rate"), log_position=9))

    assert data == {
        "callback_id": str(A),
        "state": "QUEUED",
        "status": "REGISTERED",
        "position_in_queue": 4,
        "estimated_wait_seconds": 720,
        "wait_basis": "recent_rate",
        "duplicate": False,
        "replayed": False,
        "log_position": 9,
    }


def test_intake_reply_keeps_unknown_waits_as_null() -> None:
    accepted = CallbackAccepted(
        callback_id=A,
        request_id="r-1",
        route="billing",
        state=CallbackState.SCHEDULED,
        status=NhnStatus.REGISTERED,
        duplicate=True,
        queue_since=T0,
    )

    data = wire(intake_reply(accepted, place=NOT_QUEUED, log_position=None))

    assert data["position_in_queue"] is None
    assert data["estimated_wait_seconds"] is None
    assert data["wait_basis"] is None
    assert data["duplicate"] is True


def test_attempts_reply() -> None:
    assert wire(attempts_reply(changed(), log_position=3)) == {
        "callback_id": str(A),
        "state": "ROUTING",
        "attempts": 1,
        "log_position": 3,
    }


def test_completion_reply() -> None:
    done = changed(state=CallbackState.COMPLETED, reason=CompletionReason.FINISHED)

    assert wire(completion_reply(done, log_position=3)) == {
        "callback_id": str(A),
        "state": "COMPLETED",
        "reason": "FINISHED",
        "log_position": 3,
    }


def test_reschedule_reply_keeps_the_offset() -> None:
    moved = changed(
        state=CallbackState.SCHEDULED, desired_time=datetime(2026, 11, 24, 10, tzinfo=KST)
    )

    assert wire(reschedule_reply(moved, log_position=3)) == {
        "callback_id": str(A),
        "state": "SCHEDULED",
        "desired_time": "2026-11-24T10:00:00+09:00",
        "log_position": 3,
    }


def test_bulk_reply_gives_an_agent_or_an_error_per_callback() -> None:
    refused = InvalidTransitionError(state="COMPLETED", command="assign")
    result = BulkResult(
        results=(
            ItemResult(callback_id=A, agent_id="a-1"),
            ItemResult(callback_id=B, error=refused),
        )
    )

    data = wire(bulk_reply(result, log_position=5))

    assert data == {
        "results": [
            {"callback_id": str(A), "ok": True, "agent_id": "a-1"},
            {
                "callback_id": str(B),
                "ok": False,
                "error": {
                    "code": "invalid_transition",
                    "message": "a COMPLETED callback cannot be sent 'assign'",
                    "details": [{"state": "COMPLETED", "command": "assign"}],
                },
            },
        ],
        "log_position": 5,
    }


def test_cancel_reply() -> None:
    result = CancelResult(
        cancelled=(A,),
        skipped=(
            Skipped(
                callback_id=B,
                state=CallbackState.PROCESSING,
                reason="invalid_transition",
                message="a PROCESSING callback cannot be sent 'cancel'",
            ),
        ),
    )

    assert wire(cancel_reply(result, log_position=8)) == {
        "cancelled": [str(A)],
        "skipped": [
            {
                "callback_id": str(B),
                "state": "PROCESSING",
                "reason": "invalid_transition",
                "message": "a PROCESSING callback cannot be sent 'cancel'",
            }
        ],
        "log_position": 8,
    }


def test_recreate_reply() -> None:
    recreated = CallbackRecreated(callback_id=B, recreated_from=A, duplicate=False)

    assert wire(recreate_reply(recreated, log_position=2)) == {
        "callback_id": str(B),
        "recreated_from": str(A),
        "duplicate": False,
        "log_position": 2,
    }


def test_agent_saved_reply() -> None:
    saved = AgentSaved(agent_id="a-1", created=True, changed=True)

    assert wire(agent_saved_reply(saved, log_position=1)) == {
        "agent_id": "a-1",
        "created": True,
        "changed": True,
        "log_position": 1,
    }


class TestThroughTheService:
    def test_a_parsed_request_is_accepted_and_answered(self, sut: CallbackService) -> None:
        raw = b'{"request_id": "ivr-1", "phone": "+82 10-1234-5678", "route": "billing"}'

        accepted = sut.execute(parse(IntakeRequest, raw).to_command(IVR, T0))
        reply = json.loads(
            ok(
                wire(
                    intake_reply(
                        accepted,
                        place=Place(1, 300, "policy"),
                        log_position=sut.recorder.max_notification_id(),
                    )
                )
            )
        )

        assert reply["ok"] is True
        assert reply["data"]["state"] == "QUEUED"
        assert UUID(reply["data"]["callback_id"]) == accepted.callback_id

    def test_a_parsed_assignment_answers_per_callback(self, sut: CallbackService) -> None:
        add_agents(sut, "a-1")
        callback_id = queued(sut)
        raw = json.dumps(
            {"callback_ids": [str(callback_id), str(A)], "agent_ids": ["a-1"]}
        ).encode()

        result = sut.execute(parse(AssignPayload, raw).to_command(SUPERVISOR, T0))
        data = wire(bulk_reply(result, log_position=None))

        assert data["results"][0] == {
            "callback_id": str(callback_id),
            "ok": True,
            "agent_id": "a-1",
        }
        assert data["results"][1]["ok"] is False
        assert data["results"][1]["error"]["code"] == "not_found"
