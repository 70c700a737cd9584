"""Requests: idempotency, the duplicate check, routing, recreation and the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from callback_domain.application import CallbackService
from callback_domain.errors import InvalidTransitionError
from callback_domain.values import Policies, Policy
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, T0, add_agents, agent, queued, request

if TYPE_CHECKING:
    from uuid import UUID


class TestIdempotency:
    def test_the_same_request_id_is_the_same_callback(self, sut: CallbackService) -> None:
        first = request()
        created = sut.execute(first)
        before = sut.recorder.max_notification_id()

        again = sut.execute(replace(first, at=T0 + timedelta(days=40)))

        assert (again.callback_id, again.replayed, created.replayed) == (
            created.callback_id,
            True,
            False,
        )
        # its own callback, not one found by the duplicate check (issue 10)
        assert (again.duplicate, created.duplicate) == (False, False)
        assert sut.recorder.max_notification_id() == before

    def test_a_replay_is_answered_even_if_it_would_now_be_refused(
        self, sut: CallbackService
    ) -> None:
        scheduled = request(desired_time=T0 + timedelta(hours=1))
        created = sut.execute(scheduled)

        again = sut.execute(replace(scheduled, at=T0 + timedelta(days=2)))  # desired time now past

        assert again.callback_id == created.callback_id and again.replayed
        assert not again.duplicate


class TestDuplicateCheck:
    def test_an_open_callback_for_the_number_and_route_answers(self, sut: CallbackService) -> None:
        first = sut.execute(request(phone="+82 10-1234-5678"))

        second = sut.execute(request(phone="+821012345678"))

        assert (second.callback_id, second.duplicate) == (first.callback_id, True)

    def test_another_route_is_another_line(self, sut: CallbackService) -> None:
        first = sut.execute(request(phone="0212345678", route="billing"))

        second = sut.execute(request(phone="0212345678", route="tech"))

        assert second.callback_id != first.callback_id and not second.duplicate

    def test_a_completed_callback_does_not_block_a_new_one(self, sut: CallbackService) -> None:
        first = sut.execute(request(phone="0212345678"))
        sut.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(first.callback_id,)))

        second = sut.execute(request(phone="0212345678"))

        assert not second.duplicate
        assert sut.execute(request(phone="0212345678")).callback_id == second.callback_id

    def test_the_limit_and_the_switch_come_from_the_route_policy(self) -> None:
        sut = CallbackService(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
            policies=Policies(
                by_route={"vip": Policy(duplicate_limit=2), "free": Policy(duplicate_check=False)}
            ),
        )
        vip = [sut.execute(request(phone="0212345678", route="vip")) for _ in range(3)]
        free = [sut.execute(request(phone="0212345678", route="free")) for _ in range(3)]

        assert [r.duplicate for r in vip] == [False, False, True]
        assert vip[2].callback_id == vip[0].callback_id  # the oldest open one answers
        assert [r.duplicate for r in free] == [False, False, False]
        assert sut.get_callback(vip[0].callback_id).policy == Policy(duplicate_limit=2)


class TestRouting:
    def test_a_callback_routed_to_an_agent_goes_to_them_when_due(
        self, sut: CallbackService
    ) -> None:
        add_agents(sut, "kim")
        reply = sut.execute(request(routing_agent="kim", desired_time=T0 + timedelta(hours=1)))
        assert reply.state == "SCHEDULED"

        sut.execute(
            c.QueueDueCallback(
                caller=SYSTEM, at=T0 + timedelta(hours=1), callback_id=reply.callback_id
            )
        )

        cb = sut.get_callback(reply.callback_id)
        assert (cb.state, cb.agent_id, cb.assign_method) == ("ROUTING", "kim", "ROUTED")

    def test_an_agent_schedules_for_themselves_by_default(self, sut: CallbackService) -> None:
        add_agents(sut, "kim")

        reply = sut.execute(request(caller=agent("kim")))

        assert sut.get_callback(reply.callback_id).agent_id == "kim"

    def test_a_callback_is_not_queued_before_it_is_due(self, sut: CallbackService) -> None:
        reply = sut.execute(request(desired_time=T0 + timedelta(hours=1)))

        outcome = sut.execute_batch(
            [c.QueueDueCallback(caller=SYSTEM, at=T0, callback_id=reply.callback_id)]
        )[0]

        assert outcome.error is not None and outcome.error.code == "invalid_request"


class TestRecreate:
    def _cancelled(self, sut: CallbackService) -> UUID:
        callback_id = queued(sut, phone="0212345678")
        sut.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(callback_id,)))
        return callback_id

    def test_makes_a_new_callback_that_keeps_the_callers_place(self, sut: CallbackService) -> None:
        old = self._cancelled(sut)

        made = sut.execute(
            c.RecreateCallback(caller=ADMIN, at=T0 + timedelta(hours=3), callback_id=old)
        )

        new, before = sut.get_callback(made.callback_id), sut.get_callback(old)
        assert (made.recreated_from, new.recreated_from, before.recreated_as) == (
            old,
            old,
            (new.id,),
        )
        assert (new.state, new.queue_since, before.state, before.reason) == (
            "QUEUED",
            T0,
            "COMPLETED",
            "CANCELLED_BY_ADMIN",
        )

    def test_answers_with_the_open_one_rather_than_a_second(self, sut: CallbackService) -> None:
        old = self._cancelled(sut)
        first = sut.execute(c.RecreateCallback(caller=ADMIN, at=T0, callback_id=old))

        again = sut.execute(c.RecreateCallback(caller=ADMIN, at=T0, callback_id=old))

        assert (again.callback_id, again.duplicate) == (first.callback_id, True)

    def test_only_completed_callbacks(self, sut: CallbackService) -> None:
        with pytest.raises(InvalidTransitionError):
            sut.execute(c.RecreateCallback(caller=ADMIN, at=T0, callback_id=queued(sut)))


class TestAuditTrail:
    def test_every_event_records_actor_role_channel_and_the_given_time(
        self, sut: CallbackService
    ) -> None:
        add_agents(sut, "kim")
        callback_id = queued(sut)
        steps = [
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0 + timedelta(minutes=1),
                callback_ids=(callback_id,),
                agent_ids=("kim",),
            ),
            c.DialCallback(
                caller=agent("kim"), at=T0 + timedelta(minutes=2), callback_id=callback_id
            ),
            c.CompleteCallback(
                caller=agent("kim"), at=T0 + timedelta(minutes=3), callback_id=callback_id
            ),
        ]
        for step in steps:
            sut.execute(step)

        history = sut.history(callback_id)
        assert [(type(e).__name__, e.actor, e.role, e.channel, e.timestamp) for e in history] == [
            ("Requested", IVR.actor, "IVR", "test", T0),
            ("Assigned", SUPERVISOR.actor, "SUPERVISOR", "test", T0 + timedelta(minutes=1)),
            ("DialAttempted", "kim", "AGENT", "test", T0 + timedelta(minutes=2)),
            ("Completed", "kim", "AGENT", "test", T0 + timedelta(minutes=3)),
        ]


def test_an_agent_scheduling_never_learns_another_agents_callback(sut: CallbackService) -> None:
    """Issue 12: neither "already used by another callback" nor "held by someone else":
    a request id another agent used is refused without a word of its callback, and a
    phone another agent holds does not count for the duplicate check (the agent gets a
    callback of their own, never a duplicate answer naming lee's)."""
    from callback_domain.errors import InvalidRequestError

    add_agents(sut, "kim", "lee")
    lees = sut.execute(request(caller=agent("lee"), routing_agent="lee", phone="0212345678"))
    events = sut.recorder.max_notification_id()

    with pytest.raises(InvalidRequestError) as same_id:
        sut.execute(request(caller=agent("kim"), request_id=lees.request_id, phone="0299999999"))
    assert [d.field for d in same_id.value.errors] == ["request_id"]
    assert "another callback" not in same_id.value.message
    assert str(lees.callback_id) not in same_id.value.message
    assert sut.recorder.max_notification_id() == events  # nothing recorded
    kims = sut.execute(request(caller=agent("kim"), phone="02-1234-5678"))
    assert kims.callback_id != lees.callback_id
    assert not kims.duplicate
    again = sut.execute(
        request(caller=agent("lee"), request_id=lees.request_id, phone="0212345678")
    )
    assert (again.callback_id, again.replayed, again.duplicate) == (
        lees.callback_id,
        True,
        False,
    )  # the owner still gets it
