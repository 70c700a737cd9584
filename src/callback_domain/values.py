"""Value objects and the validation rules of callback requests."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callback_domain.errors import FieldError, InvalidRequestError
from callback_domain.phones import DEFAULT_REGION, PhoneNumbers, compact_phone

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_ROUTE_LENGTH = 100
MAX_REMARK_LENGTH = 500
MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 200
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15

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
    CALL_NOW = "CALL_NOW"  # the agent took their own scheduled callback before its time
    OFFERED = "OFFERED"  # AUTO distribution: offered by the service, for the agent to accept


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


# The values an operator (settings) or an administrator (a route's policy) may give each
# numeric policy field, both ends included.
POLICY_LIMITS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "window_seconds": (0, 86_400),
        "duplicate_limit": (1, 100),
        "max_attempts": (1, 100),
        "expiry_days": (1, 3_650),
        "horizon_days": (1, 3_650),
        "average_handle_seconds": (1, 86_400),
    }
)


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

    def with_overrides(self, changes: Mapping[str, Any]) -> Policy:
        """This policy with some fields set otherwise (a registered route's policy)."""
        return type(self)(**{**self.as_dict(), **changes})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(**data)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policies:
    """A deployment's default policy and its per-route overrides."""

    default: Policy = field(default_factory=Policy)
    by_route: Mapping[str, Policy] = field(default_factory=dict)
    # Where a number without a country code is (CALLBACKS_DEFAULT_REGION): a setting of
    # the deployment, not a recorded policy (numbers are stored in E.164 whatever it is).
    phone_region: str = DEFAULT_REGION
    # The contact center's zone (CALLBACKS_TIMEZONE): a route's, unless it names its own.
    timezone: str = "UTC"

    @property
    def phones(self) -> PhoneNumbers:
        return PhoneNumbers(self.phone_region)

    def for_route(self, route: str) -> Policy:
        return self.by_route.get(route, self.default)


class Validator:
    """Collects every refused field of one request, so one reply names them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def refuse(self, name: str, message: str, reason: str | None = None, **more: Any) -> None:
        self.errors.append(FieldError(name, message, reason, more or None))

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

    def phone(self, name: str, value: str | None, phones: PhoneNumbers) -> str | None:
        """The number in E.164; refused unless `phonenumbers` finds it possible."""
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
        e164 = phones.e164(plus + digits)
        if e164 is None:
            self.refuse(
                name,
                f"is not a possible phone number (read in region {phones.region} unless it "
                "starts with + and a country code)",
            )
        return e164

    def number(
        self, name: str, value: Any, *, low: int, high: int, required: bool = True
    ) -> int | None:
        if value is None:
            if required:
                self.refuse(name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.refuse(name, "must be a whole number")
            return None
        if not low <= value <= high:
            self.refuse(name, f"must be from {low} to {high}")
            return None
        return value

    def policy(self, name: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """Some fields of a policy, each known and within its limits."""
        known = Policy().as_dict()
        accepted: dict[str, Any] = {}
        for key, value in given.items():
            if key not in known:
                self.refuse(f"{name}.{key}", f"is not a policy field; use {', '.join(known)}")
            elif key in POLICY_LIMITS:
                low, high = POLICY_LIMITS[key]
                if (n := self.number(f"{name}.{key}", value, low=low, high=high)) is not None:
                    accepted[key] = n
            elif not isinstance(value, bool):
                self.refuse(f"{name}.{key}", "must be true or false")
            else:
                accepted[key] = value
        return accepted

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

    def wanted_time(
        self,
        desired_time: datetime | None,
        desired_local: datetime | None,
        timezone: str | None,
    ) -> tuple[datetime | None, str]:
        """The desired time given (with an offset, or local to `timezone`, the customer's
        already-checked zone), and the name of the field that gave it."""
        if desired_local is None:
            return desired_time, "desired_time"
        name = "desired_local"
        if desired_time is not None:
            self.refuse(name, "give either desired_time or desired_local, not both")
        elif desired_local.tzinfo is not None:
            self.refuse(name, "must be a local time without an offset, e.g. 2026-12-01T14:30")
        elif timezone is None:
            self.refuse("customer_timezone", "is required with desired_local, e.g. Asia/Seoul")
        else:
            return self.local_time(name, desired_local, ZoneInfo(timezone)), name
        return None, name

    def local_time(self, name: str, local: datetime, zone: ZoneInfo) -> datetime | None:
        """A wall-clock time in `zone` as an instant. A time the clocks skip (a DST gap)
        is refused; a time they pass twice (a DST overlap) is its earlier instant."""
        earlier = local.replace(tzinfo=zone, fold=0)
        later = local.replace(tzinfo=zone, fold=1)
        if earlier.utcoffset() != later.utcoffset():
            back = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            if back != local:
                self.refuse(
                    name,
                    f"{local.isoformat(timespec='minutes')} does not exist in {zone.key} (the "
                    "clocks skip it when daylight saving time starts); give another time",
                )
                return None
        # The offset stated (the zone's rules stay in customer_timezone).
        offset = earlier.utcoffset()
        assert offset is not None
        return local.replace(tzinfo=dt_timezone(offset))

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


def team_of(teams: Iterable[str], routing_team: str | None = None) -> str | None:
    """The team a callback is listed under: the team it is routed to if the agent is
    one of its members, else the agent's first team."""
    teams = tuple(teams)
    if routing_team is not None and routing_team in teams:
        return routing_team
    return next(iter(teams), None)
