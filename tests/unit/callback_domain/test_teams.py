"""Teams (DOMAIN.md "Teams and distribution", MANUAL part): team-routed callbacks are
seen by the team's members and assigners and taken only by the members."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from callback_domain.errors import CallbackNotFoundError, InvalidRequestError
from callback_domain.values import AssignMethod, Caller, Permission, Role, team_of
from callback_domain.visibility import may_see, may_take
from tests.factories import IVR, SUPERVISOR, SYSTEM, T0, add_agents, agent, assigner, request

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService
    from callback_domain.results import ItemResult


def team_setup(sut: CallbackService) -> None:
    add_agents(sut, "kim", "lee", "park", teams=("billing",))
    add_agents(sut, "out", teams=("sales",))
    add_agents(sut, "boss", teams=("billing",), permissions=(Permission.CALL, Permission.ASSIGN))
    add_agents(sut, "sboss", teams=("sales",), permissions=(Permission.CALL, Permission.ASSIGN))


def billing_callback(sut: CallbackService, **fields: object) -> UUID:
    return sut.execute(request(routing_team="billing", **fields)).callback_id  # type: ignore[no-any-return]


def assign(
    sut: CallbackService,
    ids: list[UUID],
    agents: tuple[str, ...],
    *,
    by: Caller = SUPERVISOR,
    method: AssignMethod = AssignMethod.MANUAL,
) -> tuple[ItemResult, ...]:
    return sut.execute(  # type: ignore[no-any-return]
        c.AssignCallbacks(
            caller=by, at=T0, callback_ids=tuple(ids), agent_ids=agents, method=method
        )
    ).results


class TestTeamRouting:
    def test_an_ivr_request_for_a_team_waits_in_the_queue_routed_to_the_team(
        self, sut: CallbackService
    ) -> None:
        team_setup(sut)
        cb = sut.get_callback(billing_callback(sut))
        assert (cb.state, cb.agent_id, cb.routing_team, cb.routing_agent) == (
            "QUEUED",
            None,
            "billing",
            None,
        )

    def test_an_agent_scheduling_for_their_team_does_not_get_it_themselves(
        self, sut: CallbackService
    ) -> None:
        team_setup(sut)
        reply = sut.execute(request(caller=agent("kim"), routing_team="billing"))
        cb = sut.get_callback(reply.callback_id)
        assert (cb.state, cb.agent_id, cb.routing_team, cb.routing_agent) == (
            "QUEUED",
            None,
            "billing",
            None,
        )

    def test_a_due_team_callback_goes_to_the_team_queue(self, sut: CallbackService) -> None:
        team_setup(sut)
        callback_id = billing_callback(sut, desired_time=T0 + timedelta(hours=1))
        sut.execute(
            c.QueueDueCallback(caller=SYSTEM, at=T0 + timedelta(hours=1), callback_id=callback_id)
        )
        cb = sut.get_callback(callback_id)
        assert (cb.state, cb.agent_id) == ("QUEUED", None)

    def test_only_members_take_a_team_callback(self, sut: CallbackService) -> None:
        team_setup(sut)
        callback_id = billing_callback(sut)
        before = sut.recorder.max_notification_id()

        (refused,) = assign(sut, [callback_id], ("out",))
        assert isinstance(refused.error, InvalidRequestError)
        assert refused.error.details[0]["field"] == "agent_ids"
        assert "routed to team 'billing'" in refused.error.message
        assert sut.recorder.max_notification_id() == before

        (taken,) = assign(sut, [callback_id], ("kim",))
        assert taken.ok and sut.get_callback(callback_id).agent_id == "kim"

    def test_equal_assignment_picks_among_the_team_members(self, sut: CallbackService) -> None:
        team_setup(sut)
        team = [billing_callback(sut) for _ in range(4)]
        later = T0 + timedelta(seconds=1)  # oldest first: the team's callbacks go first
        anyone = [sut.execute(request(at=later)).callback_id for _ in range(2)]

        results = assign(sut, team + anyone, ("kim", "out", "lee"), method=AssignMethod.EQUAL)

        given = {r.callback_id: r.agent_id for r in results}
        assert all(r.ok for r in results)
        assert {given[i] for i in team} == {"kim", "lee"}
        assert sorted(given[i] for i in team) == ["kim", "kim", "lee", "lee"]
        assert [given[i] for i in anyone] == ["out", "out"]  # the others level the load

    def test_equal_assignment_with_no_member_selected_refuses_that_callback(
        self, sut: CallbackService
    ) -> None:
        team_setup(sut)
        team, other = billing_callback(sut), sut.execute(request()).callback_id

        results = {
            r.callback_id: r
            for r in assign(sut, [team, other], ("out",), method=AssignMethod.EQUAL)
        }

        assert isinstance(results[team].error, InvalidRequestError)
        assert results[other].ok and results[other].agent_id == "out"

    def test_the_list_shows_the_routing_team_of_a_member_in_several(self) -> None:
        assert team_of(("sales", "billing"), "billing") == "billing"
        assert team_of(("sales", "billing"), None) == "sales"
        assert team_of(("sales",), "billing") == "sales"


class TestVisibility:
    def test_another_teams_assigner_cannot_see_a_team_callback(self, sut: CallbackService) -> None:
        team_setup(sut)
        callback_id = billing_callback(sut)

        (hidden,) = assign(sut, [callback_id], ("kim",), by=assigner("sboss"))
        (shown,) = assign(sut, [callback_id], ("kim",), by=assigner("boss"))

        assert isinstance(hidden.error, CallbackNotFoundError)
        assert shown.ok

    @pytest.mark.parametrize(
        ("role", "teams", "routing", "seen"),
        [
            (Role.AGENT, ("billing",), {"routing_team": "billing"}, True),
            (Role.AGENT, ("sales",), {"routing_team": "billing"}, False),
            (Role.AGENT, ("billing",), {}, False),  # unrouted, not theirs
            (Role.AGENT, (), {"routing_agent": "kim"}, True),
            (Role.AGENT, (), {"agent": "kim"}, True),
            (Role.ASSIGNER, ("sales",), {"routing_team": "billing"}, False),
            (Role.ASSIGNER, ("billing",), {"routing_team": "billing"}, True),
            (Role.ASSIGNER, ("sales",), {}, True),
            (Role.SUPERVISOR, (), {"routing_team": "billing"}, True),
            (Role.MONITOR, (), {"routing_team": "billing"}, True),
        ],
    )
    def test_who_sees_what(
        self, role: Role, teams: tuple[str, ...], routing: dict[str, str], seen: bool
    ) -> None:
        caller = Caller(actor="kim", role=role)
        fields = {"agent": None, "routing_agent": None, "routing_team": None} | routing
        assert may_see(caller, teams, **fields) is seen

    def test_who_may_take_what(self) -> None:
        assert may_take(("billing",), "billing")
        assert may_take(("sales",), None)
        assert not may_take(("sales",), "billing")

    def test_an_ivr_replay_of_a_team_callback_is_still_answered(self, sut: CallbackService) -> None:
        team_setup(sut)
        first = sut.execute(request(routing_team="billing", request_id="r-1"))
        again = sut.execute(request(caller=IVR, routing_team="billing", request_id="r-1"))
        assert again.replayed and again.callback_id == first.callback_id
