"""Helpers of the read-side tests: random work, a live follower, and view dumps."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from adapters.bootstrap import build_read_side, build_service
from adapters.settings import Settings
from adapters.views.schema import AGENT_COUNTS, CALLBACK_LIST, HISTORY, LOG_TIMES, TABLES
from callback_domain import commands as c
from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.lifecycle import HOLDING, TREATED_REASONS, CallbackState
from callback_domain.lifecycle import CompletionReason as R
from callback_domain.phones import PhoneNumbers
from callback_domain.values import AssignMethod, DialOutcome
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, T0, add_agents, agent

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from adapters.bootstrap import ReadSide
    from adapters.views.store import Generation
    from callback_domain.application import CallbackService

AGENTS = ("a1", "a2", "a3")
CANCELS = (R.CANCELLED, R.CANCELLED_BY_ADMIN, R.ABANDONED_IN_QUEUE)
ZONE = "Asia/Seoul"
# One number in two spellings: the duplicate check and the views see one number.
PHONES = [f"+82 10-5555-{n:04d}" for n in range(20)] + [f"010-5555-{n:04d}" for n in range(20)]

# The size and seed of a random day of work: hypothesis explores them, and a seeded
# simulator keeps most commands meaningful (commands on callbacks in the right state),
# with some refused ones mixed in.
work = st.tuples(st.integers(0, 2**32 - 1), st.integers(10, 90))


@dataclass
class World:
    service: CallbackService
    side: ReadSide
    ids: list[UUID]
    now: Any = T0
    project: bool = True  # whether 'project' steps run a live batch

    def choose(self, rnd: random.Random, *states: str, k: int) -> list[UUID]:
        fitting = [x for x in self.ids if self.service.get_callback(x).state in states]
        return rnd.sample(fitting, min(k, len(fitting)))

    def one(
        self, rnd: random.Random, *states: str, make: Callable[[UUID], c.Command]
    ) -> c.Command | None:
        chosen = self.choose(rnd, *states, k=1)
        return make(chosen[0]) if chosen else None

    def holder(self, callback_id: UUID) -> str:
        return self.service.get_callback(callback_id).agent_id or AGENTS[0]


def open_world(database_url: str, *, batch_size: int = 3, project: bool = True) -> World:
    settings = Settings.load(database_url=database_url, timezone=ZONE)
    service = build_service(settings)
    side = build_read_side(settings, service)
    side.runner.batch_size = batch_size
    add_agents(service, *AGENTS, at=T0)
    return World(service=service, side=side, ids=[], project=project)


def play(world: World, plan: tuple[int, int]) -> None:
    """Runs `steps` random commands; some are refused, which is part of the test."""
    seed, steps = plan
    rnd = random.Random(seed)
    w = world
    ops = (
        ["request"] * 30
        + ["assign"] * 14
        + ["dial"] * 14
        + ["result"] * 12
        + ["finish"] * 3
        + ["unassign"] * 4
        + ["cancel"] * 4
        + ["presence"] * 4
        + ["due"] * 3
        + ["expire"] * 2
        + ["wait"] * 5
        + ["project"] * 7
        + ["nonsense"] * 3
    )
    for _ in range(steps):
        op, now = rnd.choice(ops), w.now
        command: c.Command | None = None
        if op == "request":
            ahead = rnd.choice([None, None, None, rnd.randint(3, 300)])
            outcome = w.service.execute_batch(
                [
                    c.RequestCallback(
                        caller=IVR,
                        at=now,
                        request_id=f"req-{rnd.getrandbits(48):012x}",
                        phone=rnd.choice(PHONES),
                        route=rnd.choice(["billing", "tech"]),
                        desired_time=None if ahead is None else now + timedelta(minutes=ahead),
                    )
                ]
            )[0]
            if outcome.ok and outcome.value.callback_id not in w.ids:
                w.ids.append(outcome.value.callback_id)
        elif op == "wait":
            w.now = now + timedelta(minutes=rnd.randint(1, 60 * 26))
        elif op == "project" and w.project:
            w.side.runner.run_batch(list(w.side.store.active().values()))
        elif op == "presence":
            command = c.SetPresence(
                caller=SYSTEM, at=now, agent_id=rnd.choice(AGENTS), logged_in=rnd.random() < 0.5
            )
        elif op == "assign":
            chosen = w.choose(rnd, "QUEUED", k=rnd.randint(1, 4))
            if chosen:
                command = c.AssignCallbacks(
                    caller=SUPERVISOR,
                    at=now,
                    callback_ids=tuple(chosen),
                    agent_ids=tuple(rnd.sample(AGENTS, rnd.randint(1, 3))),
                    method=AssignMethod.EQUAL,
                )
        elif op == "cancel":
            chosen = w.choose(
                rnd, "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", k=rnd.randint(1, 3)
            )
            if chosen:
                command = c.CancelCallbacks(
                    caller=rnd.choice([ADMIN, IVR]), at=now, callback_ids=tuple(chosen)
                )
        elif op == "unassign":
            command = w.one(
                rnd,
                "ROUTING",
                make=lambda i, now=now: c.UnassignCallbacks(
                    caller=SUPERVISOR, at=now, callback_ids=(i,)
                ),
            )
        elif op == "due":
            w.now = now + timedelta(minutes=rnd.randint(0, 300))
            command = w.one(
                rnd,
                "SCHEDULED",
                make=lambda i: c.QueueDueCallback(caller=SYSTEM, at=w.now, callback_id=i),
            )
        elif op == "expire":  # well past any expiry: the scheduler ends one open callback
            w.now = now + timedelta(days=15)
            command = w.one(
                rnd,
                "SCHEDULED",
                "QUEUED",
                "ROUTING",
                make=lambda i: c.ExpireCallback(caller=SYSTEM, at=w.now, callback_id=i),
            )
        elif op == "dial":
            command = w.one(
                rnd,
                "ROUTING",
                make=lambda i, now=now: c.DialCallback(
                    caller=agent(w.holder(i)), at=now, callback_id=i
                ),
            )
        elif op == "result":
            outcome = rnd.choice([DialOutcome.NO_ANSWER, DialOutcome.BUSY, None])
            command = w.one(
                rnd,
                "PROCESSING",
                make=lambda i, now=now, outcome=outcome: (
                    c.CompleteCallback(caller=agent(w.holder(i)), at=now, callback_id=i)
                    if outcome is None
                    else c.RecordDialResult(
                        caller=agent(w.holder(i)), at=now, callback_id=i, outcome=outcome
                    )
                ),
            )
        elif op == "finish":
            command = w.one(
                rnd,
                "ROUTING",
                "PROCESSING",
                make=lambda i, now=now: c.FinishCallback(
                    caller=agent(w.holder(i)), at=now, callback_id=i
                ),
            )
        elif op == "nonsense" and w.ids:  # any command on any callback: often refused
            i = rnd.choice(w.ids)
            command = rnd.choice(
                [
                    c.DialCallback(caller=agent(rnd.choice(AGENTS)), at=now, callback_id=i),
                    c.UnassignCallbacks(caller=SUPERVISOR, at=now, callback_ids=(i,)),
                    c.QueueDueCallback(caller=SYSTEM, at=now, callback_id=i),
                ]
            )
        if command is not None:
            w.service.execute_batch([command])


def dump(side: ReadSide, generations: dict[str, Generation]) -> dict[str, Any]:
    """Every row of each view, comparable across generations and stores."""
    out: dict[str, Any] = {}
    for view in (CALLBACK_LIST, AGENT_COUNTS, HISTORY, LOG_TIMES):
        table = TABLES[view]
        g = generations[view]
        with side.store.tx(commit=False) as cur:
            records = side.store.run(cur, f"SELECT * FROM {side.store.table(view, g.tag)}")
        rows = [table.from_record(r, side.store.dialect) for r in records]
        out[view] = sorted(
            (tuple(_norm(getattr(r, f.name)) for f in fields(r)) for r in rows), key=repr
        )
        if table.counted:
            with side.store.tx(commit=False) as cur:
                kept = side.store.run(
                    cur, f"SELECT * FROM {side.store.counts_table(view, g.tag)} WHERE n <> 0"
                )
            counted = Counter(table.count_key(r) for r in rows)
            # The counts kept batch by batch are the rows' counts.
            assert {tuple(r[c] for c in table.counted): r["n"] for r in kept} == dict(counted)
            out[f"{view} counts"] = sorted(counted.items())
    return out


def _norm(value: Any) -> Any:
    if hasattr(value, "timestamp") and hasattr(value, "utcoffset"):
        return value.timestamp()  # the same instant, whatever the zone it came back in
    return value


def recomputed(service: CallbackService, upto: int) -> dict[str, Any]:
    """The views' answers computed straight from the aggregates, the plain way."""
    zone = ZoneInfo(ZONE)
    versions: dict[Any, int] = {}
    for n in service.recorder.select_notifications(start=1, limit=10_000_000, stop=upto):
        versions[n.originator_id] = n.originator_version
    found = [service.repository.get(i, version=v) for i, v in versions.items()]
    callbacks = [a for a in found if isinstance(a, Callback)]
    agents = [a for a in found if isinstance(a, Agent)]
    phones = PhoneNumbers()
    rows = {
        cb.id: (
            cb.state.value,
            cb.status.value,
            cb.reason.value if cb.reason else None,
            cb.agent_id,
            cb.assigner if cb.agent_id is not None else None,  # unassigned: no assigner
            phones.canonical(cb.phone),
            cb.attempts,
            cb.version,
        )
        for cb in callbacks
    }
    counts = {
        a.agent_id: (sum(1 for cb in callbacks if cb.is_held_by(a.agent_id)), a.logged_in)
        for a in agents
    }
    rate: dict[str, list[int]] = {}
    for cb in callbacks:
        if cb.first_assigned_at is not None:
            day = cb.first_assigned_at.astimezone(zone).strftime("%Y-%m-%d")
            r = rate.setdefault(day, [0, 0, 0, 0, 0])
            r[0] += 1
            r[1] += cb.reason in TREATED_REASONS
            r[2] += cb.state in HOLDING
            r[3] += cb.reason in (R.MAX_ATTEMPTS, R.EXPIRED)
            # Back in the queue after an unassignment, or ended another way after it.
            r[4] += cb.state is CallbackState.QUEUED or cb.reason in CANCELS
    return {"rows": rows, "counts": counts, "rate": {k: tuple(v) for k, v in rate.items()}}


def answered(side: ReadSide, generations: dict[str, Generation]) -> dict[str, Any]:
    """The same answers, read from the views."""
    from adapters.views.queries import ListFilters, ViewQueries

    q = ViewQueries(side.store, generations=generations)
    names = ("state", "status", "reason", "agent", "assigner", "phone", "attempts")
    rows = {
        r.callback_id: (*(getattr(r, n) for n in names), r.history_length)
        for r in q.iter_rows(ListFilters(), chunk=7)
    }
    counts = {a.agent_id: (a.incomplete, a.logged_in) for a in q.agent_counts()}
    rate_rows = q.treatment_rate(date(2026, 11, 1), date(2027, 3, 31))
    columns = ("assigned", "completed", "unprocessed", "failed", "released")
    rate = {r.period: tuple(getattr(r, c) for c in columns) for r in rate_rows if r.assigned}
    for r in rate_rows:  # every row adds up, and so does the total
        assert r.assigned == r.completed + r.unprocessed + r.failed + r.released, r
    totals = [sum(getattr(r, c) for r in rate_rows) for c in columns]
    assert totals[0] == sum(totals[1:]), totals
    return {"rows": rows, "counts": counts, "rate": rate}
