"""The role matrix, enforced by the service: refused actions record nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import CallbackError, CallbackNotFoundError, ForbiddenError
from callback_domain.permissions import MATRIX, Action
from callback_domain.values import Caller, DialOutcome, Permission, Policies, Policy, Role
from tests.factories import ADMIN, SUPERVISOR, T0, add_agents, assigned, queued, request
from tests.unit.callback_domain.test_sms_setup import set_up, template
from tests.unit.conftest import popo_service

if TYPE_CHECKING:
    from callback_domain.application import CallbackService

SOON = T0 + timedelta(hours=1)


def caller_for(role: Role) -> Caller:
    # Agent roles act as "kim", who holds every callback of these tests.
    actor = {Role.AGENT: "kim", Role.ASSIGNER: "boss-kim"}.get(role, f"{role.value.lower()}-1")
    return Caller(actor=actor, role=role, channel="test")


def command_for(action: Action, sut: CallbackService, by: Caller) -> c.Command | None:
    one = {"caller": by, "at": SOON}
    held = assigned(sut, "kim")
    if action is Action.DIAL:
        return c.DialCallback(callback_id=held, **one)
    if action is Action.COMPLETE:
        sut.execute(c.DialCallback(caller=caller_for(Role.AGENT), at=T0, callback_id=held))
        return c.CompleteCallback(callback_id=held, **one)
    scheduled = sut.execute(request(desired_time=T0 + timedelta(minutes=30))).callback_id
    kims = sut.execute(
        request(desired_time=T0 + timedelta(minutes=30), routing_agent="kim")
    ).callback_id
    made: dict[Action, Any] = {
        Action.REQUEST: lambda: request(
            caller=by, at=SOON, routing_agent="kim" if by.role is Role.AGENT else None
        ),
        Action.RESCHEDULE: lambda: c.RescheduleCallback(
            callback_id=scheduled, desired_time=SOON + timedelta(hours=1), **one
        ),
        Action.QUEUE: lambda: c.QueueDueCallback(callback_id=scheduled, **one),
        Action.CALL_NOW: lambda: c.CallNow(callback_id=kims, caller=by, at=T0),
        Action.ASSIGN: lambda: c.AssignCallbacks(
            callback_ids=(queued(sut),), agent_ids=("kim",), **one
        ),
        Action.UNASSIGN: lambda: c.UnassignCallbacks(callback_ids=(held,), **one),
        Action.FINISH: lambda: c.FinishCallback(callback_id=held, **one),
        Action.CANCEL: lambda: c.CancelCallbacks(callback_ids=(held,), **one),
        Action.ABANDON: lambda: c.AbandonCallback(callback_id=queued(sut), **one),
        Action.EXPIRE: lambda: c.ExpireCallback(
            callback_id=queued(sut), caller=by, at=T0 + timedelta(days=20)
        ),
        Action.RECREATE: lambda: c.RecreateCallback(callback_id=_completed(sut), **one),
        Action.UPSERT_AGENT: lambda: c.UpsertAgent(agent_id="new-agent", name="New", **one),
        Action.SET_PRESENCE: lambda: c.SetPresence(agent_id="kim", logged_in=True, **one),
        Action.UPSERT_USER: lambda: c.UpsertUser(user="sv-new", role="SUPERVISOR", **one),
        # Someone else's password (one's own needs no permission: test_people.py).
        Action.SET_PASSWORD: lambda: c.SetPassword(
            user="lee-9", password_hash="$argon2id$x", **one
        ),
        Action.MANAGE_ROUTES: lambda: c.UpsertRoute(route="billing", name="Billing", **one),
        Action.RECORD_POLICIES: lambda: c.RecordPolicies(
            policies=Policies(default=Policy(max_attempts=5)), **one
        ),
        Action.MANAGE_SMS: lambda: c.UpsertSmsSender(number="1588-1234", **one),
        # The role is checked before the callback: any callback will do.
        Action.OFFER: lambda: c.OfferCallbacks(callback_ids=(held,), agent_ids=("kim",), **one),
        Action.ANSWER_OFFER: lambda: c.AcceptOffer(callback_id=held, **one),
        Action.SEND_SMS: lambda: _sms_send(sut, by, held),
        Action.CANCEL_SMS: lambda: c.CancelSms(message_ids=(_sms_message(sut),), **one),
        Action.DISPATCH_SMS: lambda: c.StartSmsHandOver(message_id=_sms_message(sut), **one),
    }
    return made[action]() if action in made else None


def _sms_send(sut: CallbackService, by: Caller, callback_id: Any) -> c.SendSms:
    """A send for kim's own callback (agents send only for their own)."""
    set_up(sut)
    sut.execute(template())
    return c.SendSms(
        caller=by,
        at=SOON,
        send_id="s-perm",
        template_id="t1",
        message_type="SMS",
        sender="15881234",
        recipients="01012345678",
        body=template().body,
        callback_id=callback_id,
    )


def _sms_message(sut: CallbackService) -> Any:
    """A RESERVED message sent by a supervisor."""
    command = _sms_send(sut, SUPERVISOR, None)
    return sut.execute(command)[0].message_id


def _completed(sut: CallbackService) -> Any:
    callback_id = queued(sut)
    sut.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(callback_id,)))
    return callback_id


READ_ACTIONS = (
    Action.READ,
    Action.READ_OWN,
    Action.READ_SMS_TEMPLATES,
    Action.READ_SLOTS,
    Action.READ_SMS,
)
WRITE_ACTIONS = [a for a in Action if a not in READ_ACTIONS]
ROLES = [r for r in Role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_each_role_may_do_exactly_what_the_matrix_allows(action: Action, role: Role) -> None:
    sut = popo_service()
    add_agents(sut, "kim")
    add_agents(sut, "boss-kim", permissions=(Permission.CALL, Permission.ASSIGN))
    by = caller_for(role)
    command = command_for(action, sut, by)
    assert command is not None
    before = sut.recorder.max_notification_id()

    outcome = sut.execute_batch([command])[0]

    if role in MATRIX[action]:
        assert not isinstance(outcome.error, ForbiddenError), outcome.error
    else:
        assert isinstance(outcome.error, ForbiddenError), (action, role, outcome)
        assert sut.recorder.max_notification_id() == before


class TestAgents:
    def test_an_agent_outside_the_directory_is_refused(self, sut: CallbackService) -> None:
        with pytest.raises(ForbiddenError, match="not in the agent directory"):
            sut.execute(request(caller=caller_for(Role.AGENT)))

    def test_an_agent_without_the_call_permission_is_refused(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", permissions=(Permission.ASSIGN,))

        with pytest.raises(ForbiddenError, match="'call' permission"):
            sut.execute(request(caller=caller_for(Role.AGENT)))

    def test_an_assigner_needs_the_assign_permission(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "boss-kim")

        with pytest.raises(ForbiddenError, match="'assign' permission"):
            sut.execute(
                c.AssignCallbacks(
                    caller=caller_for(Role.ASSIGNER),
                    at=T0,
                    callback_ids=(queued(sut),),
                    agent_ids=("kim",),
                )
            )

    @pytest.mark.parametrize("verb", ["dial", "finish"])
    def test_an_agent_acts_only_on_callbacks_assigned_to_them(
        self, sut: CallbackService, verb: str
    ) -> None:
        add_agents(sut, "kim", "lee")
        theirs = assigned(sut, "lee")
        before = sut.recorder.max_notification_id()
        command = {"dial": c.DialCallback, "finish": c.FinishCallback}[verb]

        with pytest.raises(CallbackNotFoundError):  # issue 12: as if it did not exist
            sut.execute(command(caller=caller_for(Role.AGENT), at=T0, callback_id=theirs))
        assert sut.recorder.max_notification_id() == before

    def test_a_dial_result_on_someone_elses_callback_is_refused(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "lee")
        theirs = assigned(sut, "lee")
        lee = Caller(actor="lee", role=Role.AGENT)
        sut.execute(c.DialCallback(caller=lee, at=T0, callback_id=theirs))

        with pytest.raises(CallbackNotFoundError):
            sut.execute(
                c.RecordDialResult(
                    caller=caller_for(Role.AGENT),
                    at=T0,
                    callback_id=theirs,
                    outcome=DialOutcome.BUSY,
                )
            )

    def test_an_agent_schedules_for_themselves_another_agent_or_their_team(
        self, sut: CallbackService
    ) -> None:
        add_agents(sut, "kim", "lee")
        kim = caller_for(Role.AGENT)
        ahead = {"desired_time": T0 + timedelta(hours=1)}

        own = sut.get_callback(sut.execute(request(caller=kim, **ahead)).callback_id)
        lees = sut.get_callback(
            sut.execute(request(caller=kim, routing_agent="lee", **ahead)).callback_id
        )
        teams = sut.get_callback(
            sut.execute(request(caller=kim, routing_team="team-a", **ahead)).callback_id
        )

        assert (own.routing_agent, own.routing_team) == ("kim", None)
        assert (lees.routing_agent, lees.routing_team) == ("lee", None)
        assert (teams.routing_agent, teams.routing_team) == (None, "team-a")

    def test_an_agent_schedules_only_for_their_own_teams(self, sut: CallbackService) -> None:
        add_agents(sut, "kim")

        with pytest.raises(CallbackError) as refused:
            sut.execute(request(caller=caller_for(Role.AGENT), routing_team="sales"))
        assert refused.value.details == [
            {
                "field": "routing.team",
                "message": "an agent may schedule callbacks only for their own teams (team-a)",
            }
        ]

    def test_a_supervisor_cancel_is_by_admin_and_an_ivr_cancel_by_the_customer(
        self, sut: CallbackService
    ) -> None:
        by_admin, by_customer = queued(sut), queued(sut)

        sut.execute(c.CancelCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(by_admin,)))
        sut.execute(
            c.CancelCallbacks(caller=caller_for(Role.IVR), at=T0, callback_ids=(by_customer,))
        )

        assert sut.get_callback(by_admin).reason == "CANCELLED_BY_ADMIN"
        assert sut.get_callback(by_customer).reason == "CANCELLED"
