"""Every exception maps to one error of CONTRACT.md; refusals keep one detail shape."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from adapters.messaging.errors import INTERNAL_MESSAGE, error_of
from adapters.messaging.messages import IntakeRequest, ListQuery, UnassignPayload, parse
from callback_domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    InvalidTransitionError,
    StorageUnavailableError,
)
from tests.factories import IVR, T0

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ForbiddenError(role="MONITOR", actor="wallboard", action="cancel callbacks"), "forbidden"),
        (ConflictError(), "conflict"),
        (StorageUnavailableError(), "unavailable"),
        (InvalidTransitionError(state="PROCESSING", command="cancel"), "invalid_transition"),
    ],
)
def test_a_refusal_keeps_its_own_code_message_and_details(exc: Exception, code: str) -> None:
    assert error_of(exc) == (code, exc.message, exc.details)  # type: ignore[attr-defined]


def test_anything_else_is_internal_and_reveals_nothing() -> None:
    code, message, details = error_of(KeyError("password=hunter2"))

    assert (code, message, details) == ("internal", INTERNAL_MESSAGE, [])
    assert "hunter2" not in message


def test_a_validation_error_names_fields_by_their_json_names() -> None:
    with pytest.raises(ValidationError) as raised:
        ListQuery.model_validate_json('{"from": "2026-11-01T00:00:00", "page_size": 0}')

    code, message, details = error_of(raised.value)

    assert code == "invalid_request"
    assert details == [
        {"field": "page_size", "message": "must be at least 1"},
        {"field": "from", "message": "must carry a UTC offset, e.g. 2026-11-23T14:30:00+09:00"},
    ]
    assert message == (
        "invalid request: page_size: must be at least 1; "
        "from: must carry a UTC offset, e.g. 2026-11-23T14:30:00+09:00"
    )


def test_a_long_list_of_refusals_is_summarised_but_detailed_in_full() -> None:
    raw = json.dumps({"callback_ids": [f"c-{i}" for i in range(8)]}).encode()

    with pytest.raises(InvalidRequestError) as refused:
        parse(UnassignPayload, raw)
    _, message, details = error_of(refused.value)

    assert len(details) == 8
    assert message.endswith("; and 3 more (see details)")


def test_the_core_and_the_wire_refuse_a_field_in_one_shape(sut: CallbackService) -> None:
    with pytest.raises(InvalidRequestError) as by_wire:
        parse(IntakeRequest, b'{"request_id": "r-1", "phone": 1234, "route": "billing"}')
    command = parse(IntakeRequest, b'{"request_id": "r-1", "phone": "12", "route": "billing"}')
    with pytest.raises(InvalidRequestError) as by_core:
        sut.execute(command.to_command(IVR, T0))

    wire, core = error_of(by_wire.value), error_of(by_core.value)

    assert wire[0] == core[0] == "invalid_request"
    assert [set(d) for d in wire[2]] == [set(d) for d in core[2]] == [{"field", "message"}]
    assert wire[2][0]["field"] == core[2][0]["field"] == "phone"
