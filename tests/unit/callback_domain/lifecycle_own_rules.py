"""Rules of the lifecycle's stateful test for teams and agents' own callbacks: agents
schedule for themselves or their team, and call their own scheduled callbacks now."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from hypothesis.stateful import rule

from callback_domain import commands as c
from callback_domain.errors import (
    CallbackNotFoundError,
    ForbiddenError,
    InvalidTransitionError,
)
from tests.factories import agent, random_ref
from tests.unit.callback_domain.lifecycle_model import (
    AGENT_PHONES,
    AGENTS,
    PHONES,
    ROUTES,
    TEAMS,
    WINDOW,
    LifecycleBase,
    Model,
)

if TYPE_CHECKING:
    from uuid import UUID

callbacks = LifecycleBase.callbacks


class AgentsOwnRules(LifecycleBase):
    @rule(
        target=callbacks,
        who=st.sampled_from(AGENTS),
        phone=st.sampled_from(PHONES + AGENT_PHONES),
        minutes_ahead=st.none() | st.integers(0, 180),
        for_team=st.booleans(),
    )
    def agent_schedules(
        self, who: str, phone: str, minutes_ahead: int | None, for_team: bool
    ) -> UUID:
        """An agent schedules for themselves (the default) or for their team."""
        desired = None if minutes_ahead is None else self.now + timedelta(minutes=minutes_ahead)
        request_id, route = random_ref(), ROUTES[0]
        team = TEAMS[who] if for_team else None
        got = self.send(
            c.RequestCallback(
                caller=agent(who),
                at=self.now,
                request_id=request_id,
                phone=phone,
                route=route,
                desired_time=desired,
                routing_team=team,
            )
        )
        compact = phone.replace(" ", "").replace("-", "")
        # The duplicate check counts only the callbacks the agent may see (issue 12): one
        # another agent holds is never named, the agent gets a callback of their own.
        seen = [i for i in self.open_on_line(compact, route) if self.model[i].seen_by(who)]
        if seen:
            assert got.duplicate and got.callback_id == seen[0]
            return got.callback_id
        due_now = desired is None or desired <= self.now + WINDOW
        m = Model(
            request_id=request_id,
            phone=compact,
            route=route,
            queue_since=self.now,
            due=desired or self.now,
            desired=desired,
            state="QUEUED" if due_now else "SCHEDULED",
            routing_agent=None if for_team else who,
            routing_team=team,
            by_ivr=False,
        )
        if due_now and not for_team:  # routed to the agent: straight to them
            m.state, m.agent = "ROUTING", who
        self.model[got.callback_id] = m
        return got.callback_id

    @rule(callback=callbacks, who=st.sampled_from(AGENTS), own=st.booleans())
    def call_now(self, callback: UUID, who: str, own: bool) -> None:
        m = self.model[callback]
        who = (m.routing_agent or who) if own else who
        got = self.send(c.CallNow(caller=agent(who), at=self.now, callback_id=callback))
        if not m.seen_by(who):
            self.expect_refusal(got, CallbackNotFoundError)
        elif m.state != "SCHEDULED":
            self.expect_refusal(got, InvalidTransitionError)
        elif m.routing_agent != who:
            self.expect_refusal(got, ForbiddenError)
        else:
            assert not isinstance(got, Exception), got
            m.state, m.agent = "ROUTING", who
