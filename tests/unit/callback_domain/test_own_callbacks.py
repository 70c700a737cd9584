"""Agents' own callbacks (DOMAIN.md, agent desktop): reschedule, cancel and call now of
the scheduled callbacks routed to them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from callback_domain.errors import (
    CallbackNotFoundError,
    ForbiddenError,
    InvalidTransitionError,
)
from callback_domain.values import AssignMethod
from tests.factories import SYSTEM, T0, add_agents, agent, request

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService

KIM, LEE = agent("kim"), agent("lee")
AHEAD = T0 + timedelta(hours=2)


def scheduled_for(sut: CallbackService, who: str = "kim", **fields: object) -> UUID:
    reply = sut.execute(request(caller=agent(who), desired_time=AHEAD, **fields))
    assert reply.state == "SCHEDULED"
    return reply.callback_id  # type: ignore[no-any-return]


@pytest.fixture
def team(sut: CallbackService) -> CallbackService:
    add_agents(sut, "kim", "lee", teams=("billing",))
    return sut


def test_call_now_gives_the_agent_their_scheduled_callback(team: CallbackService) -> None:
    callback_id = scheduled_for(team)

    changed = team.execute(c.CallNow(caller=KIM, at=T0, callback_id=callback_id))

    cb = team.get_callback(callback_id)
    assert (changed.state, changed.agent_id) == ("ROUTING", "kim")
    assert (cb.state, cb.agent_id, cb.assign_method, cb.assigner) == (
        "ROUTING",
        "kim",
        AssignMethod.CALL_NOW,
        "kim",
    )
    assert team.execute(c.DialCallback(caller=KIM, at=T0, callback_id=callback_id)).attempts == 1


def test_a_dial_on_their_own_scheduled_callback_calls_it_now(team: CallbackService) -> None:
    callback_id = scheduled_for(team)

    changed = team.execute(c.DialCallback(caller=KIM, at=T0, callback_id=callback_id))

    assert (changed.state, changed.attempts) == ("PROCESSING", 1)
    types = [type(e).__name__ for e in team.history(callback_id)]
    assert types == ["Requested", "Assigned", "DialAttempted"]


def test_an_agent_reschedules_and_cancels_their_own(team: CallbackService) -> None:
    moved, dropped = scheduled_for(team), scheduled_for(team)
    new_time = AHEAD + timedelta(hours=1)

    team.execute(c.RescheduleCallback(caller=KIM, at=T0, callback_id=moved, desired_time=new_time))
    result = team.execute(c.CancelCallbacks(caller=KIM, at=T0, callback_ids=(dropped,)))

    assert team.get_callback(moved).desired_time == new_time
    assert result.cancelled == (dropped,)
    assert team.get_callback(dropped).reason == "CANCELLED_BY_ADMIN"


def test_another_agents_scheduled_callback_is_not_found_or_not_theirs(
    team: CallbackService,
) -> None:
    add_agents(team, "out", teams=("sales",))
    lees = scheduled_for(team, "lee")
    teams = scheduled_for(team, "lee", routing_team="billing")
    before = team.recorder.max_notification_id()

    with pytest.raises(CallbackNotFoundError):
        team.execute(c.CallNow(caller=agent("out"), at=T0, callback_id=lees))
    with pytest.raises(CallbackNotFoundError):  # lee's own: kim may not even see it
        team.execute(c.CallNow(caller=KIM, at=T0, callback_id=lees))
    with pytest.raises(ForbiddenError, match="not scheduled for them"):  # seen, not theirs
        team.execute(c.CallNow(caller=KIM, at=T0, callback_id=teams))
    skipped = team.execute(c.CancelCallbacks(caller=KIM, at=T0, callback_ids=(lees, teams)))

    assert skipped.cancelled == ()
    assert [s.reason for s in skipped.skipped] == ["not_found", "forbidden"]
    assert team.recorder.max_notification_id() == before


def test_only_scheduled_ones_are_an_agents_to_reschedule_cancel_or_call(
    team: CallbackService,
) -> None:
    callback_id = scheduled_for(team)
    team.execute(c.CallNow(caller=KIM, at=T0, callback_id=callback_id))

    with pytest.raises(InvalidTransitionError):
        team.execute(c.CallNow(caller=KIM, at=T0, callback_id=callback_id))
    with pytest.raises(InvalidTransitionError):
        team.execute(
            c.RescheduleCallback(caller=KIM, at=T0, callback_id=callback_id, desired_time=AHEAD)
        )
    result = team.execute(c.CancelCallbacks(caller=KIM, at=T0, callback_ids=(callback_id,)))
    assert [s.reason for s in result.skipped] == ["invalid_transition"]


def test_scheduling_for_another_agent_sends_it_to_them_when_due(team: CallbackService) -> None:
    callback_id = scheduled_for(team, "kim", routing_agent="lee")

    team.execute(c.QueueDueCallback(caller=SYSTEM, at=AHEAD, callback_id=callback_id))

    cb = team.get_callback(callback_id)
    assert (cb.state, cb.agent_id, cb.assign_method) == ("ROUTING", "lee", "ROUTED")
    assert (cb.routing_agent, cb.requested_by) == ("lee", "kim")
