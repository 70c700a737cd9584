"""AUTO distribution in the domain: offers, answers, lapses and ownership expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import (
    CallbackNotFoundError,
    ForbiddenError,
    InvalidRequestError,
    InvalidTransitionError,
)
from callback_domain.lifecycle import LOOKUP, CallbackState, Trigger
from callback_domain.values import Permission
from tests.factories import ADMIN, SUPERVISOR, SYSTEM, T0, add_agents, agent, queued
from tests.unit.conftest import popo_service

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService

SOON = T0 + timedelta(seconds=1)


def auto_service(*agents: str, ownership_minutes: int | None = None, **fields: Any) -> Any:
    sut = popo_service()
    sut.execute(
        c.UpsertRoute(
            caller=ADMIN,
            at=T0,
            route="billing",
            name="Billing",
            distribution="AUTO",
            offer_timeout_seconds=30,
            ownership_minutes=ownership_minutes,
            **fields,
        )
    )
    add_agents(sut, *agents)
    for agent_id in agents:
        sut.execute(c.SetPresence(caller=SYSTEM, at=T0, agent_id=agent_id, logged_in=True))
    return sut


def offer(sut: CallbackService, *ids: UUID, agents: tuple[str, ...], at: Any = SOON) -> Any:
    return sut.execute(c.OfferCallbacks(caller=SYSTEM, at=at, callback_ids=ids, agent_ids=agents))


def offered_to(sut: CallbackService, callback_id: UUID) -> str | None:
    cb = sut.get_callback(callback_id)
    return cb.agent_id if cb.offered else None


def test_the_offer_transitions_are_domain_md_s() -> None:
    assert LOOKUP[("QUEUED", Trigger.OFFER)] is CallbackState.ROUTING
    assert LOOKUP[("ROUTING", Trigger.ACCEPT)] is CallbackState.ROUTING
    for trigger in (Trigger.REJECT, Trigger.WITHDRAW, Trigger.RELEASE):
        assert LOOKUP[("ROUTING", trigger)] is CallbackState.QUEUED
        assert {s for s, t in LOOKUP if t is trigger} == {"ROUTING"}


class TestOffer:
    def test_each_goes_to_the_agent_holding_fewest_then_least_recently_assigned(self) -> None:
        sut = auto_service("kim", "lee")
        ids = [queued(sut) for _ in range(3)]

        result = offer(sut, *ids, agents=("kim", "lee"))

        assert [r.agent_id for r in result.results] == ["kim", "lee", "kim"]
        assert all(sut.get_callback(i).state is CallbackState.ROUTING for i in ids)
        assert offered_to(sut, ids[0]) == "kim"

    def test_only_logged_in_agents_with_call_in_the_routing_team(self) -> None:
        sut = auto_service("kim")
        add_agents(sut, "away")  # never logged in
        add_agents(sut, "nocall", permissions=(Permission.ASSIGN,))
        sut.execute(c.SetPresence(caller=SYSTEM, at=T0, agent_id="nocall", logged_in=True))
        add_agents(sut, "other", teams=("team-b",))
        sut.execute(c.SetPresence(caller=SYSTEM, at=T0, agent_id="other", logged_in=True))
        team_b = queued(sut, routing_team="team-b")
        plain = queued(sut)

        result = offer(sut, team_b, plain, agents=("away", "nocall", "kim", "other"))

        assert [r.agent_id for r in result.results] == ["other", "kim"]

    def test_refused_on_a_manual_route_and_when_nobody_is_eligible(self) -> None:
        sut = auto_service()
        sut.execute(c.UpsertRoute(caller=ADMIN, at=T0, route="tech", name="Tech"))
        callback_id = queued(sut)
        manual = queued(sut, route="tech")

        result = offer(sut, callback_id, manual, agents=("nobody",))

        assert [r.error.code for r in result.results if r.error] == ["invalid_request"] * 2
        assert sut.get_callback(callback_id).state is CallbackState.QUEUED

    def test_never_to_the_agent_who_rejected_while_another_is_eligible(self) -> None:
        sut = auto_service("kim", "lee")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))
        sut.execute(c.RejectOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))

        again = offer(sut, callback_id, agents=("kim", "lee"))

        assert again.results[0].agent_id == "lee"

    def test_offered_to_the_same_agent_when_nobody_else_is_eligible(self) -> None:
        sut = auto_service("kim")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))
        sut.execute(c.RejectOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))

        assert offer(sut, callback_id, agents=("kim",)).results[0].agent_id == "kim"


class TestAnswers:
    def test_accept_keeps_it_routing_and_unmarks_the_offer(self) -> None:
        sut = auto_service("kim", ownership_minutes=10)
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))

        changed = sut.execute(c.AcceptOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))

        cb = sut.get_callback(callback_id)
        assert changed.state is CallbackState.ROUTING
        assert (cb.offered, cb.owned_until) == (False, SOON + timedelta(minutes=10))

    def test_reject_queues_it_without_an_attempt(self) -> None:
        sut = auto_service("kim")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))

        sut.execute(c.RejectOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))

        cb = sut.get_callback(callback_id)
        assert (cb.state, cb.attempts, cb.agent_id) == (CallbackState.QUEUED, 0, None)

    def test_another_agent_may_not_answer_and_an_assignment_is_no_offer(self) -> None:
        sut = auto_service("kim", "lee")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))
        with pytest.raises(CallbackNotFoundError):  # not theirs: as if it did not exist
            sut.execute(c.AcceptOffer(caller=agent("lee"), at=SOON, callback_id=callback_id))
        sut.execute(c.AcceptOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))
        with pytest.raises(InvalidTransitionError):
            sut.execute(c.RejectOffer(caller=agent("kim"), at=SOON, callback_id=callback_id))
        manual = queued(sut)
        sut.execute(
            c.AssignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(manual,), agent_ids=("kim",))
        )
        with pytest.raises(InvalidTransitionError):
            sut.execute(c.AcceptOffer(caller=agent("kim"), at=SOON, callback_id=manual))

    def test_a_supervisor_may_not_answer_an_offer(self) -> None:
        sut = auto_service("kim")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))
        with pytest.raises(ForbiddenError):
            sut.execute(c.AcceptOffer(caller=SUPERVISOR, at=SOON, callback_id=callback_id))


class TestTimeouts:
    def test_an_offer_is_withdrawn_only_once_its_time_has_run_out(self) -> None:
        sut = auto_service("kim")
        callback_id = queued(sut)
        offer(sut, callback_id, agents=("kim",))
        early = c.WithdrawOffer(caller=SYSTEM, at=SOON, callback_id=callback_id)
        with pytest.raises(InvalidRequestError):
            sut.execute(early)

        late = SOON + timedelta(seconds=30)
        sut.execute(c.WithdrawOffer(caller=SYSTEM, at=late, callback_id=callback_id))

        cb = sut.get_callback(callback_id)
        assert (cb.state, cb.declined_by, cb.attempts) == (CallbackState.QUEUED, ("kim",), 0)

    def test_ownership_expires_unless_dialled(self) -> None:
        sut = auto_service("kim", "lee", ownership_minutes=5)
        ids = [queued(sut) for _ in range(2)]
        offer(sut, *ids, agents=("kim",))
        for i in ids:
            sut.execute(c.AcceptOffer(caller=agent("kim"), at=SOON, callback_id=i))
        sut.execute(c.DialCallback(caller=agent("kim"), at=SOON, callback_id=ids[1]))
        later = SOON + timedelta(minutes=5)

        sut.execute(c.ExpireOwnership(caller=SYSTEM, at=later, callback_id=ids[0]))
        with pytest.raises(InvalidTransitionError):  # dialled: PROCESSING
            sut.execute(c.ExpireOwnership(caller=SYSTEM, at=later, callback_id=ids[1]))

        assert sut.get_callback(ids[0]).state is CallbackState.QUEUED
        assert sut.get_callback(ids[1]).state is CallbackState.PROCESSING

    def test_only_the_service_withdraws(self) -> None:
        sut = auto_service("kim")
        callback_id = queued(sut)
        with pytest.raises(ForbiddenError):
            sut.execute(c.WithdrawOffer(caller=ADMIN, at=SOON, callback_id=callback_id))
