"""The parts of a running `callbacks serve`, wired together: the command path, the
followers of the log, durable intake and the subscriptions of the subject table."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING

from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from adapters.background.distributor import Distributor
from adapters.background.leases import FileLease, PostgresLease
from adapters.background.scheduler import Scheduler
from adapters.background.singletons import Singletons
from adapters.background.sms_dispatcher import SmsDispatcher
from adapters.commands.batcher import CommandBatcher
from adapters.database import SQLITE
from adapters.entrypoints.outages import StoreWatch
from adapters.messaging.context import ServiceContext, shifted_clock
from adapters.messaging.event_relay import EventRelay
from adapters.messaging.intake_consumer import IntakeConsumer
from adapters.messaging.notifications import Notifier
from adapters.messaging.routes import add_routes
from adapters.messaging.services_api import TableService
from adapters.messaging.streams import ensure_streams
from adapters.messaging.subjects import Subjects
from adapters.observability.service_metrics import ServiceMetrics
from adapters.read_store import open_read_factory, tracking_recorder
from adapters.sms.factory import provider_from
from adapters.sms.gateway_reports import recorder
from adapters.sms.status import StatusConsumer
from adapters.views.backends import PostgresWaker, events_channel
from adapters.views.line_board import LineBoard
from adapters.views.position_watch import PositionWatch

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from faststream.nats import NatsBroker
    from nats.aio.client import Client

    from adapters.background.leases import Lease
    from adapters.bootstrap import ReadSide
    from adapters.database import Database
    from adapters.messaging.callers import Identity
    from adapters.settings import Settings
    from adapters.sms.port import SmsProvider
    from callback_domain.application import CallbackService

    # The SMS provider of a deployment, from its settings (NATS for the JetStream gateway);
    # None: none configured, and messages wait RESERVED.
    SmsProviderFactory = Callable[[Settings, Client], SmsProvider | None]


@dataclass(frozen=True, slots=True)
class Parts:
    """What `serve` starts and stops, wired together."""

    metrics: ServiceMetrics
    ctx: ServiceContext
    batcher: CommandBatcher
    singletons: Singletons
    intake: IntakeConsumer
    services_api: TableService
    waker: PostgresWaker | None
    sms: SmsDispatcher
    sms_reports: StatusConsumer | None  # a gateway's reports, with the JetStream provider


def configured_sms_provider(settings: Settings, nc: Client) -> SmsProvider | None:
    """The deployment's SMS provider: `CALLBACKS_SMS_PROVIDER_FACTORY`'s, if named; else
    the built-in one `CALLBACKS_SMS_PROVIDER` names (`none`: health and logs say so, and
    messages wait RESERVED)."""
    if settings.sms_provider_factory is None:
        return provider_from(settings, nc)
    module, _, name = settings.sms_provider_factory.partition(":")
    factory: SmsProviderFactory = getattr(importlib.import_module(module), name)
    return factory(settings, nc)


async def assemble(
    settings: Settings,
    db: Database,
    *,
    say: Callable[[str], None],
    loop: asyncio.AbstractEventLoop,
    service: CallbackService,
    side: ReadSide,
    broker: NatsBroker,
    nc: Client,
    identity: Identity,
    sms_provider: SmsProviderFactory = configured_sms_provider,
) -> Parts:
    """The streams, the command path, the followers of the log and the subscriptions."""
    js = nc.jetstream()
    await ensure_streams(js, settings.prefix, replicas=settings.stream_replicas)
    relay_tracking = tracking_recorder(
        open_read_factory(db),
        SQLiteTrackingRecorder if db.kind == SQLITE else PostgresTrackingRecorder,
    )
    relay: EventRelay

    def written() -> None:
        side.runner.wake()
        relay.wake()

    metrics = ServiceMetrics(version("callbacks"))
    lines = LineBoard()
    store = StoreWatch(db, say)
    batcher = CommandBatcher(
        service,
        timeout=settings.storage_timeout,
        on_written=lambda: _soon(loop, written),
        on_batch=_each(metrics.batch, store.after_batch, lambda _, done, __: lines.written(done)),
    )
    watch = PositionWatch(side.queries.position)
    side.runner.on_progress = lambda position: _soon(loop, watch.advance, position)
    if settings.clock_offset_seconds:
        say(
            f"WARNING: the clock runs {settings.clock_offset_seconds:+g} s off the host's "
            "(CALLBACKS_CLOCK_OFFSET_SECONDS: for tests only)"
        )
    ctx = ServiceContext(
        service=service,
        batcher=batcher,
        queries=side.queries,
        subjects=Subjects(settings.prefix),
        version=version("callbacks"),
        clock=shifted_clock(settings.clock_offset_seconds),
        watch=watch,
        read_timeout=settings.storage_timeout,
        identity=identity,
        lines=lines,
    )
    provider = sms_provider(settings, nc)
    ctx.sms_provider = None if provider is None else provider.name
    sms = SmsDispatcher(ctx, provider)
    relay = EventRelay(
        service=service,
        tracking=relay_tracking,
        js=js,
        prefix=settings.prefix,
        notifier=Notifier(ctx),
        nc=nc,
    )
    lease: Lease = (
        FileLease(settings.data_dir / "singletons.lock")
        if db.kind == SQLITE
        else PostgresLease(db, "callbacks-singletons")
    )
    singletons = Singletons(
        lease, side.runner, [relay.run, Scheduler(ctx).run, Distributor(ctx).run, sms.run]
    )
    waker = None
    if db.kind != SQLITE:  # other processes' writes wake our followers at once
        waker = PostgresWaker(db, events_channel(service), lambda: _soon(loop, written))
        waker.start()
    services_api = TableService(nc, settings.prefix, version("callbacks"))

    def observe(subject: str, code: str | None, seconds: float) -> None:
        metrics.reply(subject, code, seconds)
        services_api.observe(subject, code, seconds)

    if settings.answers_requests:
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
    reports = (
        StatusConsumer(js, settings.prefix, recorder(ctx), replicas=settings.stream_replicas)
        if settings.sms_provider == "jetstream"
        else None
    )
    return Parts(metrics, ctx, batcher, singletons, intake, services_api, waker, sms, reports)


def _each(*observers: Callable[..., None]) -> Callable[..., None]:
    """One observer that calls each of `observers` in turn."""

    def observe(*args: object) -> None:
        for observer in observers:
            observer(*args)

    return observe


def _soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., object], *args: object) -> None:
    """Runs `fn(*args)` on the loop, from any thread."""
    loop.call_soon_threadsafe(fn, *args)
