"""Every (state, command) pair of DOMAIN.md's lifecycle, through the real service."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import InvalidTransitionError
from callback_domain.lifecycle import CallbackState
from callback_domain.values import DialOutcome
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, T0, add_agents, agent, request
from tests.unit.conftest import popo_service

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService

# DOMAIN.md "Transitions", written out independently of the code's table.
EXPECTED: dict[tuple[str, str], str] = {
    ("SCHEDULED", "reschedule"): "SCHEDULED",
    ("SCHEDULED", "queue"): "QUEUED",
    ("SCHEDULED", "call_now"): "ROUTING",  # the agent's own scheduled callback
    ("QUEUED", "assign"): "ROUTING",
    ("ROUTING", "unassign"): "QUEUED",
    ("ROUTING", "dial"): "PROCESSING",
    ("PROCESSING", "dial_result"): "ROUTING",
    ("PROCESSING_LAST_ATTEMPT", "dial_result"): "COMPLETED(MAX_ATTEMPTS)",
    ("PROCESSING", "complete"): "COMPLETED(AGENT)",
    ("PROCESSING_LAST_ATTEMPT", "complete"): "COMPLETED(AGENT)",
    ("ROUTING", "finish"): "COMPLETED(FINISHED)",
    ("PROCESSING", "finish"): "COMPLETED(FINISHED)",
    ("PROCESSING_LAST_ATTEMPT", "finish"): "COMPLETED(FINISHED)",
    ("SCHEDULED", "cancel"): "COMPLETED(CANCELLED_BY_ADMIN)",
    ("QUEUED", "cancel"): "COMPLETED(CANCELLED_BY_ADMIN)",
    ("ROUTING", "cancel"): "COMPLETED(CANCELLED_BY_ADMIN)",
    ("QUEUED", "abandon"): "COMPLETED(ABANDONED_IN_QUEUE)",
    ("SCHEDULED", "expire"): "COMPLETED(EXPIRED)",
    ("QUEUED", "expire"): "COMPLETED(EXPIRED)",
    ("ROUTING", "expire"): "COMPLETED(EXPIRED)",
    ("COMPLETED", "recreate"): "COMPLETED(AGENT)",  # the old one stays as it is
    # AUTO distribution: every state of these is tested in test_offers.py (an offer
    # needs an AUTO route, and accept / reject an offered ROUTING callback).
    ("QUEUED", "offer"): "ROUTING",
    ("ROUTING", "accept"): "ROUTING",
    ("ROUTING", "reject"): "QUEUED",
    ("ROUTING", "withdraw"): "QUEUED",
    ("ROUTING", "release"): "QUEUED",
}
STATES = ["SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "PROCESSING_LAST_ATTEMPT", "COMPLETED"]
COMMANDS = [
    "reschedule",
    "queue",
    "assign",
    "call_now",
    "unassign",
    "dial",
    "dial_result",
    "complete",
    "finish",
    "cancel",
    "abandon",
    "expire",
    "recreate",
]
KIM = agent("kim")


def in_state(sut: CallbackService, state: str, command: str = "") -> UUID:
    """A callback brought to `state` by real commands; it has always been kim's: routed
    to kim's team (so kim sees it), and for call now scheduled for kim."""
    add_agents(sut, "kim")
    if state == "SCHEDULED":
        routing = {"routing_agent": "kim"} if command == "call_now" else {"routing_team": "team-a"}
        return sut.execute(request(desired_time=T0 + timedelta(hours=1), **routing)).callback_id
    callback_id = sut.execute(request(routing_team="team-a")).callback_id
    if state == "QUEUED":
        return callback_id
    sut.execute(
        c.AssignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(callback_id,), agent_ids=("kim",))
    )
    if state == "ROUTING":
        return callback_id
    sut.execute(c.DialCallback(caller=KIM, at=T0, callback_id=callback_id))
    if state == "PROCESSING_LAST_ATTEMPT":
        for _ in range(2):
            sut.execute(
                c.RecordDialResult(
                    caller=KIM, at=T0, callback_id=callback_id, outcome=DialOutcome.BUSY
                )
            )
            sut.execute(c.DialCallback(caller=KIM, at=T0, callback_id=callback_id))
    if state in ("PROCESSING", "PROCESSING_LAST_ATTEMPT"):
        return callback_id
    sut.execute(c.CompleteCallback(caller=KIM, at=T0, callback_id=callback_id))
    return callback_id


_AGENT_VERBS = ("dial", "dial_result", "complete", "finish")


def send(sut: CallbackService, command: str, callback_id: UUID) -> Any:
    soon, much_later = T0 + timedelta(hours=2), T0 + timedelta(days=60)
    one = {"callback_id": callback_id}
    made = {
        "reschedule": lambda: c.RescheduleCallback(
            caller=ADMIN, at=soon, desired_time=soon + timedelta(hours=1), **one
        ),
        "queue": lambda: c.QueueDueCallback(caller=SYSTEM, at=soon, **one),
        "assign": lambda: c.AssignCallbacks(
            caller=SUPERVISOR, at=soon, callback_ids=(callback_id,), agent_ids=("kim",)
        ),
        "unassign": lambda: c.UnassignCallbacks(
            caller=SUPERVISOR, at=soon, callback_ids=(callback_id,)
        ),
        "call_now": lambda: c.CallNow(caller=KIM, at=T0, **one),
        "dial": lambda: c.DialCallback(caller=KIM, at=soon, **one),
        "dial_result": lambda: c.RecordDialResult(
            caller=KIM, at=soon, outcome=DialOutcome.NO_ANSWER, **one
        ),
        "complete": lambda: c.CompleteCallback(caller=KIM, at=soon, **one),
        "finish": lambda: c.FinishCallback(caller=KIM, at=soon, **one),
        "cancel": lambda: c.CancelCallbacks(caller=ADMIN, at=soon, callback_ids=(callback_id,)),
        "abandon": lambda: c.AbandonCallback(caller=IVR, at=soon, **one),
        "expire": lambda: c.ExpireCallback(caller=SYSTEM, at=much_later, **one),
        "recreate": lambda: c.RecreateCallback(caller=ADMIN, at=soon, **one),
    }[command]()
    outcome = sut.execute_batch([made])[0]
    if outcome.error is not None:
        raise outcome.error
    value = outcome.value
    # Bulk commands report refusals per callback rather than raising.
    for item in getattr(value, "results", ()):
        if item.error is not None:
            raise item.error
    for skipped in getattr(value, "skipped", ()):
        raise InvalidTransitionError(state=skipped.state, command=command)
    return value


def described(sut: CallbackService, callback_id: UUID) -> str:
    cb = sut.get_callback(callback_id)
    return f"{cb.state}({cb.reason})" if cb.state is CallbackState.COMPLETED else str(cb.state)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_and_command_pair(state: str, command: str) -> None:
    sut = popo_service()
    callback_id = in_state(sut, state, command)
    before = sut.recorder.max_notification_id()
    history_before = len(sut.history(callback_id))
    expected = EXPECTED.get((state, command))

    # kim sees the callback (routed to kim's team): the lifecycle answers. A caller who
    # may not see it is answered not_found first (test_permissions.py, test_teams.py and
    # the authorization matrix over NATS).
    if expected is None:
        with pytest.raises(InvalidTransitionError) as refused:
            send(sut, command, callback_id)
        assert sut.recorder.max_notification_id() == before, "a refused command recorded events"
        assert len(sut.history(callback_id)) == history_before
        assert refused.value.context["state"] in (s.split("_LAST")[0] for s in STATES)
    else:
        send(sut, command, callback_id)
        assert described(sut, callback_id) == expected
        assert sut.recorder.max_notification_id() > before


def test_the_code_table_is_exactly_the_domain_table() -> None:
    from callback_domain.lifecycle import LOOKUP, NEW

    def trigger(state: str, command: str) -> str:
        if command == "dial_result":
            return "give_up" if state == "PROCESSING_LAST_ATTEMPT" else "retry"
        return command

    expected = {
        (state.split("_LAST")[0], trigger(state, command), target.split("(")[0])
        for (state, command), target in EXPECTED.items()
    }
    actual = {(s, t.value, dest.value) for (s, t), dest in LOOKUP.items() if s != NEW}
    assert actual == expected
    assert {(s, t.value, d.value) for (s, t), d in LOOKUP.items() if s == NEW} == {
        (NEW, "request_scheduled", "SCHEDULED"),
        (NEW, "request_immediate", "QUEUED"),
    }
