"""The commands of the service: plain data, decided by `handlers`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callback_domain.values import (
    AssignMethod,
    CallbackType,
    Caller,
    DialOutcome,
    Permission,
    Policies,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from typing import Any
    from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Who sends it, and when: adapters pass the time; the domain never reads a clock."""

    caller: Caller
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCallback(Command):
    """intake.request / intake.submit (IVR), admin.create, agent.{id}.schedule."""

    request_id: str
    phone: str
    route: str
    callback_type: CallbackType | None = None
    desired_time: datetime | None = None
    desired_local: datetime | None = None  # wall-clock time in customer_timezone
    customer_timezone: str | None = None
    routing_agent: str | None = None
    routing_team: str | None = None
    remark: str | None = None
    origin_interaction_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RescheduleCallback(Command):
    callback_id: UUID
    desired_time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueDueCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignCallbacks(Command):
    callback_ids: tuple[UUID, ...]
    agent_ids: tuple[str, ...]
    method: AssignMethod = AssignMethod.MANUAL
    only_logged_in: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferCallbacks(Command):
    """The distributor: offers each callback (in this order) to one of `agent_ids`."""

    callback_ids: tuple[UUID, ...]
    agent_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptOffer(Command):
    """agent.{id}.accept."""

    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectOffer(Command):
    """agent.{id}.reject: back to the queue, for someone else; never an attempt."""

    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawOffer(Command):
    """The distributor: an offer not accepted within the route's offer timeout."""

    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireOwnership(Command):
    """The distributor: an accepted offer not dialled within the route's ownership."""

    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class UnassignCallbacks(Command):
    callback_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DialCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class CallNow(Command):
    """agent.{id}.call-now: the agent's own scheduled callback, before its time."""

    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDialResult(Command):
    callback_id: UUID
    outcome: DialOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelCallbacks(Command):
    callback_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class RecreateCallback(Command):
    callback_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertAgent(Command):
    agent_id: str
    name: str
    teams: tuple[str, ...] = ()
    permissions: tuple[Permission, ...] = field(default=(Permission.CALL,))


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertUser(Command):
    """An administrator, supervisor or monitor of the directory; `routes` None: all."""

    user: str
    role: str
    routes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPassword(Command):
    """A user's or an agent's password, as its hash (hashed before the command)."""

    user: str
    password_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPresence(Command):
    agent_id: str
    logged_in: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPolicies(Command):
    """At start: the policies the service runs on, recorded when they changed."""

    policies: Policies


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertSmsSender(Command):
    """admin.sms.sender-upsert: a number that may send, with a label for people."""

    number: str
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertSmsCategory(Command):
    """admin.sms.category-upsert: `parent_id` None makes a first-level category."""

    category_id: str
    name: str
    parent_id: str | None = None
    in_use: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertSmsTemplate(Command):
    """admin.sms.template-upsert; `images` as (name, base64 JPEG) pairs."""

    template_id: str
    category_id: str
    message_type: str
    name: str
    sender: str
    body: str
    in_use: bool = True
    editable: bool = True
    description: str | None = None
    subject: str | None = None
    images: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteSmsTemplates(Command):
    template_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertRoute(Command):
    """admin.route-upsert: registers a route, or replaces its settings (not its hours).
    `timezone` None: the contact center's; `policy`: only the fields the route sets."""

    route: str
    name: str
    timezone: str | None = None
    distribution: str = "MANUAL"
    offer_timeout_seconds: int = 30
    ownership_minutes: int | None = None
    policy: Mapping[str, Any] = field(default_factory=dict)
    slot_minutes: int = 15
    slot_capacity: int | None = None
    sms: Mapping[str, str | None] = field(default_factory=dict)  # automatic messages


@dataclass(frozen=True, slots=True, kw_only=True)
class SetHours(Command):
    """admin.hours-set: a registered route's weekly hours, holidays and exceptions."""

    route: str
    weekly: Mapping[str, Sequence[Sequence[str]]]
    holidays: Sequence[str] = ()
    exceptions: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SendSms(Command):
    """admin.sms.send: one message per recipient. `send_id` names the send (the adapter
    makes one per request): the same send id records its messages once."""

    send_id: str
    template_id: str
    message_type: str
    sender: str
    recipients: str
    body: str
    subject: str | None = None
    reserve_at: datetime | None = None
    callback_id: UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelSms(Command):
    """admin.sms.cancel: RESERVED messages, by who sent them or a supervisor and above."""

    message_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StartSmsHandOver(Command):
    """The dispatcher, before it calls the provider: records the hand-over."""

    message_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordSmsDelivery(Command):
    """The dispatcher, after the provider answered hand-over `attempt`."""

    message_id: UUID
    attempt: int
    delivery: str  # ACCEPTED / SENT / FAILED
    reason: str | None = None
    retryable: bool = False
    provider: str = ""
    provider_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordSmsStatus(Command):
    """`callbacks.sms.status`: a gateway's outcome of a message it accepted."""

    message_id: UUID
    state: str  # SENT / FAILED
    reason: str | None = None
