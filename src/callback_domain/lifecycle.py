"""The callback lifecycle of DOMAIN.md as one table, compiled to a lookup."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from transitions import Machine

from callback_domain.errors import InvalidTransitionError

if TYPE_CHECKING:
    from collections.abc import Mapping


class CallbackState(StrEnum):
    SCHEDULED = "SCHEDULED"
    QUEUED = "QUEUED"
    ROUTING = "ROUTING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"


class CompletionReason(StrEnum):
    AGENT = "AGENT"
    FINISHED = "FINISHED"
    MAX_ATTEMPTS = "MAX_ATTEMPTS"
    CANCELLED_BY_ADMIN = "CANCELLED_BY_ADMIN"
    CANCELLED = "CANCELLED"
    ABANDONED_IN_QUEUE = "ABANDONED_IN_QUEUE"
    EXPIRED = "EXPIRED"


# Named sets of the lifecycle: the one home of each fact, used by the aggregate, the
# projections and the views' SQL (as query parameters) alike.
OPEN = frozenset(s for s in CallbackState if s is not CallbackState.COMPLETED)
HOLDING = frozenset({CallbackState.ROUTING, CallbackState.PROCESSING})  # an agent holds it
# Open, and no call under way: what a cancel or the expiry may end.
CANCELLABLE = OPEN - {CallbackState.PROCESSING}
EXPIRABLE = CANCELLABLE
CANCEL_REASONS = frozenset({CompletionReason.CANCELLED_BY_ADMIN, CompletionReason.CANCELLED})
TREATED_REASONS = frozenset({CompletionReason.AGENT, CompletionReason.FINISHED})
# The treatment rate's other ends of an assigned callback: failed, or released (every
# other reason: cancelled or abandoned after assignment) — with TREATED_REASONS, all.
FAILED_REASONS = frozenset({CompletionReason.MAX_ATTEMPTS, CompletionReason.EXPIRED})
RELEASED_REASONS = frozenset(CompletionReason) - TREATED_REASONS - FAILED_REASONS


class NhnStatus(StrEnum):
    """The four statuses NHN Online Contact users see beside the canonical state."""

    REGISTERED = "REGISTERED"
    UNPROCESSED = "UNPROCESSED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class Trigger(StrEnum):
    REQUEST_SCHEDULED = "request_scheduled"
    REQUEST_IMMEDIATE = "request_immediate"
    RESCHEDULE = "reschedule"
    QUEUE = "queue"
    ASSIGN = "assign"
    CALL_NOW = "call_now"  # an agent's own scheduled callback, before its time
    UNASSIGN = "unassign"
    DIAL = "dial"
    RETRY = "retry"  # a failed dial with attempts left
    GIVE_UP = "give_up"  # a failed dial that used the last attempt
    COMPLETE = "complete"
    FINISH = "finish"
    CANCEL = "cancel"
    ABANDON = "abandon"
    EXPIRE = "expire"
    RECREATE = "recreate"
    # AUTO distribution (DOMAIN.md "Teams and distribution")
    OFFER = "offer"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"  # an offer not accepted in time
    RELEASE = "release"  # ownership expiry: accepted, not dialled in time


NEW = "NEW"  # pseudo-state: the callback does not exist yet

_S = CallbackState

TRANSITIONS: tuple[dict[str, object], ...] = (
    {"trigger": Trigger.REQUEST_SCHEDULED, "source": NEW, "dest": _S.SCHEDULED},
    {"trigger": Trigger.REQUEST_IMMEDIATE, "source": NEW, "dest": _S.QUEUED},
    {"trigger": Trigger.RESCHEDULE, "source": _S.SCHEDULED, "dest": _S.SCHEDULED},
    {"trigger": Trigger.QUEUE, "source": _S.SCHEDULED, "dest": _S.QUEUED},
    {"trigger": Trigger.ASSIGN, "source": _S.QUEUED, "dest": _S.ROUTING},
    {"trigger": Trigger.CALL_NOW, "source": _S.SCHEDULED, "dest": _S.ROUTING},
    {"trigger": Trigger.UNASSIGN, "source": _S.ROUTING, "dest": _S.QUEUED},
    {"trigger": Trigger.DIAL, "source": _S.ROUTING, "dest": _S.PROCESSING},
    {"trigger": Trigger.RETRY, "source": _S.PROCESSING, "dest": _S.ROUTING},
    {"trigger": Trigger.GIVE_UP, "source": _S.PROCESSING, "dest": _S.COMPLETED},
    {"trigger": Trigger.COMPLETE, "source": _S.PROCESSING, "dest": _S.COMPLETED},
    {"trigger": Trigger.FINISH, "source": sorted(HOLDING), "dest": _S.COMPLETED},
    {"trigger": Trigger.CANCEL, "source": sorted(CANCELLABLE), "dest": _S.COMPLETED},
    {"trigger": Trigger.ABANDON, "source": _S.QUEUED, "dest": _S.COMPLETED},
    {"trigger": Trigger.EXPIRE, "source": sorted(EXPIRABLE), "dest": _S.COMPLETED},
    {"trigger": Trigger.RECREATE, "source": _S.COMPLETED, "dest": _S.COMPLETED},
    {"trigger": Trigger.OFFER, "source": _S.QUEUED, "dest": _S.ROUTING},
    {"trigger": Trigger.ACCEPT, "source": _S.ROUTING, "dest": _S.ROUTING},
    {"trigger": Trigger.REJECT, "source": _S.ROUTING, "dest": _S.QUEUED},
    {"trigger": Trigger.WITHDRAW, "source": _S.ROUTING, "dest": _S.QUEUED},
    {"trigger": Trigger.RELEASE, "source": _S.ROUTING, "dest": _S.QUEUED},
)


def _compile() -> Mapping[tuple[str, Trigger], CallbackState]:
    # Used only as a query: never bound to an aggregate, whose state changes
    # only when an event is applied.
    machine = Machine(
        model=None,
        states=[NEW, *CallbackState],
        transitions=list(TRANSITIONS),
        initial=NEW,
        auto_transitions=False,
    )
    table: dict[tuple[str, Trigger], CallbackState] = {}
    for trigger in Trigger:
        for source, transitions in machine.events[trigger].transitions.items():
            (transition,) = transitions
            assert transition.dest is not None  # every transition of the table has one
            table[(source, trigger)] = CallbackState(transition.dest)
    return MappingProxyType(table)


LOOKUP: Mapping[tuple[str, Trigger], CallbackState] = _compile()


def next_state(state: CallbackState | str, trigger: Trigger) -> CallbackState:
    """The state `trigger` leads to from `state`; raises InvalidTransitionError."""
    try:
        return LOOKUP[(str(state), trigger)]
    except KeyError:
        raise InvalidTransitionError(state=str(state), command=trigger.value) from None


def nhn_status(
    state: CallbackState,
    reason: CompletionReason | None,
    *,
    assignment_cancelled: bool,
) -> NhnStatus:
    if state in HOLDING:
        return NhnStatus.UNPROCESSED
    if state is CallbackState.COMPLETED:
        return NhnStatus.CANCELLED if reason in CANCEL_REASONS else NhnStatus.COMPLETED
    if state is CallbackState.QUEUED and assignment_cancelled:
        return NhnStatus.CANCELLED
    return NhnStatus.REGISTERED
