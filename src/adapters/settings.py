"""Settings of a deployment: options or CALLBACKS_* environment variables, read once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from adapters.entrypoints.mistakes import OperatorError
from callback_domain.phones import DEFAULT_REGION
from callback_domain.values import POLICY_LIMITS, Policies, Policy

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

_DEFAULT = Policy()  # the domain's defaults and limits: stated there only


def _bounded(name: str) -> Any:
    low, high = POLICY_LIMITS[name]
    return Field(default=getattr(_DEFAULT, name), ge=low, le=high)


class PolicySettings(BaseModel):
    """One route's policy (DOMAIN.md "Policies"); unset fields take the domain's default,
    within the domain's limits (`values.POLICY_LIMITS`)."""

    window_seconds: int = _bounded("window_seconds")
    duplicate_check: bool = _DEFAULT.duplicate_check
    duplicate_limit: int = _bounded("duplicate_limit")
    max_attempts: int = _bounded("max_attempts")
    expiry_days: int = _bounded("expiry_days")
    horizon_days: int = _bounded("horizon_days")
    average_handle_seconds: int = _bounded("average_handle_seconds")

    def to_policy(self) -> Policy:
        return Policy(**self.model_dump())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CALLBACKS_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Path(".callbacks")
    database_url: str | None = None
    nats_url: str | None = None
    embedded_nats_port: int = Field(default=4222, ge=0, le=65535)  # 0: any free port
    prefix: str = Field(default="callbacks", pattern=r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
    timezone: str = "UTC"
    # Where a phone number given without a country code is (ISO 3166 region, e.g. KR).
    default_region: str = DEFAULT_REGION
    default_policy: PolicySettings = PolicySettings()
    route_policies: dict[str, PolicySettings] = {}
    postgres_pool_size: int = Field(default=8, ge=1, le=200)
    # Seconds within which every command and read is answered; `unavailable` when the
    # store did not answer in time (a command so answered is never recorded later).
    storage_timeout: float = Field(default=3.0, ge=1.0, le=60.0)
    stream_replicas: int = Field(default=1, ge=1, le=5)  # 3 on a 3-node NATS cluster
    metrics_port: int = Field(default=0, ge=0, le=65535)  # Prometheus /metrics; 0: off
    metrics_host: str = "127.0.0.1"  # a container sets 0.0.0.0 (Dockerfile)
    http_port: int = Field(default=8080, ge=0, le=65535)  # /api, /healthz, /metrics; 0: off
    http_host: str = "127.0.0.1"  # a container sets 0.0.0.0 (Dockerfile)
    # The TLS proxies whose X-Forwarded-Proto/For HTTP believes (the console's session
    # cookie is Secure behind TLS): comma-separated addresses or networks, "*" for any.
    http_trusted_proxies: str = "127.0.0.1"
    # A provider of one's own (and the tests'): "package.module:factory", where
    # `factory(settings, nc)` returns an SmsProvider (adapters/sms/port.py) or None.
    sms_provider_factory: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
    )
    # For tests and drills only: the service's clock (every command's time, what is due)
    # runs this many seconds ahead of the host's (negative: behind); 0 in production. A
    # started service says so when it is not 0. It lets a test see a reservation (30
    # minutes ahead at least) come due without waiting 30 minutes: sent by a service at
    # 0, handed over by services restarted 30 minutes "later".
    clock_offset_seconds: float = Field(default=0.0, ge=-2 * 86400, le=2 * 86400)
    # What this process does (docs/performance.md): "all"; "commands" answers requests and
    # durable intake but leaves the followers of the log (views, relay, notifications,
    # scheduler, distributor, SMS) to a "followers" process on the same store and NATS,
    # which answers no request: two processes use two cores.
    role: Literal["all", "commands", "followers"] = "all"
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Identity (CONTRACT.md "Identity"): the deployment's signing keys and its tokens.
    # "off": the insecure development mode, callers named by headers (a warning at start).
    auth: Literal["on", "off"] = "on"
    signing_keys_file: Path | None = None  # default: <data_dir>/signing-keys.json
    token_issuer: str = Field(default="callbacks", min_length=1)
    token_audience: str = Field(default="callbacks", min_length=1)
    token_hours: int = Field(default=12, ge=1, le=24 * 31)  # people's tokens
    # An organisation's OpenID Connect provider (off while oidc_issuer is unset).
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    oidc_actor_claim: str = "preferred_username"
    oidc_role_claim: str = "role"
    # The provider's own role values onto ours, e.g. {"cc-lead": "SUPERVISOR"}.
    oidc_roles: dict[str, str] = {}
    # SMS and MMS (DOMAIN.md): who delivers them. "none": sending is off; "jetstream":
    # the SMS_OUTBOUND stream for an external gateway; "nhn": NHN Cloud's SMS API.
    sms_provider: Literal["none", "jetstream", "nhn"] = "none"
    nhn_sms_url: str = "https://api-sms.cloud.toast.com"
    nhn_sms_app_key: str | None = None
    nhn_sms_secret_key: SecretStr | None = None

    @field_validator(
        "database_url", "nats_url", "nhn_sms_app_key", "nhn_sms_secret_key", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"{value!r} is not an IANA time zone name such as Asia/Seoul"
            raise ValueError(msg) from None
        return value

    @field_validator("nhn_sms_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            msg = f"{value!r} is not an http(s) URL such as https://api-sms.cloud.toast.com"
            raise ValueError(msg)
        return value.strip().rstrip("/")

    @field_validator("default_region", mode="before")
    @classmethod
    def _region(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            msg = f"{value!r} is not a region phonenumbers knows, such as KR, US or JP"
            raise ValueError(msg)
        return region

    @field_validator("log_format", "sms_provider", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def given_timezone(self) -> str | None:
        """The zone set explicitly (an option or CALLBACKS_TIMEZONE); None: unset, the
        views keep the zone they were built in."""
        return self.timezone if "timezone" in self.model_fields_set else None

    def database_setting(self) -> str:
        """The setting that chose the event store, for messages."""
        return "CALLBACKS_DATABASE_URL" if self.database_url else "CALLBACKS_DATA_DIR"

    def nats_servers(self) -> list[str]:
        """`CALLBACKS_NATS_URL`: one server or a cluster's, comma-separated, each
        `nats://[user:password@]host:port`; returned without the credentials
        (`nats_credentials` has them: clients pass them as options)."""
        servers = []
        for raw in (u.strip() for u in (self.nats_url or "").split(",")):
            if raw:
                parts = urlsplit(raw if "://" in raw else f"nats://{raw}")
                servers.append(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])))
        return servers

    def nats_credentials(self) -> dict[str, str]:
        """The first URL's credentials as nats-py options (`user`+`password`, or `token`):
        servers the cluster announces later come without them in their URLs."""
        for server in (self.nats_url or "").split(","):
            parts = urlsplit(server.strip() if "://" in server else f"nats://{server.strip()}")
            if parts.username and parts.password is not None:
                return {"user": unquote(parts.username), "password": unquote(parts.password)}
            if parts.username:
                return {"token": unquote(parts.username)}
        return {}

    def embedded_nats_dir(self) -> Path:
        return self.data_dir / "nats"

    def service_servers(self) -> list[str]:
        """Where a command finds the service: CALLBACKS_NATS_URL, else the URL the
        embedded server under the data directory recorded (it may have fallen back to
        another port), else the embedded server's port."""
        from adapters.messaging.nats_server import recorded_url

        recorded = recorded_url(self.embedded_nats_dir())
        return self.nats_servers() or [
            recorded or f"nats://127.0.0.1:{self.embedded_nats_port or 4222}"
        ]

    @property
    def answers_requests(self) -> bool:
        """Whether this process takes requests and durable intake (not `followers`)."""
        return self.role != "followers"

    @property
    def follows_the_log(self) -> bool:
        """Whether this process may hold the singletons' lease (not `commands`)."""
        return self.role != "commands"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'events.sqlite'}"

    def policies(self) -> Policies:
        return Policies(
            default=self.default_policy.to_policy(),
            by_route={r: p.to_policy() for r, p in self.route_policies.items()},
            phone_region=self.default_region,
            timezone=self.timezone,
        )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Environment first, then options given on the command line. A value refused
        is one line naming the option or variable (OperatorError), never pydantic's."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as e:
            raise _mistake(e.errors(include_url=False)[0], given) from None
        except SettingsError as e:  # a value that is not the JSON its field needs
            field = str(e).split('"')[1] if '"' in str(e) else "?"
            raise OperatorError(
                f"CALLBACKS_{field.upper()}", "is not valid JSON", "correct it, or unset it"
            ) from None


def _mistake(error: ErrorDetails, given: dict[str, Any]) -> OperatorError:
    path = [str(p) for p in error["loc"]]
    if path and path[0] in given:
        setting = "--" + path[0].replace("_", "-")
    else:
        setting = "CALLBACKS_" + "__".join(path).upper()
    message = error["msg"].removeprefix("Value error, ")
    shown = error.get("input")
    problem = (
        message if repr(shown) in message else f"{shown!r}: {message[:1].lower()}{message[1:]}"
    )
    return OperatorError(setting, problem, "correct it, or unset it for the default")
