"""`callbacks serve`: the whole service in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
from importlib.metadata import version
from typing import TYPE_CHECKING

from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from adapters.background.leases import FileLease, PostgresLease
from adapters.background.scheduler import Scheduler
from adapters.background.singletons import Singletons
from adapters.bootstrap import ReadSide, build_read_side, build_service, record_policies
from adapters.commands.batcher import CommandBatcher
from adapters.database import SQLITE, Database
from adapters.entrypoints import stopping
from adapters.entrypoints.outage_log import OutageLogFilter
from adapters.entrypoints.outages import (
    STORAGE_DOWN,
    Outage,
    Stopped,
    StoreWatch,
    answering,
    in_thread,
    reachable,
    reporting,
    until_reached,
)
from adapters.identity.service_identity import service_identity
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
    from collections.abc import Callable

    from faststream.nats import NatsBroker
    from nats.aio.client import Client

    from adapters.background.leases import Lease
    from adapters.settings import Settings
    from callback_domain.application import CallbackService

log = logging.getLogger("callbacks.serve")


def _say(text: str) -> None:
    logs.say(f"callbacks serve: {text}")


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.on_signal, stop, _say)
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
    auth = settings.nats_credentials()
    try:
        service, side, broker, nc = await _reach(settings, db, servers, auth, stop)
    except Stopped:
        if embedded is not None:
            embedded.stop()
        _say("stopped before it was ready")
        return
    subjects = Subjects(settings.prefix)
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
    store = StoreWatch(db, _say)
    batcher = CommandBatcher(
        service,
        timeout=settings.storage_timeout,
        on_written=lambda: _soon(loop, written),
        on_batch=_each(metrics.batch, store.after_batch),
    )
    watch = PositionWatch(side.queries.position)
    side.runner.on_progress = lambda position: _soon(loop, watch.advance, position)
    ctx = ServiceContext(
        service=service,
        batcher=batcher,
        queries=side.queries,
        subjects=subjects,
        version=version("callbacks"),
        watch=watch,
        read_timeout=settings.storage_timeout,
        identity=await in_thread(lambda: service_identity(settings, service, _say)),
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
        waker = PostgresWaker(db, events_channel(service), lambda: _soon(loop, written))
        waker.start()

    services_api = TableService(nc, settings.prefix, version("callbacks"))

    def observe(subject: str, code: str | None, seconds: float) -> None:
        metrics.reply(subject, code, seconds)
        services_api.observe(subject, code, seconds)

    add_routes(broker, ctx, observe=observe)
    intake = IntakeConsumer(ctx, nc, js, store_up=store.up)
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
    await answering(nc, subjects.of("query.health"))
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
    _say(f"events in {db.redacted()}; contact center time zone {side.timezone}")
    if exporter is not None:
        _say(
            f"metrics on http://{settings.metrics_host}:{exporter.port}/metrics, "
            "this process's health on /health"
        )
    _say("ready; Ctrl-C or SIGTERM stops it cleanly")

    await stop.wait()
    _say("stopping: finishing in-flight commands")

    def closed() -> None:
        if waker is not None:
            waker.stop()
        if exporter is not None:
            exporter.stop()
        health.close()
        side.close()
        service.close()

    await stopping.in_order(
        [
            ("Services API left", services_api.stop()),
            ("subscribers closed", stop_answering(broker)),  # in-flight handlers finish
            (
                "intake consumer and followers of the log stopped",
                asyncio.gather(*background, return_exceptions=True),
            ),
            ("command batcher drained", batcher.stop()),  # submitted commands are answered
            ("NATS connection drained and closed", broker.stop()),
            ("stores closed", in_thread(closed)),
        ]
    )
    if embedded is not None:
        embedded.stop()
    _say("stopped")


async def _reach(
    settings: Settings, db: Database, servers: list[str], auth: dict[str, str], stop: asyncio.Event
) -> tuple[CallbackService, ReadSide, NatsBroker, Client]:
    """The stores and NATS, each retried with backoff until reached (one line per outage
    and per retry, no tracebacks); raises `Stopped` at once on a signal."""
    service = await until_reached(
        lambda: in_thread(lambda: _open_store(settings)),
        Outage("PostgreSQL", db.redacted(), _say),
        stop,
        retry_on=STORAGE_DOWN,
    )
    side = build_read_side(settings, service)
    nats_outage = Outage("NATS", _servers(servers, auth), _say)
    await until_reached(lambda: reachable(servers, auth), nats_outage, stop)

    async def connected() -> tuple[NatsBroker, Client]:
        broker = make_broker(servers, callbacks=reporting(nats_outage, stop), **auth)
        return broker, await broker.connect()  # the process's one NATS connection

    broker, nc = await until_reached(connected, nats_outage, stop)
    return service, side, broker, nc


def _each(*observers: Callable[..., None]) -> Callable[..., None]:
    """One observer that calls each of `observers` in turn."""

    def observe(*args: object) -> None:
        for observer in observers:
            observer(*args)

    return observe


def _soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., object], *args: object) -> None:
    """Runs `fn(*args)` on the loop, from any thread."""
    loop.call_soon_threadsafe(fn, *args)


def _servers(servers: list[str], auth: dict[str, str]) -> str:
    return ",".join(servers) + (f" (as {auth['user']})" if "user" in auth else "")


def _open_store(settings: Settings) -> CallbackService:
    """The event store, with the policies recorded: raises if PostgreSQL cannot be reached."""
    service = build_service(settings)
    try:
        changed = record_policies(service, settings)
    except BaseException:
        service.close()
        raise
    if changed:
        _say("policies recorded in the event log (first start, or the settings changed them)")
    return service


def main(settings: Settings) -> int:
    logs.configure(settings.log_format, settings.log_level)
    for handler in logging.getLogger().handlers:  # one line per outage and retry, no tracebacks
        handler.addFilter(OutageLogFilter())
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
        return 130
    except NatsServerError as e:  # the embedded broker could not start: say why, no traceback
        _say(f"cannot start: {e}")
        return 1
    return 0
