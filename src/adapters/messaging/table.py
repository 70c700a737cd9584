"""The subject table: the one statement of the wire contract's subjects.

Each entry names a subject's pattern (after the configurable prefix), who may call it,
its payload and reply models, how its caller is named and its handler. The
subscriptions, verb validation, metric labels, the NATS Services endpoints, the JSON
Schemas and the AsyncAPI document (scripts/export_schemas.py) and the contract tests are
all read from it. Adding a subject is one entry here plus its handler. What the service
publishes is listed beside it, in publications.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.messaging import identity as who
from adapters.messaging import people, reads, sms, sms_send, writes
from adapters.messaging import route_handlers as rh
from adapters.messaging.messages import admin, agent, auth, intake, queries, read_replies
from adapters.messaging.messages import replies as rep
from adapters.messaging.messages import routes as rt
from adapters.messaging.messages import sms as sms_wire
from adapters.messaging.messages import sms_send as send_wire
from callback_domain.permissions import MATRIX, Action
from callback_domain.values import Role

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pydantic import BaseModel

    from adapters.messaging.context import Call, ServiceContext
    from callback_domain.values import Caller

    Identify = Callable[
        [ServiceContext, str, Mapping[str, str], Mapping[str, str]], Awaitable[Caller]
    ]
    Handler = Callable[[Call[Any]], Awaitable[BaseModel]]

_PARAM = re.compile(r"^\{([a-z_]+)\}$")


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject of the contract. `handler` None: not request/reply (`intake.submit`
    goes through JetStream, handled by the intake consumer)."""

    pattern: str  # after the prefix; `{name}` tokens are parameters
    # Who may call it (routes.answer refuses other roles, `forbidden`; the core checks
    # again); empty: anyone, without a token (`auth.login` only).
    roles: frozenset[Role]
    payload: type[BaseModel]
    reply: type[BaseModel] | None
    identify: Identify | None
    handler: Handler | None

    @property
    def name(self) -> str:
        """The pattern without its parameters: `agent.dial`. Names the schema files
        (`schemas/json/<name>.v1.json`), the metric label and the Services endpoint."""
        return ".".join(t for t in self.tokens if not _PARAM.match(t))

    @property
    def tokens(self) -> list[str]:
        return self.pattern.split(".")

    @property
    def family(self) -> str:
        return self.tokens[0]

    @property
    def params(self) -> dict[int, str]:
        """Where the subject carries a parameter: {token index: name}."""
        return {n: m.group(1) for n, t in enumerate(self.tokens) if (m := _PARAM.match(t))}

    def wildcard(self) -> str:
        """The pattern with each parameter as NATS's `*`."""
        return ".".join("*" if _PARAM.match(t) else t for t in self.tokens)

    def matches(self, tail: list[str]) -> dict[str, str] | None:
        """The parameters, if a subject's tokens after the prefix are this subject's."""
        if len(tail) != len(self.tokens):
            return None
        params = self.params
        for n, (token, want) in enumerate(zip(tail, self.tokens, strict=True)):
            if n not in params and token != want:
                return None
        return {name: tail[n] for n, name in params.items()}


_IVR = frozenset({Role.IVR})
_AGENT = frozenset({Role.AGENT, Role.ASSIGNER})  # an assigner is an agent with assign permission
_ASSIGNERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ASSIGNER})
_READERS = MATRIX[Action.READ]
_ADMIN_ONLY = MATRIX[Action.MANAGE_ROUTES]
_PEOPLE = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.MONITOR, Role.AGENT, Role.ASSIGNER})
_ANYONE_WITH_A_TOKEN = frozenset(Role) - {Role.SYSTEM}
_ADMIN = frozenset({Role.ADMIN})
_SMS_SENDERS = MATRIX[Action.READ_SMS_TEMPLATES]  # who may send chooses among the templates
_SMS_SEND = MATRIX[Action.SEND_SMS]
_SMS_CANCEL = MATRIX[Action.CANCEL_SMS]
_SMS_READERS = MATRIX[Action.READ_SMS]


IVR, AGENT, ADMIN, READER = (
    who.identify_ivr,
    who.identify_agent,
    who.identify_administrator,
    who.identify_reader,
)
OWN = who.identify_agent_reading
R, RR = rep, read_replies

SUBJECTS: tuple[Subject, ...] = (
    Subject("intake.request", _IVR, intake.IntakeRequest, R.IntakeReply, IVR, writes.request),
    Subject("intake.submit", _IVR, intake.IntakeRequest, None, None, None),
    Subject("intake.cancel", _IVR, intake.IntakeCancel, R.CancelReply, IVR, writes.intake_cancel),
    Subject(
        "intake.abandon", _IVR, intake.IntakeAbandon, R.CompletionReply, IVR, writes.intake_abandon
    ),
    Subject("intake.slots", _IVR, rt.SlotsQuery, rt.SlotsReply, IVR, rh.slots),
    Subject(
        "agent.{agent_id}.schedule",
        _AGENT,
        agent.SchedulePayload,
        R.IntakeReply,
        AGENT,
        writes.request,
    ),
    Subject(
        "agent.{agent_id}.dial", _AGENT, agent.DialPayload, R.AttemptsReply, AGENT, writes.dial
    ),
    Subject(
        "agent.{agent_id}.dial-result",
        _AGENT,
        agent.DialResultPayload,
        R.AttemptsReply,
        AGENT,
        writes.dial,
    ),
    Subject(
        "agent.{agent_id}.complete",
        _AGENT,
        agent.CompletePayload,
        R.CompletionReply,
        AGENT,
        writes.complete,
    ),
    Subject(
        "agent.{agent_id}.finish",
        _AGENT,
        agent.FinishPayload,
        R.CompletionReply,
        AGENT,
        writes.complete,
    ),
    Subject(
        "agent.{agent_id}.reschedule",
        _AGENT,
        agent.AgentReschedulePayload,
        R.RescheduleReply,
        AGENT,
        writes.reschedule,
    ),
    Subject(
        "agent.{agent_id}.cancel",
        _AGENT,
        agent.AgentCancelPayload,
        R.CancelReply,
        AGENT,
        writes.agent_cancel,
    ),
    Subject(
        "agent.{agent_id}.call-now",
        _AGENT,
        agent.CallNowPayload,
        R.AttemptsReply,
        AGENT,
        writes.call_now,
    ),
    Subject(
        "agent.{agent_id}.accept",
        _AGENT,
        agent.AcceptPayload,
        R.OfferAnswerReply,
        AGENT,
        writes.answer_offer,
    ),
    Subject(
        "agent.{agent_id}.reject",
        _AGENT,
        agent.RejectPayload,
        R.OfferAnswerReply,
        AGENT,
        writes.answer_offer,
    ),
    Subject(
        "agent.{agent_id}.list",
        _AGENT,
        queries.AgentListQuery,
        RR.ListPageReply,
        OWN,
        reads.agent_list,
    ),
    Subject(
        "agent.{agent_id}.pending",
        _AGENT,
        queries.PendingQuery,
        RR.PendingReply,
        OWN,
        reads.agent_pending,
    ),
    Subject(
        "agent.{agent_id}.upcoming",
        _AGENT,
        queries.UpcomingQuery,
        RR.UpcomingReply,
        OWN,
        reads.agent_upcoming,
    ),
    Subject("admin.create", _ASSIGNERS, admin.CreatePayload, R.IntakeReply, ADMIN, writes.request),
    Subject("admin.assign", _ASSIGNERS, admin.AssignPayload, R.BulkReply, ADMIN, writes.assign),
    Subject("admin.unassign", _ASSIGNERS, admin.UnassignPayload, R.BulkReply, ADMIN, writes.assign),
    Subject(
        "admin.reschedule",
        _ASSIGNERS,
        admin.ReschedulePayload,
        R.RescheduleReply,
        ADMIN,
        writes.reschedule,
    ),
    Subject("admin.cancel", _ASSIGNERS, admin.CancelPayload, R.CancelReply, ADMIN, writes.cancel),
    Subject(
        "admin.recreate", _ASSIGNERS, admin.RecreatePayload, R.RecreateReply, ADMIN, writes.recreate
    ),
    Subject(
        "admin.agent-upsert",
        frozenset({Role.ADMIN}),
        admin.AgentUpsertPayload,
        R.AgentSavedReply,
        ADMIN,
        writes.upsert_agent,
    ),
    Subject(
        "admin.route-upsert",
        _ADMIN_ONLY,
        rt.RouteUpsertPayload,
        rt.RouteSavedReply,
        ADMIN,
        rh.route_upsert,
    ),
    Subject(
        "admin.hours-set", _ADMIN_ONLY, rt.HoursSetPayload, rt.RouteSavedReply, ADMIN, rh.hours_set
    ),
    Subject(
        "admin.user-upsert",
        frozenset({Role.ADMIN}),
        auth.UserUpsertPayload,
        auth.UserSavedReply,
        who.identify_person,
        people.user_upsert,
    ),
    Subject(
        "admin.password-set",
        _PEOPLE,
        auth.PasswordSetPayload,
        auth.PasswordSetReply,
        who.identify_person,
        people.password_set,
    ),
    Subject(
        "auth.login",
        frozenset(),
        auth.LoginPayload,
        auth.LoginReply,
        who.identify_anyone,
        people.login,
    ),
    Subject(
        "auth.whoami",
        _ANYONE_WITH_A_TOKEN,
        auth.WhoamiPayload,
        auth.WhoamiReply,
        who.identify_person,
        people.whoami,
    ),
    Subject("query.health", _READERS, queries.HealthQuery, RR.HealthReply, READER, reads.health),
    Subject("query.get", _READERS, queries.GetQuery, RR.CallbackDetail, READER, reads.get),
    Subject("query.list", _READERS, queries.ListQuery, RR.ListPageReply, READER, reads.list_page),
    Subject("query.search", _READERS, queries.SearchQuery, RR.SearchReply, READER, reads.search),
    Subject(
        "query.history", _READERS, queries.HistoryQuery, RR.HistoryReply, READER, reads.history
    ),
    Subject(
        "query.assignment-summary",
        _READERS,
        queries.AssignmentSummaryQuery,
        RR.SummaryReply,
        READER,
        reads.summary,
    ),
    Subject(
        "query.agent-counts",
        _READERS,
        queries.AgentCountsQuery,
        RR.AgentCountsReply,
        READER,
        reads.agent_counts,
    ),
    Subject(
        "query.treatment-rate",
        _READERS,
        queries.TreatmentRateQuery,
        RR.TreatmentRateReply,
        READER,
        reads.treatment_rate,
    ),
    Subject("query.routes", _READERS, rt.RoutesQuery, rt.RoutesReply, READER, rh.routes),
    Subject("query.slots", _READERS, rt.SlotsQuery, rt.SlotsReply, READER, rh.slots),
    Subject(
        "admin.sms.sender-upsert",
        _ADMIN,
        sms_wire.SenderUpsertPayload,
        sms_wire.SenderSavedReply,
        ADMIN,
        sms.sender_upsert,
    ),
    Subject(
        "admin.sms.category-upsert",
        _ADMIN,
        sms_wire.CategoryUpsertPayload,
        sms_wire.CategorySavedReply,
        ADMIN,
        sms.category_upsert,
    ),
    Subject(
        "admin.sms.template-upsert",
        _ADMIN,
        sms_wire.TemplateUpsertPayload,
        sms_wire.TemplateSavedReply,
        ADMIN,
        sms.template_upsert,
    ),
    Subject(
        "admin.sms.template-delete",
        _ADMIN,
        sms_wire.TemplateDeletePayload,
        sms_wire.TemplatesDeletedReply,
        ADMIN,
        sms.template_delete,
    ),
    Subject(
        "query.sms.templates",
        _SMS_SENDERS,
        sms_wire.TemplatesQuery,
        sms_wire.TemplatesReply,
        who.identify_person,
        sms.templates,
    ),
    Subject(
        "admin.sms.send",
        _SMS_SEND,
        send_wire.SendPayload,
        send_wire.SendReply,
        who.identify_person,
        sms_send.send,
    ),
    Subject(
        "admin.sms.cancel",
        _SMS_CANCEL,
        send_wire.CancelPayload,
        send_wire.CancelReply,
        who.identify_person,
        sms_send.cancel,
    ),
    Subject(
        "query.sms.messages",
        _SMS_READERS,
        send_wire.MessagesQuery,
        send_wire.MessagesReply,
        READER,
        sms_send.messages,
    ),
    Subject(
        "cti.presence.{agent_id}",
        frozenset({Role.CTI}),
        agent.PresencePayload,
        R.AgentSavedReply,
        who.identify_cti,
        writes.presence,
    ),
)

ANSWERED = tuple(s for s in SUBJECTS if s.handler is not None)


def subscriptions() -> dict[str, tuple[Subject, ...]]:
    """What to subscribe (after the prefix) → the subjects it carries.

    In a family whose subjects are all request/reply, the subjects that differ in one
    token only (the verb) are one subscription with `*` there (`admin.*`, and
    `admin.sms.*` beside it), so an unknown verb is answered (`invalid_request`, naming
    the verbs) rather than met with silence; a subject alone in its shape is its own.
    Otherwise each subject is its own (`intake.*` would also catch `intake.submit`, which
    JetStream captures)."""
    found: dict[str, tuple[Subject, ...]] = {}
    families = dict.fromkeys(s.family for s in SUBJECTS)
    for family in families:
        members = [s for s in SUBJECTS if s.family == family]
        answered = [s for s in members if s.handler is not None]
        if len(answered) != len(members):
            found |= {s.wildcard(): (s,) for s in answered}
            continue
        shapes: dict[str, list[Subject]] = {}
        for s in answered:
            shapes.setdefault(_with_any_verb(s), []).append(s)
        for shape, alike in shapes.items():
            if len(alike) > 1:
                found[shape] = tuple(alike)
            else:
                found[alike[0].wildcard()] = (alike[0],)
    return found


def _with_any_verb(subject: Subject) -> str:
    tokens = subject.wildcard().split(".")
    tokens[_verb_index(subject)] = "*"
    return ".".join(tokens)


def _verb_index(subject: Subject) -> int:
    params = subject.params
    return max(n for n in range(len(subject.tokens)) if n not in params)


def verb_index(subjects: tuple[Subject, ...]) -> int:
    return _verb_index(subjects[0])
