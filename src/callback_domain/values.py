"""Value objects and the validation rules of callback requests."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callback_domain.errors import FieldError, InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_ROUTE_LENGTH = 100
MAX_REMARK_LENGTH = 500
MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 200
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15

_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
# Agent and team ids appear in NATS subjects (`callbacks.agent.{id}.…`): one token.
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CallbackType(StrEnum):
    IMMEDIATE = "IMMEDIATE"
    SCHEDULED = "SCHEDULED"


class AssignMethod(StrEnum):
    MANUAL = "MANUAL"
    EQUAL = "EQUAL"
    ROUTED = "ROUTED"  # automatic, to the agent named in the request's routing


class DialOutcome(StrEnum):
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    ANSWERING_MACHINE = "ANSWERING_MACHINE"
    FAILED = "FAILED"


class Permission(StrEnum):
    CALL = "call"
    ASSIGN = "assign"


class Role(StrEnum):
    ADMIN = "ADMIN"
    SUPERVISOR = "SUPERVISOR"
    ASSIGNER = "ASSIGNER"  # an agent with the assign permission
    AGENT = "AGENT"
    MONITOR = "MONITOR"
    IVR = "IVR"
    CTI = "CTI"  # the CTI system: agents' presence only
    SYSTEM = "SYSTEM"  # the service itself: the scheduler, start-up


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who sends a command: the audit trail's actor, and the role that is checked."""

    actor: str
    role: Role
    channel: str = "api"
    # Who vouches for actor and role: the token's issuer (this deployment or the
    # organisation's identity provider), SERVICE for the service's own work,
    # UNVERIFIED for a caller named by headers (CALLBACKS_AUTH=off, and events
    # recorded before tokens).
    issuer: str = "callbacks"
    # The routes a supervisor or monitor is limited to; None: every route.
    routes: frozenset[str] | None = None

    def audit(self) -> dict[str, str]:
        """The fields every event records about who passed it."""
        return {
            "actor": self.actor,
            "role": self.role.value,
            "channel": self.channel,
            "issuer": self.issuer,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The rules of one route (queue); recorded in every callback it governs."""

    window_seconds: int = 120
    duplicate_check: bool = True
    duplicate_limit: int = 1
    max_attempts: int = 3
    expiry_days: int = 14
    horizon_days: int = 30
    # How long an agent takes over one callback, on average: the estimated wait until
    # the route has a recent handling rate. Events recorded before it read as 5 minutes.
    average_handle_seconds: int = 300

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)

    @property
    def expiry(self) -> timedelta:
        return timedelta(days=self.expiry_days)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    def due_now(self, desired_time: datetime | None, at: datetime) -> bool:
        """Whether a callback wanted at `desired_time` is due at `at`: none wanted, or
        within one window of `at` (it is queued at once, not scheduled)."""
        return desired_time is None or desired_time <= at + self.window

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(**data)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policies:
    """A deployment's default policy and its per-route overrides."""

    default: Policy = field(default_factory=Policy)
    by_route: Mapping[str, Policy] = field(default_factory=dict)

    def for_route(self, route: str) -> Policy:
        return self.by_route.get(route, self.default)


class Validator:
    """Collects every refused field of one request, so one reply names them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def refuse(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidRequestError(self.errors)

    def text(
        self, name: str, value: str | None, *, max_length: int, required: bool = True
    ) -> str | None:
        if value is None:
            if required:
                self.refuse(name, "is required")
            return None
        stripped = value.strip()
        if not stripped:
            if required:
                self.refuse(name, "must not be empty")
            return None
        if len(stripped) > max_length:
            self.refuse(name, f"must be at most {max_length} characters")
            return None
        if _CONTROL.search(stripped):
            self.refuse(name, "must not contain control characters")
            return None
        return stripped

    def token(self, name: str, value: str | None, *, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.refuse(name, "is required")
            return None
        if not _TOKEN.match(value):
            self.refuse(name, "must be 1 to 64 letters, digits, '-' or '_'")
            return None
        return value

    def tokens(self, name: str, values: Iterable[str]) -> tuple[str, ...]:
        accepted = [self.token(f"{name}.{i}", v) for i, v in enumerate(values)]
        return tuple(dict.fromkeys(v for v in accepted if v is not None))

    def phone(self, name: str, value: str | None) -> str | None:
        if value is None or not value.strip():
            self.refuse(name, "is required")
            return None
        compact = compact_phone(value)
        plus, digits = (compact[:1], compact[1:]) if compact.startswith("+") else ("", compact)
        if not digits.isascii() or not digits.isdigit():
            self.refuse(
                name, "may hold only digits, spaces, dashes, dots, parentheses and a leading +"
            )
            return None
        if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            self.refuse(name, f"must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits")
            return None
        return plus + digits

    def timezone(self, name: str, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.refuse(name, "must be an IANA time zone name such as Asia/Seoul")
            return None
        return value

    def aware(self, name: str, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            self.refuse(name, "must carry a UTC offset, e.g. 2026-11-23T14:30:00+09:00")
            return None
        return value

    def desired_time(
        self, name: str, value: datetime | None, *, at: datetime, policy: Policy
    ) -> datetime | None:
        value = self.aware(name, value)
        if value is None:
            return None
        # A desired time less than one window ago is still on time (clock skew
        # between an IVR and this service); anything older is in the past.
        if value < at - policy.window:
            self.refuse(name, "must not be in the past")
            return None
        if value > at + policy.horizon:
            self.refuse(name, f"must be at most {policy.horizon_days} days ahead")
            return None
        return value


def compact_phone(value: str) -> str:
    """A phone number without separators: how numbers are stored and searched."""
    return _PHONE_SEPARATORS.sub("", value)


def team_of(teams: Iterable[str]) -> str | None:
    """The team a callback is listed under: the agent's first team."""
    return next(iter(teams), None)
