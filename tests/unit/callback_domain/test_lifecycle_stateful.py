"""Random command sequences against a small reference model of DOMAIN.md."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from hypothesis.stateful import rule

from callback_domain import commands as c
from callback_domain.errors import (
    CallbackNotFoundError,
    InvalidRequestError,
    InvalidTransitionError,
)
from callback_domain.values import AssignMethod, DialOutcome
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, agent, random_ref
from tests.unit.callback_domain.lifecycle_model import (
    AGENTS,
    EXPIRY,
    MAX_ATTEMPTS,
    PHONES,
    ROUTES,
    TEAMS,
    WINDOW,
    Model,
)
from tests.unit.callback_domain.lifecycle_own_rules import AgentsOwnRules

if TYPE_CHECKING:
    from uuid import UUID

callbacks = AgentsOwnRules.callbacks


class CallbackLifecycle(AgentsOwnRules):
    """Every rule of the lifecycle (the agents' own ones in `AgentsOwnRules`)."""

    @rule(
        target=callbacks,
        phone=st.sampled_from(PHONES),
        route=st.sampled_from(ROUTES),
        minutes_ahead=st.none() | st.integers(0, 180),
        team=st.sampled_from([None, "t1", "t2"]),
    )
    def request(self, phone: str, route: str, minutes_ahead: int | None, team: str | None) -> UUID:
        desired = None if minutes_ahead is None else self.now + timedelta(minutes=minutes_ahead)
        request_id = random_ref()
        got = self.send(
            c.RequestCallback(
                caller=IVR,
                at=self.now,
                request_id=request_id,
                phone=phone,
                route=route,
                desired_time=desired,
                routing_team=team,
            )
        )
        existing = self.open_on_line(phone.replace(" ", "").replace("-", ""), route, ivr=True)
        if existing:
            assert got.duplicate and got.callback_id == existing[0]
            return got.callback_id
        due_now = desired is None or desired <= self.now + WINDOW
        assert not got.duplicate and not got.replayed
        self.model[got.callback_id] = Model(
            request_id=request_id,
            phone=phone.replace(" ", "").replace("-", ""),
            route=route,
            queue_since=self.now,
            due=desired or self.now,
            desired=desired,
            state="QUEUED" if due_now else "SCHEDULED",
            routing_team=team,
        )
        return got.callback_id

    @rule(callback=callbacks)
    def replay_the_same_request_id(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(
            c.RequestCallback(
                caller=IVR if m.by_ivr else ADMIN,  # the IVR never sees the others
                at=self.now,
                request_id=m.request_id,
                phone="+1 555 000 0000",
                route="other",
            )
        )
        assert got.replayed and not got.duplicate and got.callback_id == callback

    @rule(minutes=st.integers(1, 600) | st.sampled_from([60 * 24 * 15]))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(callback=callbacks)
    def queue_when_due(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(c.QueueDueCallback(caller=SYSTEM, at=self.now, callback_id=callback))
        if m.state != "SCHEDULED":
            self.expect_refusal(got, InvalidTransitionError)
        elif m.due > self.now:
            self.expect_refusal(got, InvalidRequestError)
        elif m.routing_agent is not None:  # due: straight to its agent
            m.state, m.agent = "ROUTING", m.routing_agent
        else:
            m.state = "QUEUED"  # its team's queue, or everyone's

    @rule(callback=callbacks, hours=st.integers(1, 48))
    def reschedule(self, callback: UUID, hours: int) -> None:
        m = self.model[callback]
        desired = self.now + timedelta(hours=hours)
        got = self.send(
            c.RescheduleCallback(
                caller=ADMIN, at=self.now, callback_id=callback, desired_time=desired
            )
        )
        if m.state != "SCHEDULED":
            self.expect_refusal(got, InvalidTransitionError)
        else:
            m.due = m.desired = desired

    @rule(callback=callbacks, who=st.sampled_from(AGENTS))
    def assign_manually(self, callback: UUID, who: str) -> None:
        m = self.model[callback]
        got = self.send(
            c.AssignCallbacks(
                caller=SUPERVISOR, at=self.now, callback_ids=(callback,), agent_ids=(who,)
            )
        )
        (item,) = got.results
        if m.state != "QUEUED":
            self.expect_refusal(item.error, InvalidTransitionError)
        elif m.routing_team not in (None, TEAMS[who]):
            self.expect_refusal(item.error, InvalidRequestError)  # only members take it
        else:
            assert item.ok and item.agent_id == who
            m.state, m.agent = "ROUTING", who

    @rule(
        chosen=st.lists(callbacks, min_size=1, max_size=5, unique=True),
        who=st.lists(st.sampled_from(AGENTS), min_size=1, max_size=3, unique=True),
    )
    def assign_equally(self, chosen: list[UUID], who: list[str]) -> None:
        got = self.send(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=self.now,
                callback_ids=tuple(chosen),
                agent_ids=tuple(who),
                method=AssignMethod.EQUAL,
            )
        )
        for item in got.results:
            m = self.model[item.callback_id]
            members = [a for a in who if m.routing_team in (None, TEAMS[a])]
            if m.state != "QUEUED":
                self.expect_refusal(item.error, InvalidTransitionError)
            elif not members:
                self.expect_refusal(item.error, InvalidRequestError)
            else:
                assert item.ok and item.agent_id in members
                m.state, m.agent = "ROUTING", item.agent_id

    @rule(callback=callbacks)
    def unassign(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(
            c.UnassignCallbacks(caller=SUPERVISOR, at=self.now, callback_ids=(callback,))
        )
        (item,) = got.results
        if m.state != "ROUTING":
            self.expect_refusal(item.error, InvalidTransitionError)
        else:
            m.state, m.agent = "QUEUED", None

    @rule(callback=callbacks, who=st.sampled_from(AGENTS))
    def dial(self, callback: UUID, who: str) -> None:
        cmd = c.DialCallback(caller=agent(who), at=self.now, callback_id=callback)
        m = self.model[callback]
        if m.state == "SCHEDULED" and m.routing_agent == who:  # dialling their own calls it now
            assert not isinstance(self.send(cmd), Exception)
            m.state, m.agent, m.attempts = "PROCESSING", who, m.attempts + 1
            return
        if self.agent_work(callback, who, ("ROUTING",), cmd):
            m = self.model[callback]
            m.state, m.attempts = "PROCESSING", m.attempts + 1

    @rule(
        callback=callbacks,
        outcome=st.sampled_from(list(DialOutcome)),
        holder=st.booleans(),
        who=st.sampled_from(AGENTS),
    )
    def dial_result(self, callback: UUID, outcome: DialOutcome, holder: bool, who: str) -> None:
        who = (self.model[callback].agent or who) if holder else who
        cmd = c.RecordDialResult(
            caller=agent(who), at=self.now, callback_id=callback, outcome=outcome
        )
        if self.agent_work(callback, who, ("PROCESSING",), cmd):
            m = self.model[callback]
            if m.attempts >= MAX_ATTEMPTS:
                m.state, m.reason = "COMPLETED", "MAX_ATTEMPTS"
            else:
                m.state = "ROUTING"

    @rule(callback=callbacks, finish=st.booleans())
    def complete_or_finish(self, callback: UUID, finish: bool) -> None:
        who = self.model[callback].agent or AGENTS[0]
        if finish:
            cmd: c.Command = c.FinishCallback(caller=agent(who), at=self.now, callback_id=callback)
            allowed = ("ROUTING", "PROCESSING")
        else:
            cmd = c.CompleteCallback(caller=agent(who), at=self.now, callback_id=callback)
            allowed = ("PROCESSING",)
        if self.agent_work(callback, who, allowed, cmd):
            m = self.model[callback]
            m.state, m.reason = "COMPLETED", "FINISHED" if finish else "AGENT"

    @rule(
        chosen=st.lists(callbacks, min_size=1, max_size=4, unique=True), by_customer=st.booleans()
    )
    def cancel(self, chosen: list[UUID], by_customer: bool) -> None:
        got = self.send(
            c.CancelCallbacks(
                caller=IVR if by_customer else ADMIN, at=self.now, callback_ids=tuple(chosen)
            )
        )
        skipped = {s.callback_id for s in got.skipped}
        for callback in chosen:
            m = self.model[callback]
            if by_customer and not m.by_ivr:  # not the IVR's to see: skipped as not found
                assert {s.reason for s in got.skipped if s.callback_id == callback} == {"not_found"}
            elif m.state in ("SCHEDULED", "QUEUED", "ROUTING"):
                assert callback in got.cancelled
                m.state, m.reason = (
                    "COMPLETED",
                    "CANCELLED" if by_customer else "CANCELLED_BY_ADMIN",
                )
            else:
                assert callback in skipped

    @rule(callback=callbacks)
    def abandon(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(c.AbandonCallback(caller=IVR, at=self.now, callback_id=callback))
        if not m.by_ivr:  # not the IVR's to see (issue 12)
            self.expect_refusal(got, CallbackNotFoundError)
        elif m.state != "QUEUED":
            self.expect_refusal(got, InvalidTransitionError)
        else:
            m.state, m.reason = "COMPLETED", "ABANDONED_IN_QUEUE"

    @rule(callback=callbacks)
    def expire(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(c.ExpireCallback(caller=SYSTEM, at=self.now, callback_id=callback))
        if m.state not in ("SCHEDULED", "QUEUED", "ROUTING"):
            self.expect_refusal(got, InvalidTransitionError)
        elif self.now < m.due + EXPIRY:
            self.expect_refusal(got, InvalidRequestError)
        else:
            m.state, m.reason = "COMPLETED", "EXPIRED"

    @rule(target=callbacks, callback=callbacks)
    def recreate(self, callback: UUID) -> UUID:
        m = self.model[callback]
        got = self.send(c.RecreateCallback(caller=ADMIN, at=self.now, callback_id=callback))
        if m.state != "COMPLETED":
            self.expect_refusal(got, InvalidTransitionError)
            return callback
        existing = self.open_on_line(m.phone, m.route)
        if existing:
            assert got.duplicate and got.callback_id == existing[0]
            return got.callback_id
        ahead = m.desired is not None and m.desired > self.now + WINDOW
        m.recreations += 1
        self.model[got.callback_id] = Model(
            request_id=f"{m.request_id}#recreated-{m.recreations}",
            phone=m.phone,
            route=m.route,
            queue_since=m.queue_since,
            due=m.desired if ahead and m.desired else self.now,
            desired=m.desired if ahead else None,
            state="SCHEDULED" if ahead else "QUEUED",
            routing_agent=m.routing_agent,
            routing_team=m.routing_team,
            by_ivr=False,
        )
        if not ahead and m.routing_agent is not None:  # routed to an agent: straight to them
            self.model[got.callback_id].state = "ROUTING"
            self.model[got.callback_id].agent = m.routing_agent
        return got.callback_id


TestCallbackLifecycle = CallbackLifecycle.TestCase
