"""Equal assignment keeps agents level (NHN 균등 할당)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from callback_domain import commands as c
from callback_domain.equal_assignment import AgentLoad, plan_equal_assignment
from callback_domain.values import AssignMethod

if TYPE_CHECKING:
    from callback_domain.application import CallbackService

from tests.factories import SUPERVISOR, SYSTEM, T0, add_agents, agent, assigned, queued

loads = st.lists(
    st.tuples(st.integers(0, 6), st.none() | st.integers(0, 1000)), min_size=1, max_size=6
)


def agents_from(spec: list[tuple[int, int | None]]) -> list[AgentLoad]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        AgentLoad(
            agent_id=f"a{i}",
            incomplete=held,
            last_assigned_at=None if minute is None else base + timedelta(minutes=minute),
        )
        for i, (held, minute) in enumerate(spec)
    ]


@given(spec=loads, count=st.integers(0, 40))
def test_agents_stay_level_or_get_closer(spec: list[tuple[int, int | None]], count: int) -> None:
    agents = agents_from(spec)
    plan = plan_equal_assignment([uuid4() for _ in range(count)], agents)

    after = {a.agent_id: a.incomplete for a in agents}
    for _, agent_id in plan:
        after[agent_id] += 1
    spread_before = max(a.incomplete for a in agents) - min(a.incomplete for a in agents)
    spread_after = max(after.values()) - min(after.values())
    assert len(plan) == count
    assert spread_after <= max(1, spread_before)
    # Nobody above the minimum got one while someone at the minimum waited.
    if count:
        assert max(after.values()) <= max(*(a.incomplete for a in agents), min(after.values()) + 1)


@given(spec=loads)
def test_each_callback_goes_to_the_least_loaded_then_least_recent(
    spec: list[tuple[int, int | None]],
) -> None:
    agents = agents_from(spec)
    ((_, chosen),) = plan_equal_assignment([uuid4()], agents)

    def rank(a: AgentLoad) -> tuple[int, bool, datetime]:
        never = datetime.min.replace(tzinfo=UTC)
        return (a.incomplete, a.last_assigned_at is not None, a.last_assigned_at or never)

    best = min(rank(a) for a in agents)
    first_best = next(a for a in agents if rank(a) == best)
    assert chosen == first_best.agent_id


class TestThroughTheService:
    def test_counts_callbacks_already_held(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "lee")
        assigned(sut, "kim")
        assigned(sut, "kim")
        batch = tuple(queued(sut) for _ in range(4))

        result = sut.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0,
                callback_ids=batch,
                agent_ids=("kim", "lee"),
                method=AssignMethod.EQUAL,
            )
        )

        given_to = [i.agent_id for i in result.results]
        assert given_to.count("lee") == 3 and given_to.count("kim") == 1

    def test_completed_work_no_longer_counts(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "lee")
        done = assigned(sut, "kim")
        sut.execute(c.FinishCallback(caller=agent("kim"), at=T0, callback_id=done))
        batch = (queued(sut, at=T0), queued(sut, at=T0 + timedelta(minutes=1)))  # oldest first

        result = sut.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0 + timedelta(minutes=2),
                callback_ids=batch,
                agent_ids=("kim", "lee"),
                method=AssignMethod.EQUAL,
            )
        )

        # kim holds nothing now, but was assigned more recently than lee (never).
        assert [i.agent_id for i in result.results] == ["lee", "kim"]

    def test_oldest_desired_time_first(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "lee")
        newer = queued(sut, at=T0 + timedelta(minutes=5))
        older = queued(sut, at=T0)

        result = sut.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0 + timedelta(minutes=6),
                callback_ids=(newer, older),
                agent_ids=("kim", "lee"),
                method=AssignMethod.EQUAL,
            )
        )

        assert {i.callback_id: i.agent_id for i in result.results} == {older: "kim", newer: "lee"}

    def test_only_logged_in_agents(self, sut: CallbackService) -> None:
        add_agents(sut, "kim", "lee")
        sut.execute(c.SetPresence(caller=SYSTEM, at=T0, agent_id="lee", logged_in=True))
        batch = tuple(queued(sut) for _ in range(3))

        result = sut.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0,
                callback_ids=batch,
                agent_ids=("kim", "lee"),
                method=AssignMethod.EQUAL,
                only_logged_in=True,
            )
        )

        assert {i.agent_id for i in result.results} == {"lee"}
