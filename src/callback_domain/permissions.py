"""Who may do what: the permission matrix of the roles of CONTRACT.md."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from callback_domain.errors import ForbiddenError
from callback_domain.values import Caller, Role


class Action(StrEnum):
    REQUEST = "request callbacks"  # intake, admin.create, agent.{id}.schedule
    RESCHEDULE = "reschedule callbacks"
    QUEUE = "queue due callbacks"
    ASSIGN = "assign callbacks"
    UNASSIGN = "unassign callbacks"
    DIAL = "dial callbacks"
    COMPLETE = "complete callbacks"
    FINISH = "finish callbacks"
    CANCEL = "cancel callbacks"
    ABANDON = "abandon callbacks"
    EXPIRE = "expire callbacks"
    RECREATE = "recreate callbacks"
    UPSERT_AGENT = "change the agent directory"
    UPSERT_USER = "change the user directory"
    SET_PASSWORD = "set another person's password"  # one's own: anyone (handlers/people.py)
    SET_PRESENCE = "report agent presence"
    RECORD_POLICIES = "record the policies in force"
    MANAGE_ROUTES = "register routes and set their hours"
    READ_SLOTS = "read a route's open slots"
    READ = "read callbacks"
    READ_OWN = "read their own callbacks"
    CALL_NOW = "call their own scheduled callbacks now"
    MANAGE_SMS = "set up SMS (sender numbers, template categories, templates)"
    READ_SMS_TEMPLATES = "read the SMS templates"
    OFFER = "offer callbacks to agents"  # AUTO distribution: the service itself
    ANSWER_OFFER = "accept or reject offered callbacks"
    SEND_SMS = "send SMS"
    CANCEL_SMS = "cancel reserved SMS"
    READ_SMS = "read the SMS messages"
    DISPATCH_SMS = "hand SMS to the provider and record their outcome"


_R = Role
_MANAGERS = frozenset({_R.ADMIN, _R.SUPERVISOR})
_AGENT_WORK = frozenset({_R.AGENT})

MATRIX = MappingProxyType(
    {
        # An agent schedules for themselves, another agent or their team (checked with
        # the fields).
        Action.REQUEST: frozenset({_R.IVR, *_MANAGERS, _R.ASSIGNER, _R.AGENT}),
        # An agent reschedules and cancels only their own scheduled callbacks (checked
        # with the callback: handlers/own.py); an assigner may what a supervisor may
        # (DOMAIN.md "Identity and access").
        Action.RESCHEDULE: frozenset({*_MANAGERS, _R.ASSIGNER, _R.AGENT}),
        Action.QUEUE: frozenset({_R.SYSTEM}),
        Action.ASSIGN: frozenset({*_MANAGERS, _R.ASSIGNER}),
        Action.UNASSIGN: frozenset({*_MANAGERS, _R.ASSIGNER}),
        Action.DIAL: _AGENT_WORK,
        Action.COMPLETE: _AGENT_WORK,
        Action.FINISH: _AGENT_WORK,
        Action.CANCEL: frozenset({*_MANAGERS, _R.ASSIGNER, _R.IVR, _R.AGENT}),
        Action.ABANDON: frozenset({_R.IVR}),
        Action.EXPIRE: frozenset({_R.SYSTEM}),
        Action.RECREATE: frozenset({*_MANAGERS, _R.ASSIGNER}),
        Action.UPSERT_AGENT: frozenset({_R.ADMIN}),
        Action.UPSERT_USER: frozenset({_R.ADMIN, _R.SYSTEM}),  # SYSTEM: the first start
        Action.SET_PASSWORD: frozenset({_R.ADMIN, _R.SYSTEM}),
        Action.SET_PRESENCE: frozenset({_R.ADMIN, _R.CTI, _R.SYSTEM}),
        Action.RECORD_POLICIES: frozenset({_R.ADMIN, _R.SYSTEM}),
        Action.MANAGE_ROUTES: frozenset({_R.ADMIN}),
        Action.READ: frozenset({*_MANAGERS, _R.ASSIGNER, _R.MONITOR}),
        # The IVR asks "when can you call me?" (intake.slots); readers see the same.
        Action.READ_SLOTS: frozenset({_R.IVR, *_MANAGERS, _R.ASSIGNER, _R.MONITOR}),
        Action.READ_OWN: _AGENT_WORK,
        Action.CALL_NOW: _AGENT_WORK,
        Action.MANAGE_SMS: frozenset({_R.ADMIN}),
        # Whoever may send an SMS (DOMAIN.md: supervisors and above, agents for their own
        # callbacks) chooses among the templates.
        Action.READ_SMS_TEMPLATES: frozenset({*_MANAGERS, _R.ASSIGNER, _R.AGENT}),
        # Offers, their withdrawal and ownership expiry are the distributor's; the
        # agent offered one accepts or rejects it.
        Action.OFFER: frozenset({_R.SYSTEM}),
        Action.ANSWER_OFFER: _AGENT_WORK,
        # An agent only for their own callback (handlers/sms_send.py); an assigner as a
        # supervisor.
        Action.SEND_SMS: frozenset({*_MANAGERS, _R.ASSIGNER, _R.AGENT}),
        # Who sent it (any of the senders), or a supervisor and above (handlers/sms_send.py).
        Action.CANCEL_SMS: frozenset({*_MANAGERS, _R.ASSIGNER, _R.AGENT}),
        Action.READ_SMS: frozenset({*_MANAGERS, _R.ASSIGNER, _R.MONITOR}),
        Action.DISPATCH_SMS: frozenset({_R.SYSTEM}),
    }
)

# Roles whose caller must be an agent of the directory, with this permission.
AGENT_ROLES = frozenset({_R.AGENT, _R.ASSIGNER})


def allows(role: Role, action: Action) -> bool:
    return role in MATRIX[action]


def authorize(caller: Caller, action: Action) -> None:
    if not allows(caller.role, action):
        raise ForbiddenError(role=caller.role.value, actor=caller.actor, action=action.value)
