"""Reaching NATS and PostgreSQL: one line per outage and per retry, retries with backoff,
and a signal stops the wait at once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

import nats
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from nats import errors as nats_errors
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from adapters.database import Database
    from callback_domain.results import Outcome

T = TypeVar("T")
FIRST_DELAY = 1.0
MAX_DELAY = 60.0  # after the backoff grew: at most one retry (and one line) a minute
# What "the store cannot be reached" raises: retried, where other errors are mistakes.
STORAGE_DOWN: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    OperationalError,
    InterfaceError,
    TimeoutError,
)
# What a lost connection (to a store or to NATS) raises, for the log filter below.
OUTAGES: tuple[type[BaseException], ...] = (
    *STORAGE_DOWN,
    ConnectionError,
    nats_errors.ConnectionClosedError,
    nats_errors.NoServersError,
    nats_errors.StaleConnectionError,
    nats_errors.TimeoutError,
)


class Stopped(Exception):  # noqa: N818 - a signal, not a failure
    """A signal arrived while waiting for a dependency."""


def cause_of(error: BaseException) -> str:
    """A short reason, without a traceback: `connection refused`, `timed out`, …"""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    text = str(error).strip().splitlines()
    reason = text[0] if text else ""
    return reason.removeprefix("nats: ") or type(error).__name__


class Outage:
    """Says when a dependency cannot be reached, then once per retry as the backoff grows.

    The first failure is one line naming the dependency, where it is (without
    credentials) and the cause; later ones print only when due (after 1, 2, 4 … s,
    then once a minute), however often the caller retries; recovery is one line.
    """

    def __init__(self, what: str, where: str, say: Callable[[str], None]) -> None:
        self.what, self.where, self.say = what, where, say
        self.failures = 0
        self.delay = FIRST_DELAY
        self._due = 0.0
        self._since = 0.0

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self.failures += 1
        if self.failures == 1:
            self._since = now
            self.say(f"cannot reach {self.what} at {self.where}: {cause_of(error)}")
        elif now >= self._due:
            self.say(
                f"still cannot reach {self.what} at {self.where} ({cause_of(error)}); "
                f"{self.failures} attempts in {now - self._since:.0f} s, retrying"
            )
        else:
            return
        self._due = now + self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)

    def recovered(self) -> None:
        if self.failures:
            self.say(f"reached {self.what} at {self.where} again")
        self.failures, self.delay = 0, FIRST_DELAY


async def until_reached(
    attempt: Callable[[], Awaitable[T]],
    outage: Outage,
    stop: asyncio.Event,
    *,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> T:
    """`attempt()` until it succeeds, waiting 1, 2, 4 … 60 s between tries; raises
    `Stopped` as soon as `stop` is set, even in the middle of an attempt."""
    delay = FIRST_DELAY
    while True:
        task = asyncio.ensure_future(attempt())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            task.cancel()
            task.add_done_callback(_quiet)
            raise Stopped
        try:
            result = task.result()
        except retry_on as e:
            outage.failed(e)
        else:
            outage.recovered()
            return result
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            raise Stopped
        delay = min(delay * 2, MAX_DELAY)


def in_thread(fn: Callable[[], T]) -> Awaitable[T]:
    """Runs a blocking call (a connect that may hang) in a daemon thread: a signal does
    not wait for it, and the process may exit while it still hangs."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = fn()
        except BaseException as e:  # handed to the awaiting task
            error = e
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="connect", daemon=True).start()
    return future


def _quiet(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" at exit


class StoreWatch:
    """Whether the event store answers, said once per outage and per retry (see Outage).

    A command answered `unavailable` makes it ask the store, with backoff, until it
    answers again; durable intake asks it before fetching again (`up`)."""

    def __init__(self, db: Database, say: Callable[[str], None]) -> None:
        self.db = db
        self.outage = Outage("PostgreSQL", db.redacted(), say)
        self._watching: asyncio.Future[None] | None = None

    async def up(self) -> bool:
        error = await asyncio.to_thread(self.db.unreachable)
        if error is None:
            self.outage.recovered()
            return True
        self.outage.failed(error)
        return False

    def after_batch(self, _: object, outcomes: Sequence[Outcome], __: float) -> None:
        """The batcher's observer: a command answered `unavailable` makes it watch."""
        if any(o.error is not None and o.error.code == "unavailable" for o in outcomes):
            self.suspect()

    def suspect(self) -> None:
        """From the event loop: something failed as if the store were down."""
        if self._watching is None or self._watching.done():
            self._watching = asyncio.ensure_future(self._until_up())

    async def _until_up(self) -> None:
        delay = FIRST_DELAY
        while not await self.up():
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)


# NATS ------------------------------------------------------------------------------


async def reachable(servers: list[str], auth: dict[str, str]) -> None:
    """One quick connection to the servers (each tried twice), closed again: raises the
    cause when none answers, instead of nats-py's endless retries with a traceback each."""
    errors: list[BaseException] = []

    async def remember(e: Exception) -> None:
        errors.append(e)

    try:
        nc = await nats.connect(
            servers=servers,
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,
            connect_timeout=2,
            error_cb=remember,
            **auth,
        )
    except Exception as e:
        raise (errors[-1] if errors else e) from None
    await nc.close()


def reporting(outage: Outage, stop: asyncio.Event) -> dict[str, Any]:
    """nats-py callbacks that report a lost connection through `outage`: one line, not a
    traceback per attempt (and nothing once the service is stopping)."""

    async def error_cb(e: Exception) -> None:
        if not stop.is_set():
            outage.failed(e)

    async def disconnected_cb() -> None:
        if not stop.is_set():
            outage.say(f"lost the connection to NATS at {outage.where}; reconnecting")

    async def reconnected_cb() -> None:
        outage.recovered()

    return {
        "error_cb": error_cb,
        "disconnected_cb": disconnected_cb,
        "reconnected_cb": reconnected_cb,
    }


async def answering(nc: Any, health: str, timeout: float = 15.0) -> None:
    """Ready means answering: asks its own health until the subscriptions are live."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await nc.request(health, b"{}", timeout=1)
            return
        except (NoRespondersError, NatsTimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
