"""Settings of a deployment: options or CALLBACKS_* environment variables, read once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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
