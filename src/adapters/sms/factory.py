"""The provider the settings choose (CALLBACKS_SMS_PROVIDER), for the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.entrypoints.mistakes import OperatorError
from adapters.sms.jetstream import JetStreamProvider
from adapters.sms.nhn_cloud import NhnCloudProvider

if TYPE_CHECKING:
    from nats.aio.client import Client

    from adapters.settings import Settings
    from adapters.sms.port import SmsProvider


def check_sms_settings(settings: Settings) -> None:
    """A provider without what it needs is an operator mistake (one line, exit code 2);
    `serve` asks before it starts anything."""
    if settings.sms_provider == "nhn":
        _nhn_keys(settings)


def provider_from(settings: Settings, nc: Client) -> SmsProvider | None:
    """None: sending is off (CALLBACKS_SMS_PROVIDER=none)."""
    if settings.sms_provider == "jetstream":
        return JetStreamProvider(nc.jetstream(), settings.prefix, replicas=settings.stream_replicas)
    if settings.sms_provider == "nhn":
        app_key, secret_key = _nhn_keys(settings)
        return NhnCloudProvider(url=settings.nhn_sms_url, app_key=app_key, secret_key=secret_key)
    return None


def _nhn_keys(settings: Settings) -> tuple[str, str]:
    app_key, secret = settings.nhn_sms_app_key, settings.nhn_sms_secret_key
    if app_key is None:
        raise _missing("CALLBACKS_NHN_SMS_APP_KEY")
    if secret is None:
        raise _missing("CALLBACKS_NHN_SMS_SECRET_KEY")
    return app_key, secret.get_secret_value()


def _missing(setting: str) -> OperatorError:
    return OperatorError(
        setting,
        "is required when CALLBACKS_SMS_PROVIDER is nhn",
        "copy it from the NHN Cloud console (Notification > SMS > URL & Appkey), "
        "or choose another provider",
    )
