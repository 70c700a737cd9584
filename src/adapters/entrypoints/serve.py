"""`callbacks serve`: the whole service in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from adapters.bootstrap import build_read_side, build_service
from adapters.database import SQLITE, Database
from adapters.messaging.batcher import CommandBatcher
from adapters.messaging.context import ServiceContext
from adapters.messaging.event_relay import EventRelay
from adapters.messaging.intake_consumer import IntakeConsumer
from adapters.messaging.leases import FileLease, PostgresLease
from adapters.messaging.nats_server import EmbeddedNatsServer
from adapters.messaging.notifications import Notifier
from adapters.messaging.position_watch import PositionWatch
from adapters.messaging.routes import build_broker
from adapters.messaging.scheduler import Scheduler
from adapters.messaging.streams import ensure_streams
from adapters.messaging.subjects import Subjects
from adapters.read_store import open_read_factory, tracking_recorder
from adapters.singletons import Singletons
from adapters.views.backends import PostgresWaker, events_channel

if TYPE_CHECKING:
    from adapters.messaging.leases import Lease
    from adapters.settings import Settings

log = logging.getLogger("callbacks.serve")


def _say(text: str) -> None:
    print(f"callbacks serve: {text}", flush=True)  # noqa: T201 - the operator's console


async def serve(settings: Settings) -> None:
    db = Database.parse(settings.resolved_database_url())
    embedded: EmbeddedNatsServer | None = None
    if settings.nats_url is None:
        embedded = EmbeddedNatsServer(settings.data_dir / "nats", port=settings.embedded_nats_port)
        embedded.start()  # from this thread: the child is bound to its parent thread's life
    url = settings.nats_url or embedded.url  # type: ignore[union-attr]
    service = build_service(settings)
    side = build_read_side(settings, service)
    subjects = Subjects(settings.prefix)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    nc = await nats.connect(url, name="callbacks-infra", max_reconnect_attempts=-1, reconnect_time_wait=1)
    js = nc.jetstream()
    await ensure_streams(js, settings.prefix)

    relay_tracking = tracking_recorder(
        open_read_factory(db), SQLiteTrackingRecorder if db.kind == SQLITE else PostgresTrackingRecorder
    )
    batcher: CommandBatcher
    relay: EventRelay

    def written() -> None:
        side.runner.wake()
        relay.wake()

    batcher = CommandBatcher(service, on_written=lambda: loop.call_soon_threadsafe(written))
    watch = PositionWatch(side.queries.position)
    side.runner.on_progress = lambda position: loop.call_soon_threadsafe(watch.advance, position)
    ctx = ServiceContext(service=service, batcher=batcher, queries=side.queries, subjects=subjects,
                         version=version("callbacks"), watch=watch)
    relay = EventRelay(service=service, tracking=relay_tracking, js=js, prefix=settings.prefix,
                       notifier=Notifier(ctx), nc=nc)
    scheduler = Scheduler(ctx)
    lease: Lease = FileLease(settings.data_dir / "singletons.lock") if db.kind == SQLITE else \
        PostgresLease(db, "callbacks-singletons")
    singletons = Singletons(lease, side.runner, [relay.run, scheduler.run])
    waker = None
    if db.kind != SQLITE:  # other processes' writes wake our followers at once
        waker = PostgresWaker(db, events_channel(service), lambda: loop.call_soon_threadsafe(written))
        waker.start()

    broker = build_broker(ctx, url)
    intake = IntakeConsumer(ctx, nc, js)
    await batcher.start()
    await broker.start()
    await _answering(nc, subjects)
    background = [asyncio.create_task(intake.run(stop), name="intake"),
                  asyncio.create_task(singletons.run(stop), name="singletons")]
    where = f"{url} (embedded, JetStream in {settings.data_dir / 'nats'})" if embedded else url
    _say(f"listening on {where}, subjects {settings.prefix}.*")
    _say(f"events in {_redacted(db)}; contact center time zone {settings.timezone}")
    _say("ready; Ctrl-C or SIGTERM stops it cleanly")

    await stop.wait()
    _say("stopping: finishing in-flight commands")
    await broker.stop()  # no new requests; handlers in flight run to the end
    log.info("stop: subscribers closed")
    await asyncio.gather(*background, return_exceptions=True)
    log.info("stop: intake consumer and followers of the log stopped")
    await batcher.stop()  # every submitted command is written and answered
    log.info("stop: command batcher drained")
    if waker is not None:
        waker.stop()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), timeout=5)
    side.close()
    service.close()
    if embedded is not None:
        embedded.stop()
    _say("stopped")


async def _answering(nc: Any, subjects: Subjects, timeout: float = 15.0) -> None:
    """Ready means answering: asks its own health until the subscriptions are live."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await nc.request(subjects.of("query.health"), b"{}", timeout=1)
            return
        except (NoRespondersError, NatsTimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


def _redacted(db: Database) -> str:
    if db.kind == SQLITE:
        return f"sqlite:///{db.path}"
    return f"postgresql://{db.user}@{db.host}:{db.port}/{db.dbname} (schema {db.schema})"


def main(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
        return 130
    return 0

