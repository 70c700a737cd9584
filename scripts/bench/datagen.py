"""A large, seeded event log, bulk-loaded: the real aggregates make the events, COPY writes them.

Callbacks are spread over the last `days` days, one every few seconds; each one's
life (assignment, dials, completion, cancellation, ...) follows in the minutes after.
The log is written in time order, as the live service would have written it. Older
callbacks are all closed; only the last day's may be open (a realistic queue, and
nothing the scheduler would act on: no SCHEDULED callback is due, none expires).
"""

from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

from adapters.bootstrap import build_service
from adapters.settings import Settings
from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.phone_line import PhoneLine
from callback_domain.values import (
    AssignMethod,
    CallbackType,
    Caller,
    DialOutcome,
    Permission,
    Policy,
    Role,
)

if TYPE_CHECKING:
    from uuid import UUID

ROUTES = tuple(f"route-{n}" for n in range(7))
AGENTS = tuple(f"agent-{n:02d}" for n in range(40))
TEAMS = tuple(f"team-{n}" for n in range(5))
IVR = Caller(actor="ivr-1", role=Role.IVR, channel="bench")
ADMIN = Caller(actor="admin-1", role=Role.ADMIN, channel="bench")
SUPERVISORS = tuple(
    Caller(actor=f"sv-{n}", role=Role.SUPERVISOR, channel="bench") for n in range(4)
)
EVENTS_PER_CALLBACK = 3.92  # the mix below, PhoneLine events included (measured)


@dataclass
class Loaded:
    events: int
    callbacks: int
    seconds: float
    head: int
    first_at: datetime
    last_at: datetime
    route_counts: dict[str, int] = field(default_factory=dict)


@dataclass(order=True)
class _Pending:
    at: datetime
    seq: int
    kind: str = field(compare=False)  # "event": a callback's or line's event; "take": an agent's
    payload: Any = field(compare=False)


class _Generator:
    def __init__(self, seed: int, callbacks: int, base: datetime, days: float) -> None:
        self.rnd = random.Random(seed)
        self.n = callbacks
        self.base = base
        self.start = base - timedelta(days=days)
        self.step = timedelta(days=days) / max(callbacks, 1)
        self.recent = base - timedelta(days=1)
        self.policy = Policy()
        self.agents: dict[str, Agent] = {}
        self.teams = {a: (TEAMS[i % len(TEAMS)],) for i, a in enumerate(AGENTS)}
        self.closed_since: dict[str, list[UUID]] = {a: [] for a in AGENTS}
        self.heap: list[_Pending] = []
        self.seq = 0
        self.route_counts: dict[str, int] = {}

    def push(self, at: datetime, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, _Pending(at, self.seq, kind, payload))

    def agent_events(self) -> list[Any]:
        found: list[Any] = []
        for i, agent_id in enumerate(AGENTS):
            agent = Agent.register(
                agent_id,
                name=f"Agent {i}",
                teams=self.teams[agent_id],
                permissions=(Permission.CALL,),
                by=ADMIN,
                at=self.start - timedelta(hours=1),
            )
            self.agents[agent_id] = agent
            found.extend(agent.collect_events())
        return found

    def callback(self, n: int) -> None:
        rnd = self.rnd
        at = self.start + self.step * n
        route = ROUTES[n % len(ROUTES)]
        self.route_counts[route] = self.route_counts.get(route, 0) + 1
        phone = f"+8210{n:08d}"
        recent = at >= self.recent
        scheduled = recent and rnd.random() < 0.1
        desired = self.base + timedelta(days=rnd.randint(1, 5)) if scheduled else None
        cb = Callback.request(
            request_id=f"bulk-{n}",
            phone=phone,
            route=route,
            callback_type=CallbackType.SCHEDULED if scheduled else CallbackType.IMMEDIATE,
            desired_time=desired,
            customer_timezone="Asia/Seoul",
            routing_agent=None,
            routing_team=None,
            remark="전화 부탁드립니다" if n % 5 == 0 else None,
            origin_interaction_id=f"call-{n}",
            policy=self.policy,
            by=IVR,
            at=at,
        )
        line = PhoneLine.start(phone=phone, route=route, callback_id=cb.id, at=at)
        events = [*cb.collect_events(), *line.collect_events()]
        for e in events:
            self.push(at, "event", e)
        if scheduled:
            return
        roll = rnd.random()
        if recent and roll < 0.5:
            return  # QUEUED
        t = at + timedelta(seconds=rnd.randint(5, 1800))
        if (roll < 0.62 and not recent) or roll < 0.55:  # cancelled by the customer or a supervisor
            by = IVR if rnd.random() < 0.5 else SUPERVISORS[n % 4]
            cb.cancel(by=by, at=t)  # the reason follows from who cancels
            self._emit(cb, t)
            return
        if roll < 0.7:
            cb.abandon(by=IVR, at=t)
            self._emit(cb, t)
            return
        agent_id = AGENTS[rnd.randrange(len(AGENTS))]
        sv = SUPERVISORS[n % 4]
        cb.assign(
            agent_id,
            agent_teams=self.teams[agent_id],
            method=AssignMethod.MANUAL,
            assigner_teams=(f"floor-{n % 2}",),
            by=sv,
            at=t,
        )
        self._emit(cb, t)
        self.push(t, "take", (agent_id, cb.id, sv))
        if recent and roll < 0.8:
            return  # ROUTING
        me = Caller(actor=agent_id, role=Role.AGENT, channel="bench")
        if roll < 0.76:
            t += timedelta(seconds=rnd.randint(10, 600))
            cb.finish(by=me, at=t)
            self._emit(cb, t, closed_by=agent_id)
            return
        for attempt in range(3):
            t += timedelta(seconds=rnd.randint(10, 600))
            cb.dial(by=me, at=t)
            self._emit(cb, t)
            t += timedelta(seconds=rnd.randint(5, 120))
            if attempt == 2 or rnd.random() < 0.8:
                cb.complete(by=me, at=t)
                self._emit(cb, t, closed_by=agent_id)
                return
            cb.record_dial_failure(rnd.choice(list(DialOutcome)), by=me, at=t)
            self._emit(cb, t)

    def _emit(self, cb: Callback, at: datetime, closed_by: str | None = None) -> None:
        for e in cb.collect_events():
            self.push(at, "event", e)
        if closed_by is not None:
            self.push(at, "closed", (closed_by, cb.id))

    def drain(self, upto: datetime | None) -> list[Any]:
        """Events up to `upto` (all if None), in time order; agents' events made as they come."""
        out = []
        while self.heap and (upto is None or self.heap[0].at <= upto):
            item = heapq.heappop(self.heap)
            if item.kind == "event":
                out.append(item.payload)
            elif item.kind == "closed":
                self.closed_since[item.payload[0]].append(item.payload[1])
            else:
                agent_id, callback_id, by = item.payload
                agent = self.agents[agent_id]
                released, self.closed_since[agent_id] = self.closed_since[agent_id], []
                agent.take(callback_id, released=released, by=by, at=item.at)
                out.extend(agent.collect_events())
        return out


def load(
    database_url: str,
    *,
    events: int,
    seed: int,
    days: float = 30.0,
    base: datetime | None = None,
    progress: Any = None,
) -> Loaded:
    """Writes about `events` events (whole callbacks) into the event store at `database_url`."""
    started = time.monotonic()
    base = base or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    callbacks = max(1, int(events / EVENTS_PER_CALLBACK))
    service = build_service(Settings.load(database_url=database_url))
    recorder, mapper = service.recorder, service.mapper
    if not isinstance(recorder, PostgresApplicationRecorder):
        raise TypeError(f"the bulk load writes to PostgreSQL, not {database_url}")
    table = sql.SQL("{}.{}").format(
        sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
    )
    copy = sql.SQL(
        "COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    ).format(table)
    gen = _Generator(seed, callbacks, base, days)
    written = 0

    def write(domain_events: list[Any]) -> None:
        nonlocal written
        if not domain_events:
            return
        stored = [mapper.to_stored_event(e) for e in domain_events]
        with (
            recorder.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(copy) as cp,
        ):
            cp.set_types(["uuid", "int8", "text", "bytea"])
            for s in stored:
                cp.write_row((s.originator_id, s.originator_version, s.topic, s.state))
        written += len(stored)
        if progress is not None:
            progress(written)

    write(gen.agent_events())
    chunk = 20_000
    for first in range(0, callbacks, chunk):
        for n in range(first, min(first + chunk, callbacks)):
            gen.callback(n)
        write(gen.drain(gen.start + gen.step * min(first + chunk, callbacks)))
    write(gen.drain(None))
    # Agents load from a snapshot, as in the live service (one every 50 events).
    snapshots = [mapper.to_stored_event(Agent.Snapshot.take(a)) for a in gen.agents.values()]
    if service.snapshots is not None:
        service.snapshots.recorder.insert_events(snapshots)
    with recorder.datastore.get_connection() as conn:
        conn.execute(sql.SQL("ANALYZE {}").format(table))
    head = recorder.max_notification_id() or 0
    service.close()
    return Loaded(
        events=written,
        callbacks=callbacks,
        seconds=time.monotonic() - started,
        head=head,
        first_at=gen.start,
        last_at=base,
        route_counts=gen.route_counts,
    )
