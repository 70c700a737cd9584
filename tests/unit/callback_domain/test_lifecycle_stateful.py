"""Random command sequences against a small reference model of DOMAIN.md."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from callback_domain import commands as c
from callback_domain.agent import Agent
from callback_domain.application import CallbackService
from callback_domain.errors import (
    CallbackNotFoundError,
    InvalidRequestError,
    InvalidTransitionError,
)
from callback_domain.values import AssignMethod, DialOutcome
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, T0, add_agents, agent, random_ref

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.domain import Aggregate

AGENTS = ("a1", "a2", "a3")
PHONES = ("+82 10-0000-0001", "+82 10-0000-0002", "+82 10-0000-0003")
ROUTES = ("billing", "tech")
MAX_ATTEMPTS, WINDOW, EXPIRY = 3, timedelta(minutes=2), timedelta(days=14)
OPEN = ("SCHEDULED", "QUEUED", "ROUTING", "PROCESSING")


class LiveCapturingService(CallbackService):
    """Keeps a copy of every aggregate as it was when its events were saved."""

    def __init__(self) -> None:
        super().__init__(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.live: dict[UUID, Aggregate] = {}

    def _save(self, aggregates: list[Aggregate]) -> dict[tuple[UUID, int], int]:
        positions = super()._save(aggregates)
        self.live.update({a.id: deepcopy(a) for a in aggregates})
        return positions


@dataclass
class Model:
    request_id: str
    phone: str
    route: str
    queue_since: datetime
    due: datetime
    desired: datetime | None
    state: str
    reason: str | None = None
    attempts: int = 0
    agent: str | None = None
    recreations: int = 0
    by_ivr: bool = True  # requested through the IVR (an IVR sees only those)


class CallbackLifecycle(RuleBasedStateMachine):
    callbacks = Bundle("callbacks")

    def __init__(self) -> None:
        super().__init__()
        self.sut = LiveCapturingService()
        self.now = T0
        self.model: dict[UUID, Model] = {}
        add_agents(self.sut, *AGENTS)

    # Helpers -----------------------------------------------------------------

    def send(self, command: c.Command) -> Any:
        outcome = self.sut.execute_batch([command])[0]
        return outcome.error if outcome.error is not None else outcome.value

    def expect_refusal(self, got: Any, kind: type[Exception]) -> None:
        assert isinstance(got, kind), f"expected {kind.__name__}, got {got!r}"

    def open_on_line(self, phone: str, route: str, *, ivr: bool = False) -> list[UUID]:
        """The open callbacks of a line; an IVR's duplicate check counts only those it
        submitted (issue 12), an administrator's every one."""
        found = [
            i
            for i, m in self.model.items()
            if (m.phone, m.route) == (phone, route) and m.state in OPEN and (m.by_ivr or not ivr)
        ]
        return sorted(found, key=lambda i: self.model[i].queue_since)  # stable: first opened

    # Rules ---------------------------------------------------------------------

    @rule(
        target=callbacks,
        phone=st.sampled_from(PHONES),
        route=st.sampled_from(ROUTES),
        minutes_ahead=st.none() | st.integers(0, 180),
    )
    def request(self, phone: str, route: str, minutes_ahead: int | None) -> UUID:
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
        )
        return got.callback_id

    @rule(callback=callbacks)
    def replay_the_same_request_id(self, callback: UUID) -> None:
        m = self.model[callback]
        got = self.send(
            c.RequestCallback(
                caller=IVR if m.by_ivr else ADMIN,  # the IVR never sees a recreation
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
        else:
            m.state = "QUEUED"

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
            if m.state != "QUEUED":
                self.expect_refusal(item.error, InvalidTransitionError)
            else:
                assert item.ok and item.agent_id in who
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

    def agent_work(
        self, callback: UUID, who: str, allowed: tuple[str, ...], command: c.Command
    ) -> bool:
        """Sends an agent's command; True if the model says it goes through."""
        m = self.model[callback]
        got = self.send(command)
        if m.agent != who:  # not theirs: as if it did not exist, whatever its state
            self.expect_refusal(got, CallbackNotFoundError)
            return False
        if m.state not in allowed:
            self.expect_refusal(got, InvalidTransitionError)
            return False
        assert not isinstance(got, Exception), got
        return True

    @rule(callback=callbacks, who=st.sampled_from(AGENTS))
    def dial(self, callback: UUID, who: str) -> None:
        cmd = c.DialCallback(caller=agent(who), at=self.now, callback_id=callback)
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
        if not m.by_ivr:  # a supervisor recreated it: not the IVR's to see (issue 12)
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
            by_ivr=False,
        )
        return got.callback_id

    # Invariants ------------------------------------------------------------------

    @invariant()
    def states_and_reasons_match_the_model(self) -> None:
        for callback_id, m in self.model.items():
            cb = self.sut.get_callback(callback_id)
            assert (cb.state, cb.reason, cb.attempts) == (m.state, m.reason, m.attempts), (
                callback_id
            )
            if m.state in ("ROUTING", "PROCESSING"):
                assert cb.agent_id == m.agent

    @invariant()
    def rebuilt_from_events_equals_live(self) -> None:
        for aggregate_id, live in self.sut.live.items():
            rebuilt = self.sut.repository.get(aggregate_id, version=live.version)
            assert rebuilt == live

    @invariant()
    def attempts_never_exceed_the_limit(self) -> None:
        assert all(m.attempts <= MAX_ATTEMPTS for m in self.model.values())

    @invariant()
    def no_callback_is_held_by_two_agents(self) -> None:
        holders: dict[UUID, list[str]] = {}
        for who in AGENTS:
            a = self.sut.repository.get(Agent.create_id(who))
            for callback_id in a.held:
                if self.sut.get_callback(callback_id).is_held_by(who):
                    holders.setdefault(callback_id, []).append(who)
        assert all(len(h) == 1 for h in holders.values())
        held = {i for i, m in self.model.items() if m.state in ("ROUTING", "PROCESSING")}
        assert set(holders) == held  # every held callback is on its agent's list


TestCallbackLifecycle = CallbackLifecycle.TestCase
