"""`callbacks serve`: the whole service in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from adapters.background.leases import FileLease, PostgresLease
from adapters.background.scheduler import Scheduler
from adapters.background.singletons import Singletons
from adapters.bootstrap import build_read_side, build_service, record_policies
from adapters.commands.batcher import CommandBatcher
from adapters.database import SQLITE, Database
from adapters.messaging.context import ServiceContext
from adapters.messaging.event_relay import EventRelay
from adapters.messaging.intake_consumer import IntakeConsumer
from adapters.messaging.nats_server import EmbeddedNatsServer, NatsServerError
from adapters.messaging.notifications import Notifier
from adapters.messaging.routes import add_routes, make_broker, stop_answering
from adapters.messaging.services_api import TableService
from adapters.messaging.streams import ensure_streams
from adapters.messaging.subjects import Subjects
from adapters.observability import logs
from adapters.observability.exporter import MetricsExporter
from adapters.observability.process_health import ProcessHealth
from adapters.observability.service_metrics import ServiceMetrics
from adapters.read_store import open_read_factory, tracking_recorder
from adapters.views.backends import PostgresWaker, events_channel
from adapters.views.position_watch import PositionWatch

if TYPE_CHECKING:
    from adapters.background.leases import Lease
    from adapters.settings import Settings

log = logging.getLogger("callbacks.serve")


def _say(text: str) -> None:
    logs.say(f"callbacks serve: {text}")


async def serve(settings: Settings) -> None:
    db = Database.parse(settings.resolved_database_url())
    # Bound first: a port in use is said in one line before anything else starts.
    exporter = (
        MetricsExporter(settings.metrics_host, settings.metrics_port)
        if settings.metrics_port
        else None
    )
    embedded: EmbeddedNatsServer | None = None
    if settings.nats_url is None:
        # The default port falls back to a free one when taken; a port asked for does not.
        embedded = EmbeddedNatsServer(
            settings.data_dir / "nats",
            port=settings.embedded_nats_port,
            port_fallback="embedded_nats_port" not in settings.model_fields_set,
        )
        embedded.start()  # from this thread: the child is bound to its parent thread's life
        if embedded.fell_back:
            _say(
                f"port {settings.embedded_nats_port} is taken (another NATS server?); "
                f"the embedded one listens on {embedded.port} instead"
            )
    servers = settings.nats_servers() or [embedded.url]  # type: ignore[union-attr]
    service = build_service(settings)
    if record_policies(service, settings):
        _say("policies recorded in the event log (first start, or the settings changed them)")
    side = build_read_side(settings, service)
    subjects = Subjects(settings.prefix)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    auth = settings.nats_credentials()
    broker = make_broker(servers, **auth)
    nc = await broker.connect()  # the process's one NATS connection (FastStream's)
    js = nc.jetstream()
    await ensure_streams(js, settings.prefix, replicas=settings.stream_replicas)

    relay_tracking = tracking_recorder(
        open_read_factory(db),
        SQLiteTrackingRecorder if db.kind == SQLITE else PostgresTrackingRecorder,
    )
    batcher: CommandBatcher
    relay: EventRelay

    def written() -> None:
        side.runner.wake()
        relay.wake()

    metrics = ServiceMetrics(version("callbacks"))
    batcher = CommandBatcher(
        service, on_written=lambda: loop.call_soon_threadsafe(written), on_batch=metrics.batch
    )
    watch = PositionWatch(side.queries.position)
    side.runner.on_progress = lambda position: loop.call_soon_threadsafe(watch.advance, position)
    ctx = ServiceContext(
        service=service,
        batcher=batcher,
        queries=side.queries,
        subjects=subjects,
        version=version("callbacks"),
        watch=watch,
    )
    relay = EventRelay(
        service=service,
        tracking=relay_tracking,
        js=js,
        prefix=settings.prefix,
        notifier=Notifier(ctx),
        nc=nc,
    )
    scheduler = Scheduler(ctx)
    lease: Lease = (
        FileLease(settings.data_dir / "singletons.lock")
        if db.kind == SQLITE
        else PostgresLease(db, "callbacks-singletons")
    )
    singletons = Singletons(lease, side.runner, [relay.run, scheduler.run])
    waker = None
    if db.kind != SQLITE:  # other processes' writes wake our followers at once
        waker = PostgresWaker(
            db, events_channel(service), lambda: loop.call_soon_threadsafe(written)
        )
        waker.start()

    services_api = TableService(nc, settings.prefix, version("callbacks"))

    def observe(subject: str, code: str | None, seconds: float) -> None:
        metrics.reply(subject, code, seconds)
        services_api.observe(subject, code, seconds)

    add_routes(broker, ctx, observe=observe)
    intake = IntakeConsumer(ctx, nc, js)
    metrics.follow(
        head=service.recorder.max_notification_id,
        views=side.queries.position,
        runner=side.runner,
        relay=relay,
        singletons=singletons,
        intake=intake,
    )

    async def nats_connected() -> bool:
        return nc.is_connected and await broker.ping(timeout=1.0)

    health = ProcessHealth(
        loop,
        nats_connected=nats_connected,
        database=service.recorder.max_notification_id,
        stopping=stop.is_set,
    )
    if exporter is not None:
        exporter.start(metrics.render, health)
    await batcher.start()
    await broker.start()
    await _answering(nc, subjects)
    await services_api.start()  # `$SRV.PING/INFO/STATS`: `nats micro ls` finds this instance
    background = [
        asyncio.create_task(intake.run(stop), name="intake"),
        asyncio.create_task(singletons.run(stop), name="singletons"),
    ]
    where = (
        f"{servers[0]} (embedded, JetStream in {settings.data_dir / 'nats'})"
        if embedded
        else _servers(servers, auth)
    )
    _say(f"listening on {where}, subjects {settings.prefix}.*")
    _say(f"events in {_redacted(db)}; contact center time zone {side.timezone}")
    if exporter is not None:
        _say(
            f"metrics on http://{settings.metrics_host}:{exporter.port}/metrics, this process's health on /health"
        )
    _say("ready; Ctrl-C or SIGTERM stops it cleanly")

    await stop.wait()
    _say("stopping: finishing in-flight commands")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(services_api.stop(), timeout=2)
    await stop_answering(broker)  # no new requests; handlers in flight run to the end
    log.info("stop: subscribers closed")
    await asyncio.gather(*background, return_exceptions=True)
    log.info("stop: intake consumer and followers of the log stopped")
    await batcher.stop()  # every submitted command is written and answered
    log.info("stop: command batcher drained")
    if waker is not None:
        waker.stop()
    if exporter is not None:
        exporter.stop()
    health.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(broker.stop(), timeout=5)  # drains and closes the connection
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


def _servers(servers: list[str], auth: dict[str, str]) -> str:
    return ",".join(servers) + (f" (as {auth['user']})" if "user" in auth else "")


def _redacted(db: Database) -> str:
    if db.kind == SQLITE:
        return f"sqlite:///{db.path}"
    return f"postgresql://{db.user}@{db.host}:{db.port}/{db.dbname} (schema {db.schema})"


def main(settings: Settings) -> int:
    logs.configure(settings.log_format, settings.log_level)
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
        return 130
    except NatsServerError as e:  # the embedded broker could not start: say why, no traceback
        _say(f"cannot start: {e}")
        return 1
    return 0
