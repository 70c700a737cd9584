"""CALLBACKS_DEFAULT_REGION: where a number without a country code is read."""

from __future__ import annotations

import pytest

from adapters.entrypoints.mistakes import OperatorError
from adapters.settings import Settings
from callback_domain.application import CallbackService
from tests.factories import request


def test_numbers_are_read_in_korea_unless_told_otherwise() -> None:
    assert Settings().policies().phones.e164("010-1234-5678") == "+821012345678"


def test_the_region_reads_national_numbers_and_leaves_international_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CALLBACKS_DEFAULT_REGION", "us")
    policies = Settings.load().policies()
    service = CallbackService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, policies=policies)

    national = service.execute(request(phone="(650) 253-0000")).callback_id
    korean = service.execute(request(phone="+82 10-1234-5678")).callback_id

    assert service.get_callback(national).phone == "+16502530000"
    assert service.get_callback(korean).phone == "+821012345678"


def test_an_unknown_region_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CALLBACKS_DEFAULT_REGION", "Korea")
    with pytest.raises(OperatorError) as refused:
        Settings.load()
    assert refused.value.setting == "CALLBACKS_DEFAULT_REGION"
    assert "not a region phonenumbers knows" in refused.value.problem
