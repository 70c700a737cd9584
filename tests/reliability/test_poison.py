"""Poison messages on durable intake: dead-lettered with the reason, never blocking the rest.

What intake does with a submitted message (src/adapters/messaging/intake_consumer.py):
- invalid at the transport level (not JSON, a field missing or malformed) or refused by the
  core (e.g. a desired time in the past): answered on `notify.intake` with the error and
  acknowledged at its FIRST delivery; a bad request does not get better with time, so it is
  never retried and never dead-lettered;
- failing while being processed (`unavailable`, `conflict`, `internal`): nak'ed with backoff
  and retried; after `max_deliver` deliveries dead-lettered on `{prefix}.dead.intake` with
  headers Callbacks-Dead-Reason and Callbacks-Deliveries.

The core is hardened: no payload valid at the transport level was found that makes it raise
(extreme times, odd time zone names, unicode edge cases all answer `invalid_request`). So the
repeated processing failure here is a real one from the storage: a PostgreSQL trigger in this
test's schema refuses to store the events of one request (as a constraint would), through the
real consumer, batcher, core and event store; no mocks. The consumer runs in this process
with its real code, only with a shorter backoff and fewer deliveries (the service's own,
1 s to 120 s over 8 deliveries, ≈ 4 minutes, is longer than this suite may take).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import TYPE_CHECKING, Any

import nats
import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import build_read_side, build_service
from adapters.commands.batcher import CommandBatcher
from adapters.database import Database
from adapters.messaging.callers import Identity
from adapters.messaging.context import ServiceContext
from adapters.messaging.intake_consumer import IntakeConsumer
from adapters.messaging.streams import DEAD_LETTERS, ensure_streams, stream_name
from adapters.messaging.subjects import Subjects
from adapters.settings import Settings
from adapters.views.position_watch import PositionWatch
from tests.reliability.harness import SUMMARY, callbacks_by_request, drained

if TYPE_CHECKING:
    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.anyio, pytest.mark.slow]

MAX_DELIVER, BACKOFF = 4, (1.0, 1.0, 1.0)
GOOD = 300


def refuse_poison(database_url: str) -> None:
    """Makes the event store refuse (every time) to store an event that mentions 'poison'."""
    db = Database.parse(database_url)
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        schema = sql.Identifier(db.schema)
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF position('poison' in convert_from(NEW.state, 'UTF8')) > 0 THEN "
                "RAISE EXCEPTION 'this row is refused by a constraint'; END IF; RETURN NEW; END $$"
            ).format(schema)
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON {}.callbacks_events "
                "FOR EACH ROW EXECUTE FUNCTION {}.refuse_poison()"
            ).format(schema, schema)
        )


def body(request_id: str, n: int, **extra: Any) -> bytes:
    return json.dumps(
        {"request_id": request_id, "phone": f"+82 10-{n:08d}", "route": "intake-test", **extra}
    ).encode()


@pytest.mark.timeout(90)
async def test_a_poison_message_is_dead_lettered_and_blocks_nothing(
    nats_server: EmbeddedNatsServer,
    fresh_postgres_url: str,
    prefix: str,
) -> None:
    settings = Settings.load(database_url=fresh_postgres_url, timezone="Asia/Seoul")
    service = build_service(settings)
    side = build_read_side(settings, service)
    refuse_poison(fresh_postgres_url)
    # Wired as `callbacks serve` wires them: writes wake the views, the views' progress
    # answers the replies' waits for their place in line.
    loop = asyncio.get_running_loop()
    batcher = CommandBatcher(service, on_written=side.runner.wake)
    await batcher.start()
    watch = PositionWatch(side.queries.position)
    side.runner.on_progress = lambda position: loop.call_soon_threadsafe(watch.advance, position)
    ctx = ServiceContext(
        service=service,
        batcher=batcher,
        queries=side.queries,
        subjects=Subjects(prefix),
        version="test",
        identity=Identity(off=True),  # development mode: these scenarios are about intake
        watch=watch,
    )
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream(timeout=5)
    await ensure_streams(js, prefix)
    outcomes: dict[str, dict[str, Any]] = {}

    arrived: dict[str, float] = {}

    async def keep(msg: Any) -> None:
        data = json.loads(msg.data)
        outcomes[str(data["request_id"])] = data
        arrived[str(data["request_id"])] = time.monotonic()

    await nc.subscribe(ctx.subjects.intake_outcomes, cb=keep)
    consumer = IntakeConsumer(ctx, nc, js, batch=50, max_deliver=MAX_DELIVER, backoff=BACKOFF)
    await consumer.ensure_consumer()

    # The poison first, then good ones (and a few invalid ones) behind it: the first
    # fetched batch holds the poison and 49 good ones.
    submit = f"{prefix}.intake.submit"
    await js.publish(submit, body("poison-1", 0))
    good = [f"good-{n}" for n in range(1, GOOD + 1)]
    invalid = {
        "bad-json": b"{not json",
        "bad-phone": body("bad-phone", 0, phone="call me"),
        "bad-field": body("bad-field", 0, colour="blue"),
    }
    for n, request_id in enumerate(good, start=1):
        await js.publish(submit, body(request_id, n))
        if n % 100 == 0:
            for payload in invalid.values():
                await js.publish(submit, payload)

    stop, stop_views = asyncio.Event(), threading.Event()
    views = threading.Thread(target=side.runner.run_forever, args=(stop_views,), daemon=True)
    views.start()  # the views follow the log, as in the service (replies tell the place in line)
    started = time.monotonic()
    running = asyncio.create_task(consumer.run(stop))
    try:
        good_done = poison_done = behind_done = None
        behind = good[60:]  # well behind the poison: not in its first fetched batch of 50
        deadline = started + 45
        while good_done is None or poison_done is None:
            assert time.monotonic() < deadline, f"not settled in 45 s: {consumer.stats}"
            if behind_done is None and all(outcomes.get(r, {}).get("ok") for r in behind):
                behind_done = time.monotonic() - started
            if good_done is None and all(outcomes.get(r, {}).get("ok") for r in good):
                good_done = time.monotonic() - started
            if poison_done is None and "poison-1" in outcomes:
                poison_done = time.monotonic() - started
            await asyncio.sleep(0.05)
        await drained(nc, prefix, timeout=15)
    finally:
        stop.set()
        stop_views.set()
        await asyncio.wait_for(running, timeout=10)
        await batcher.stop()
        await asyncio.to_thread(views.join, 10)

    dead = await js.pull_subscribe(f"{prefix}.dead.>", stream=stream_name(DEAD_LETTERS, prefix))
    letters = await dead.fetch(10, timeout=2)
    found = await asyncio.to_thread(callbacks_by_request, fresh_postgres_url)
    side.close()
    service.close()
    await nc.close()

    poison = letters[0] if letters else None
    reason = (poison.headers or {}).get("Callbacks-Dead-Reason") if poison else None
    deliveries = (poison.headers or {}).get("Callbacks-Deliveries") if poison else None
    lost = [r for r in good if len(found.get(r, [])) != 1]
    duplicates = sum(1 for ids in found.values() if len(ids) > 1)
    refused = sorted(
        {o["error"]["code"] for k, o in outcomes.items() if k.startswith("bad") or k == "None"}
    )
    line = (
        f"poison message: acknowledged {GOOD + 1 + 3 * len(invalid)} submits, callbacks found "
        f"{sum(1 for r in good if r in found)} of {GOOD} good, events published n/a "
        f"(no relay in this in-process scenario), duplicates {duplicates}, lost {len(lost)}, "
        f"time to recover: the good ones behind the poison handled {behind_done:.2f}s "
        f"after start, all good ones (its batch-mates too) {good_done:.2f}s, "
        f"the poison dead-lettered at {poison_done:.2f}s after {deliveries} deliveries "
        f"({reason!r}); {len(letters)} dead letter(s); "
        f"invalid ones refused at first delivery: {refused}; "
        f"stats {consumer.stats}"
    )
    SUMMARY.append(line)
    print("\n" + line)

    assert not lost, f"good requests without exactly one callback: {lost[:10]}"
    assert "poison-1" not in found, "the refused request was recorded"
    assert [json.loads(m.data)["request_id"] for m in letters] == ["poison-1"], (
        "only the poison is dead-lettered"
    )
    assert reason is not None and reason.startswith("unavailable:"), reason
    assert deliveries == str(MAX_DELIVER)
    assert (
        outcomes["poison-1"]["ok"] is False
        and outcomes["poison-1"]["error"]["code"] == "unavailable"
    )
    assert behind_done is not None and poison_done is not None and behind_done < poison_done, (
        "the messages behind the poison waited for it"
    )
    assert good_done is not None and good_done < 30
    assert consumer.stats.refused == 3 * len(invalid), (
        "an invalid message must be refused once, not retried"
    )


@pytest.mark.timeout(60)
async def test_intake_keeps_going_when_a_reply_cannot_be_completed(
    nats_server: EmbeddedNatsServer,
    fresh_postgres_url: str,
    prefix: str,
) -> None:
    """Found by the PostgreSQL restart scenario: the database went away between a callback's
    commit and the read of its place in line, the error escaped the consumer's loop, and
    durable intake stopped for good (messages pending, nothing fetching them). Here the read
    fails for real (the list view's table is gone); the callback is recorded, so the message
    is acknowledged with a reply that lacks the estimate, and the loop carries on."""
    settings = Settings.load(database_url=fresh_postgres_url, timezone="Asia/Seoul")
    service = build_service(settings)
    side = build_read_side(settings, service)
    table = side.store.table("callback_list", side.store.active()["callback_list"].tag)
    with side.store.tx(commit=True) as cur:
        side.store.run(cur, f"ALTER TABLE {table} RENAME TO gone_for_this_test")
    batcher = CommandBatcher(service)
    await batcher.start()
    ctx = ServiceContext(
        service=service,
        batcher=batcher,
        queries=side.queries,
        subjects=Subjects(prefix),
        version="test",
        identity=Identity(off=True),  # development mode: these scenarios are about intake
    )
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream(timeout=5)
    await ensure_streams(js, prefix)
    outcomes: dict[str, dict[str, Any]] = {}

    async def keep(msg: Any) -> None:
        data = json.loads(msg.data)
        outcomes[str(data["request_id"])] = data

    await nc.subscribe(ctx.subjects.intake_outcomes, cb=keep)
    consumer = IntakeConsumer(ctx, nc, js, batch=10)
    await consumer.ensure_consumer()
    wanted = [f"r-{n}" for n in range(30)]
    for n, request_id in enumerate(wanted):
        await js.publish(f"{prefix}.intake.submit", body(request_id, n + 1))
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    try:
        await drained(nc, prefix, timeout=20)
        deadline = time.monotonic() + 5
        while len(outcomes) < len(wanted) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        alive = not running.done()
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        await batcher.stop()
    found = await asyncio.to_thread(callbacks_by_request, fresh_postgres_url)
    side.close()
    service.close()
    await nc.close()

    assert alive, "the intake loop ended"
    assert all(len(found.get(r, [])) == 1 for r in wanted)
    assert all(
        outcomes[r]["ok"] and outcomes[r]["data"]["position_in_queue"] is None for r in wanted
    )
    assert consumer.stats.handled == len(wanted)
