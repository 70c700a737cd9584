"""Settings of a deployment: options or CALLBACKS_* environment variables, read once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from callback_domain.values import Policies, Policy


class PolicySettings(BaseModel):
    """One route's policy (DOMAIN.md "Policies"); unset fields take the default."""

    window_seconds: int = Field(default=120, ge=0, le=86_400)
    duplicate_check: bool = True
    duplicate_limit: int = Field(default=1, ge=1, le=100)
    max_attempts: int = Field(default=3, ge=1, le=100)
    expiry_days: int = Field(default=14, ge=1, le=3_650)
    horizon_days: int = Field(default=30, ge=1, le=3_650)

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
    default_policy: PolicySettings = PolicySettings()
    route_policies: dict[str, PolicySettings] = {}
    postgres_pool_size: int = Field(default=8, ge=1, le=200)
    # Seconds within which every command and read is answered; `unavailable` when the
    # store did not answer in time (a command so answered is never recorded later).
    storage_timeout: float = Field(default=3.0, ge=1.0, le=60.0)
    stream_replicas: int = Field(default=1, ge=1, le=5)  # 3 on a 3-node NATS cluster
    metrics_port: int = Field(default=0, ge=0, le=65535)  # Prometheus /metrics; 0: off
    metrics_host: str = "0.0.0.0"
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url", "nats_url", mode="before")
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

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'events.sqlite'}"

    def policies(self) -> Policies:
        return Policies(
            default=self.default_policy.to_policy(),
            by_route={r: p.to_policy() for r, p in self.route_policies.items()},
        )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Environment first, then options given on the command line."""
        return cls(**{k: v for k, v in overrides.items() if v is not None})
