"""The reference model of the lifecycle's stateful test: constants, the model of one
callback, and the state machine's base (system under test, helpers)."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant

from callback_domain.agent import Agent
from callback_domain.application import CallbackService
from callback_domain.errors import (
    CallbackNotFoundError,
    ForbiddenError,
    InvalidTransitionError,
)
from tests.factories import T0, add_agents

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.domain import Aggregate

    from callback_domain import commands as c

AGENTS = ("a1", "a2", "a3")
TEAMS = {"a1": "t1", "a2": "t1", "a3": "t2"}  # each agent's one team
PHONES = ("+82 10-0000-0001", "+82 10-0000-0002", "+82 10-0000-0003")
AGENT_PHONES = ("+82 10-0000-0004", "+82 10-0000-0005")  # mostly free lines for agents
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
    routing_agent: str | None = None
    routing_team: str | None = None
    by_ivr: bool = True  # requested through the IVR (an IVR sees only those)

    def seen_by(self, who: str) -> bool:
        """DOMAIN.md: an agent sees callbacks assigned or routed to them or their team."""
        return who in (self.agent, self.routing_agent) or self.routing_team == TEAMS[who]


class LifecycleBase(RuleBasedStateMachine):
    """The system under test, the reference model, the helpers of the rules and the
    invariants."""

    callbacks = Bundle("callbacks")

    def __init__(self) -> None:
        super().__init__()
        self.sut = LiveCapturingService()
        self.now = T0
        self.model: dict[UUID, Model] = {}
        for who in AGENTS:
            add_agents(self.sut, who, teams=(TEAMS[who],))

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

    def agent_work(
        self, callback: UUID, who: str, allowed: tuple[str, ...], command: c.Command
    ) -> bool:
        """Sends an agent's command; True if the model says it goes through."""
        m = self.model[callback]
        got = self.send(command)
        if not m.seen_by(who):  # not theirs to see: as if it did not exist, whatever its state
            self.expect_refusal(got, CallbackNotFoundError)
            return False
        if m.state not in allowed:
            self.expect_refusal(got, InvalidTransitionError)
            return False
        if m.agent != who:
            self.expect_refusal(got, ForbiddenError)
            return False
        assert not isinstance(got, Exception), got
        return True

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
