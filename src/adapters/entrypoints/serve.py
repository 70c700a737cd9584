"""`callbacks serve`: the whole service in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from adapters.bootstrap import ReadSide, build_read_side, build_service, record_policies
from adapters.database import Database
from adapters.entrypoints import stopping
from adapters.entrypoints.assembly import Parts, assemble
from adapters.entrypoints.outage_log import OutageLogFilter
from adapters.entrypoints.outages import (
    STORAGE_DOWN,
    Outage,
    Stopped,
    answering,
    in_thread,
    reachable,
    reporting,
    until_reached,
)
from adapters.identity.service_identity import service_identity
from adapters.messaging.nats_server import EmbeddedNatsServer, NatsServerError
from adapters.messaging.routes import make_broker, stop_answering
from adapters.observability import logs
from adapters.observability.exporter import MetricsExporter
from adapters.observability.process_health import ProcessHealth
from adapters.sms.factory import check_sms_settings
from adapters.web.api import Api
from adapters.web.app import build_app
from adapters.web.server import HttpServer

if TYPE_CHECKING:
    from faststream.nats import NatsBroker
    from nats.aio.client import Client

    from adapters.settings import Settings
    from callback_domain.application import CallbackService

log = logging.getLogger("callbacks.serve")
STOP_READS_WAIT = 1.0  # seconds the stop waits for reads still running (the stop's 2 s bound)


def _say(text: str) -> None:
    logs.say(f"callbacks serve: {text}")


def _background(parts: Parts, stop: asyncio.Event, settings: Settings) -> list[asyncio.Task[None]]:
    """The durable intake (unless the followers' process), the leased singletons (unless
    the commands' process), and (with the JetStream provider) the gateway's SMS reports,
    which every process reads."""
    tasks = []
    if settings.answers_requests:
        tasks.append(asyncio.create_task(parts.intake.run(stop), name="intake"))
    if settings.follows_the_log:
        tasks.append(asyncio.create_task(parts.singletons.run(stop), name="singletons"))
    if parts.sms_reports is not None:
        tasks.append(asyncio.create_task(parts.sms_reports.run(stop), name="sms-reports"))
    return tasks


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
    answers = settings.answers_requests
    http = (
        HttpServer(settings.http_host, settings.http_port, settings.http_trusted_proxies)
        if settings.http_port and answers
        else None
    )
    embedded = _embedded_nats(settings)
    servers = settings.nats_servers() or [embedded.url]  # type: ignore[union-attr]
    auth = settings.nats_credentials()
    try:
        service, side, broker, nc = await _reach(settings, db, servers, auth, stop)
    except Stopped:
        if embedded is not None:
            embedded.stop()
        _say("stopped before it was ready")
        return
    parts = await assemble(
        settings,
        db,
        say=_say,
        loop=loop,
        service=service,
        side=side,
        broker=broker,
        nc=nc,
        identity=await in_thread(lambda: service_identity(settings, service, _say)),
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
        exporter.start(parts.metrics.render, health)
    await parts.batcher.start()
    await broker.start()
    if http is not None:  # the same dispatch as the subscribers (adapters.web.api)
        api = Api(parts.ctx, nc, observe=parts.metrics.reply)
        await http.start(
            build_app(
                api,
                version=parts.ctx.version,
                metrics=parts.metrics.render,
                health=health,
                timezone=str(side.timezone),
            )
        )
    if answers:
        await answering(nc, f"{settings.prefix}.query.health")
        await parts.services_api.start()  # `$SRV.PING/INFO/STATS`: `nats micro ls` finds it
    background = _background(parts, stop, settings)
    where = (
        f"{servers[0]} (embedded, JetStream in {settings.data_dir / 'nats'})"
        if embedded
        else _servers(servers, auth)
    )
    _say(
        f"listening on {where}, subjects {settings.prefix}.*"
        if answers
        else f"following the log for the commands' processes; NATS {where}"
    )
    if settings.role != "all":
        _say(f"role {settings.role} (CALLBACKS_ROLE)")
    _say(f"events in {db.redacted()}; contact center time zone {side.timezone}")
    if exporter is not None:
        _say(
            f"metrics on http://{settings.metrics_host}:{exporter.port}/metrics, "
            "this process's health on /health"
        )
    if http is not None:
        _say(
            f"console on http://{settings.http_host}:{http.port}/ (log in as admin); HTTP API: "
            "POST /api/<subject with dots as slashes>, /api/openapi.json, /healthz, /metrics"
        )
    _say("ready; Ctrl-C or SIGTERM stops it cleanly")

    await stop.wait()
    _say("stopping: finishing in-flight commands")

    await stopping.in_order(
        [
            *([("HTTP closed", http.stop())] if http is not None else []),
            *([("Services API left", parts.services_api.stop())] if answers else []),
            ("subscribers closed", stop_answering(broker)),  # in-flight handlers finish
            (
                "intake consumer and followers of the log stopped",
                asyncio.gather(*background, return_exceptions=True),
            ),
            ("command batcher drained", parts.batcher.stop()),  # submitted ones are answered
            ("SMS provider closed", parts.sms.close()),
            ("NATS connection drained and closed", broker.stop()),
            (
                "stores closed",
                in_thread(lambda: _close_stores(parts, side, service, exporter, health)),
            ),
        ]
    )
    if embedded is not None:
        embedded.stop()
    _say("stopped")


def _close_stores(
    parts: Parts,
    side: ReadSide,
    service: CallbackService,
    exporter: MetricsExporter | None,
    health: ProcessHealth,
) -> None:
    if parts.waker is not None:
        parts.waker.stop()
    if exporter is not None:
        exporter.stop()
    health.close()
    # Reads given up on (timed out, or cancelled by the stop) may still run: closing a
    # store under one can crash the process (in_flight.py).
    if not parts.ctx.in_flight.wait_idle(STOP_READS_WAIT):
        log.warning("stop: reads still running after %s s; closing anyway", STOP_READS_WAIT)
    parts.ctx.readers.shutdown(wait=False, cancel_futures=True)
    side.close()
    service.close()


def _embedded_nats(settings: Settings) -> EmbeddedNatsServer | None:
    """The embedded NATS server, started, unless the settings name one to use."""
    if settings.nats_url is not None:
        return None
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
    return embedded


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
    check_sms_settings(settings)  # a provider's missing key: one line before anything starts
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
