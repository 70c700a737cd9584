"""A steady load of callbacks and agent work, and the checks every fault scenario ends with.

The load (one asyncio task per kind, all on one NATS connection that reconnects forever):
- `intake.submit`: JetStream publishes; a publish ack is the receipt;
- `intake.request`: core requests; an `ok` reply is the receipt;
- supervisors assign what was requested (EQUAL over three agents), agents dial, then
  complete or finish it; refusals and failures are counted, never fatal.

The checks, once the load stopped and the faults are over (the service running):
1. the intake consumer drained; the relay and the views reached the log's head;
2. every acknowledged request is exactly one callback (read from the event store);
3. CALLBACK_EVENTS holds every log position exactly once, in order;
4. every view equals its rebuild from position 0 (a snapshot up to the head).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from adapters.bootstrap import build_read_side, build_service
from adapters.messaging.streams import EVENTS, INTAKE, stream_name
from adapters.settings import Settings
from adapters.views.rebuild import snapshot
from adapters.views.schema import VIEWS
from tests.integration.views_support import dump
from tests.serve_support import callbacks_by_request

if TYPE_CHECKING:
    from nats.aio.client import Client

SUMMARY: list[str] = []  # one line per scenario, printed at the end of the session (conftest)
AGENTS = ("a1", "a2", "a3")
SUPERVISOR = {"Callbacks-Actor": "sv-rel"}
ADMIN = {"Callbacks-Actor": "boss", "Callbacks-Role": "ADMIN"}


async def connect(url: str) -> Client:
    return await nats.connect(
        url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        name="reliability-load",
    )


@dataclass
class Load:
    """Steady traffic of one scenario; remembers every receipt it got."""

    nc: Client
    prefix: str
    tag: str
    seed: int = 1
    interval: float = 0.04  # one submit and one request every `interval` seconds
    request_timeout: float = 5.0
    acked_submits: list[str] = field(default_factory=list)
    acked_requests: dict[str, str] = field(default_factory=dict)  # request id -> callback id
    ok_times: list[float] = field(
        default_factory=list
    )  # monotonic times of `ok` intake.request replies
    counts: Counter[str] = field(default_factory=Counter)
    timeline: list[tuple[float, str]] = field(
        default_factory=list
    )  # (monotonic, outcome) of every request
    _n: int = 0
    _work: deque[str] = field(default_factory=deque)
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def _next(self) -> tuple[str, bytes]:
        self._n += 1
        request_id = f"{self.tag}-{self._n}"
        body = {"request_id": request_id, "phone": f"+82 10-{self._n:08d}", "route": "rel"}
        return request_id, json.dumps(body).encode()

    async def ask(
        self,
        subject: str,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any] | None:
        """The reply's envelope, or None (no responders, timeout, disconnected)."""
        try:
            reply = await self.nc.request(
                f"{self.prefix}.{subject}",
                json.dumps(body).encode(),
                timeout=timeout or self.request_timeout,
                headers=headers,
            )
        except Exception as e:
            self._note(f"{subject.split('.', maxsplit=1)[0]}:{type(e).__name__}")
            return None
        envelope: dict[str, Any] = json.loads(reply.data)
        if envelope["ok"]:
            self.timeline.append((time.monotonic(), "ok"))
        else:
            self._note(f"{subject.split('.', maxsplit=1)[0]}:{envelope['error']['code']}")
        return envelope

    def _note(self, outcome: str) -> None:
        self.counts[outcome] += 1
        self.timeline.append((time.monotonic(), outcome))

    def history(self, since: float, step: float = 1.0) -> str:
        """Outcomes per `step` seconds from `since`: what the clients saw during a fault."""
        buckets: dict[int, Counter[str]] = {}
        for t, outcome in self.timeline:
            if t >= since:
                buckets.setdefault(int((t - since) / step), Counter())[outcome] += 1
        return " | ".join(f"+{k * step:.0f}s {dict(v)}" for k, v in sorted(buckets.items()))

    async def setup_agents(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        for agent_id in AGENTS:
            while True:
                reply = await self.ask(
                    "admin.agent-upsert",
                    {
                        "agent_id": agent_id,
                        "name": agent_id,
                        "teams": ["rel"],
                        "permissions": ["call"],
                    },
                    ADMIN,
                )
                if reply is not None and reply["ok"]:
                    break
                if time.monotonic() > deadline:
                    pytest.fail(f"could not create agent {agent_id}: {reply}")
                await asyncio.sleep(0.2)

    def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(f()) for f in (self._submits, self._requests, self._agents)
        ]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*self._tasks), timeout=self.request_timeout * 3)

    async def _submits(self) -> None:
        js = self.nc.jetstream(timeout=3)
        while not self._stop.is_set():
            request_id, body = self._next()
            try:
                await js.publish(
                    f"{self.prefix}.intake.submit", body, headers={"Nats-Msg-Id": request_id}
                )
            except Exception as e:
                self._note(f"submit:{type(e).__name__}")
                await asyncio.sleep(0.1)
            else:
                self.acked_submits.append(request_id)
            await asyncio.sleep(self.interval)

    async def _requests(self) -> None:
        inflight: set[asyncio.Task[None]] = set()
        slots = asyncio.Semaphore(20)

        async def one(request_id: str, body: bytes) -> None:
            try:
                reply = await self.ask("intake.request", json.loads(body))
            finally:
                slots.release()
            if reply is not None and reply["ok"]:
                self.ok_times.append(time.monotonic())
                self.acked_requests[request_id] = reply["data"]["callback_id"]
                self._work.append(reply["data"]["callback_id"])

        while not self._stop.is_set():
            await slots.acquire()  # at most 20 waiting: a stalled service slows the load down
            task = asyncio.create_task(one(*self._next()))
            inflight.add(task)
            task.add_done_callback(inflight.discard)
            await asyncio.sleep(self.interval)
        await asyncio.gather(*inflight)

    async def _agents(self) -> None:
        rnd = random.Random(self.seed)
        while not self._stop.is_set():
            await asyncio.sleep(0.1)
            ids = [self._work.popleft() for _ in range(min(3, len(self._work)))]
            if not ids:
                continue
            reply = await self.ask(
                "admin.assign",
                {"callback_ids": ids, "agent_ids": list(AGENTS), "method": "EQUAL"},
                SUPERVISOR,
            )
            if reply is None or not reply["ok"]:
                continue
            for result in reply["data"]["results"]:
                if not result["ok"] or rnd.random() < 0.3:  # some stay assigned
                    continue
                agent, cid = result["agent_id"], {"callback_id": result["callback_id"]}
                if rnd.random() < 0.3:
                    await self.ask(f"agent.{agent}.finish", cid)
                    continue
                dialed = await self.ask(f"agent.{agent}.dial", cid)
                if dialed is not None and dialed["ok"]:
                    if rnd.random() < 0.3:
                        await self.ask(
                            f"agent.{agent}.dial-result", {**cid, "outcome": "NO_ANSWER"}
                        )
                    else:
                        await self.ask(f"agent.{agent}.complete", cid)
            if rnd.random() < 0.2:
                await self.ask(f"agent.{rnd.choice(AGENTS)}.pending", {})

    def first_ok_after(self, moment: float) -> float | None:
        return next((t for t in self.ok_times if t > moment), None)

    @property
    def acknowledged(self) -> list[str]:
        return self.acked_submits + list(self.acked_requests)


async def wait_ok_after(load: Load, moment: float, timeout: float) -> float:
    """Seconds from `moment` until the service accepted an `intake.request` again."""
    deadline = time.monotonic() + timeout
    while (t := load.first_ok_after(moment)) is None:
        if time.monotonic() > deadline:
            pytest.fail(
                f"no ok reply within {timeout}s after the fault; "
                f"outcomes so far: {dict(load.counts)}"
            )
        await asyncio.sleep(0.05)
    return t - moment


# The checks -------------------------------------------------------------------------------


def _service(database_url: str) -> Any:
    return build_service(Settings.load(database_url=database_url))


def log_positions(database_url: str) -> list[int]:
    """Every position in the event log. PostgreSQL may leave gaps (a transaction that took
    an id and never committed, e.g. when the server stopped under it): they are no events."""
    service = _service(database_url)
    try:
        return [n.id for n in service.recorder.select_notifications(1, 10_000_000)]
    finally:
        service.close()


def log_head(database_url: str) -> int:
    service = _service(database_url)
    try:
        return service.recorder.max_notification_id() or 0
    finally:
        service.close()


async def drained(nc: Client, prefix: str, timeout: float) -> None:
    """The intake consumer has nothing pending or unacknowledged."""
    js = nc.jetstream(timeout=5)
    stream = stream_name(INTAKE, prefix)
    deadline = time.monotonic() + timeout
    info = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            info = await js.consumer_info(stream, "callbacks-intake")
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
        await asyncio.sleep(0.2)
    pytest.fail(f"intake not drained within {timeout}s: {info}")


async def stream_positions(nc: Client, prefix: str, timeout: float = 30) -> list[int]:
    """The log position of every message on CALLBACK_EVENTS, in stream order."""
    js = nc.jetstream(timeout=5)
    stream = stream_name(EVENTS, prefix)
    total = (await js.stream_info(stream)).state.messages
    sub = await js.pull_subscribe(
        f"{prefix}.events.>",
        stream=stream,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30
        ),
    )
    positions: list[int] = []
    deadline = time.monotonic() + timeout
    try:
        while len(positions) < total:
            if time.monotonic() > deadline:
                pytest.fail(f"read {len(positions)} of {total} events of {stream} in {timeout}s")
            with contextlib.suppress(nats.errors.TimeoutError):
                positions += [
                    json.loads(m.data)["position"] for m in await sub.fetch(1000, timeout=2)
                ]
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    return positions


async def relayed(nc: Client, prefix: str, head: int, timeout: float) -> None:
    """The last event on the stream is the log's head."""
    js = nc.jetstream(timeout=5)
    deadline, last = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            msg = await js.get_last_msg(stream_name(EVENTS, prefix), f"{prefix}.events.>")
            last = int(json.loads(msg.data or b"{}").get("position", 0))
            if last >= head:
                return
        await asyncio.sleep(0.1)
    pytest.fail(f"the relay reached position {last}, not the head {head}, within {timeout}s")


def views_positions(database_url: str, timezone: str) -> dict[str, int]:
    settings = Settings.load(database_url=database_url, timezone=timezone)
    service = build_service(settings)
    side = build_read_side(settings, service)
    try:
        return {view: side.store.position(g) for view, g in side.store.active().items()}
    finally:
        side.close()
        service.close()


async def views_caught_up(database_url: str, timezone: str, head: int, timeout: float) -> None:
    deadline, positions = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        positions = await asyncio.to_thread(views_positions, database_url, timezone)
        if set(positions) == set(VIEWS) and all(p >= head for p in positions.values()):
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"the views did not reach the head {head} within {timeout}s: {positions}")


def views_equal_rebuild(database_url: str, timezone: str, head: int) -> tuple[bool, str]:
    """The live views against a rebuild from position 0 up to the head (a snapshot)."""
    settings = Settings.load(database_url=database_url, timezone=timezone)
    service = build_service(settings)
    side = build_read_side(settings, service)
    try:
        live = side.store.active()
        made = snapshot(
            side.store,
            side.runner,
            list(VIEWS),
            name="reliability_check",
            until_position=head,
            as_of=None,
            timezone=live["callback_list"].timezone,
        )
        rebuilt = {g.view: g for g in made}
        ours, theirs = dump(side, live), dump(side, rebuilt)
        diffs = []
        for view in ours:
            if ours[view] != theirs[view]:
                a, b = set(map(repr, ours[view])), set(map(repr, theirs[view]))
                diffs.append(
                    f"{view}: {len(ours[view])} live rows, {len(theirs[view])} rebuilt; only live: "
                    f"{sorted(a - b)[:3]}; only rebuilt: {sorted(b - a)[:3]}"
                )
        rows = ", ".join(f"{view} {len(rows)}" for view, rows in ours.items())
        return not diffs, "; ".join(diffs) or rows
    finally:
        side.close()
        service.close()


@dataclass
class Verdict:
    scenario: str
    acknowledged: int
    callbacks: int
    events: int
    head: int
    duplicates: int
    lost: int
    recover: str
    views: str
    notes: str = ""

    def line(self) -> str:
        return (
            f"{self.scenario}: acknowledged {self.acknowledged}, callbacks found {self.callbacks}, "
            f"events published {self.events} (log head {self.head}), duplicates {self.duplicates}, "
            f"lost {self.lost}, time to recover {self.recover}"
            + (f"; {self.notes}" if self.notes else "")
        )


async def verify(
    scenario: str,
    *,
    nc: Client,
    prefix: str,
    database_url: str,
    timezone: str,
    load: Load,
    recover: str,
    stop_services: Any,
    notes: str = "",
    timeout: float = 45,
) -> Verdict:
    """Waits for the service to settle, stops it, and checks the four promises."""
    await drained(nc, prefix, timeout)
    redelivered = (
        await nc.jetstream(timeout=5).consumer_info(stream_name(INTAKE, prefix), "callbacks-intake")
    ).num_redelivered
    head = await asyncio.to_thread(log_head, database_url)
    await relayed(nc, prefix, head, timeout)
    await views_caught_up(database_url, timezone, head, timeout)
    await asyncio.to_thread(stop_services)

    assert await asyncio.to_thread(log_head, database_url) == head, (
        "events were written after the load stopped"
    )
    found = await asyncio.to_thread(callbacks_by_request, database_url)
    acknowledged = load.acknowledged
    lost_requests = [r for r in acknowledged if r not in found]
    duplicated = {r: ids for r, ids in found.items() if len(ids) > 1}
    wrong_id = {
        r: (cid, found[r])
        for r, cid in load.acked_requests.items()
        if r in found and found[r] != [cid]
    }
    positions = await stream_positions(nc, prefix)
    event_dupes = len(positions) - len(set(positions))
    in_log = await asyncio.to_thread(log_positions, database_url)
    missing_events = sorted(set(in_log) - set(positions))
    strangers = sorted(set(positions) - set(in_log))
    gaps = head - len(in_log)
    same, views = await asyncio.to_thread(views_equal_rebuild, database_url, timezone, head)

    verdict = Verdict(
        scenario=scenario,
        acknowledged=len(acknowledged),
        callbacks=sum(1 for r in acknowledged if r in found),
        events=len(positions),
        head=head,
        duplicates=len(duplicated) + event_dupes + len(strangers),
        lost=len(lost_requests) + len(missing_events),
        recover=recover,
        views=views,
        notes=(notes + "; " if notes else "")
        + (f"{gaps} unused log positions (gaps), " if gaps else "")
        + f"{len(load.acked_submits)} submits acked ({redelivered} redelivered), "
        f"{len(load.acked_requests)} requests answered ok; "
        f"other outcomes {dict(sorted(load.counts.items()))}",
    )
    SUMMARY.append(verdict.line() + f"; views equal their rebuild: {same} ({views})")
    print("\n" + SUMMARY[-1])
    assert not lost_requests, f"acknowledged but no callback: {lost_requests[:10]}"
    assert not duplicated, (
        f"more than one callback for one request id: {list(duplicated.items())[:5]}"
    )
    assert not wrong_id, (
        f"a callback other than the one the reply named: {list(wrong_id.items())[:5]}"
    )
    assert not missing_events, (
        f"events missing from {stream_name(EVENTS, prefix)}: {missing_events[:20]}"
    )
    assert not strangers, f"positions on the stream that are not in the log: {strangers[:20]}"
    assert event_dupes == 0, f"{event_dupes} events duplicated on the stream"
    assert positions == sorted(positions), "events out of log order on the stream"
    assert same, f"views differ from their rebuild: {views}"
    assert load.acked_requests and load.acked_submits, (
        f"the load got no receipts: {dict(load.counts)}"
    )
    return verdict
