"""CALLBACKS_SMS_PROVIDER and the NHN settings: which provider, and the operator's
mistakes said in one line naming the setting."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.entrypoints.mistakes import OperatorError
from adapters.settings import Settings
from adapters.sms.factory import check_sms_settings, provider_from
from adapters.sms.jetstream import JetStreamProvider
from adapters.sms.nhn_cloud import NhnCloudProvider


class FakeClient:
    """Stands in for a NATS connection: the JetStream provider only asks it for a context."""

    def jetstream(self) -> object:
        return object()


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in [n for n in Settings.model_fields if n.startswith(("sms", "nhn"))]:
        monkeypatch.delenv(f"CALLBACKS_{name.upper()}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"CALLBACKS_{name.upper()}", value)
    return Settings.load()


def test_sending_is_off_unless_a_provider_is_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    given = settings(monkeypatch)

    assert given.sms_provider == "none"
    assert given.nhn_sms_url == "https://api-sms.cloud.toast.com"
    assert provider_from(given, FakeClient()) is None  # type: ignore[arg-type]


def test_jetstream_is_chosen_with_the_deployment_s_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = settings(monkeypatch, sms_provider="JetStream", prefix="tenant.a")

    sut = provider_from(given, FakeClient())  # type: ignore[arg-type]

    assert isinstance(sut, JetStreamProvider) and sut.name == "jetstream"
    assert sut.stream == "SMS_OUTBOUND_TENANT_A"


@pytest.mark.anyio
async def test_nhn_is_chosen_with_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    given = settings(
        monkeypatch,
        sms_provider="nhn",
        nhn_sms_app_key="app",
        nhn_sms_secret_key="s3cr3t-value",
        nhn_sms_url="https://nhn.example/",
    )

    sut = provider_from(given, FakeClient())  # type: ignore[arg-type]

    assert isinstance(sut, NhnCloudProvider) and sut.name == "nhn"
    assert sut.base == "https://nhn.example/sms/v3.0/appKeys/app"
    assert sut.headers["X-Secret-Key"] == "s3cr3t-value"
    assert "s3cr3t" not in repr(given)  # never printed with the settings
    await sut.close()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"nhn_sms_secret_key": "s"}, "CALLBACKS_NHN_SMS_APP_KEY"),
        ({"nhn_sms_app_key": "a"}, "CALLBACKS_NHN_SMS_SECRET_KEY"),
        ({"nhn_sms_app_key": "a", "nhn_sms_secret_key": "  "}, "CALLBACKS_NHN_SMS_SECRET_KEY"),
    ],
)
def test_nhn_without_a_key_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, Any], named: str
) -> None:
    given = settings(monkeypatch, sms_provider="nhn", **env)

    with pytest.raises(OperatorError) as refused:
        check_sms_settings(given)

    assert refused.value.setting == named
    assert refused.value.line().startswith(f"{named}: is required when CALLBACKS_SMS_PROVIDER")
    assert "\n" not in refused.value.line()


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("sms_provider", "twilio", "'none', 'jetstream' or 'nhn'"),
        ("nhn_sms_url", "api-sms.cloud.toast.com", "not an http(s) URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    with pytest.raises(OperatorError) as refused:
        settings(monkeypatch, **{variable: value})

    assert refused.value.setting == f"CALLBACKS_{variable.upper()}"
    assert said in refused.value.problem
