"""What every handler needs: the command path, the read path, the clock."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from adapters.messaging.callers import Identity
from adapters.messaging.errors import STORAGE_ERRORS, storage_error_of
from adapters.messaging.in_flight import InFlight
from adapters.views.position_watch import PositionWatch
from callback_domain.errors import StorageUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from adapters.commands.batcher import CommandBatcher
    from adapters.messaging.subjects import Subjects
    from adapters.views.line_board import LineBoard
    from adapters.views.places import PlaceLookups
    from adapters.views.queries import ViewQueries
    from callback_domain.application import CallbackService
    from callback_domain.commands import Command
    from callback_domain.results import Outcome
    from callback_domain.values import Caller

T = TypeVar("T")
P = TypeVar("P")
NO_SMS_PROVIDER = "no SMS provider configured"
MAX_WAIT = 2.0  # min_position waits at most this long (CONTRACT.md)


def utc_now() -> datetime:
    return datetime.now(UTC)


def shifted_clock(offset_seconds: float) -> Callable[[], datetime]:
    """The host's clock, `offset_seconds` ahead (CALLBACKS_CLOCK_OFFSET_SECONDS: tests only)."""
    if not offset_seconds:
        return utc_now
    offset = timedelta(seconds=offset_seconds)
    return lambda: datetime.now(UTC) + offset


@dataclass
class ServiceContext:
    service: CallbackService
    batcher: CommandBatcher
    queries: ViewQueries
    subjects: Subjects
    version: str
    clock: Callable[[], datetime] = utc_now
    readers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="reader")
    )
    watch: PositionWatch | None = None
    read_timeout: float | None = None  # a read not answered by then is `unavailable`
    places: PlaceLookups | None = None  # made on first use (see views/places.py)
    lines: LineBoard | None = None  # fresh requests' places; it must hear every batch
    identity: Identity = field(default_factory=Identity)  # how callers are known
    sms_provider: str | None = None  # the configured SMS provider's name; None: none
    in_flight: InFlight = field(default_factory=InFlight)  # reads running in the pool

    async def command(self, command: Command) -> Outcome:
        return await self.batcher.submit(command)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs a blocking read in the readers' pool; a store that cannot be reached
        answers `unavailable`, a value it cannot hold `invalid_request` (errors.py)."""
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(
            self.readers, partial(self.in_flight.run, fn, *args, **kwargs)
        )
        try:
            return await asyncio.wait_for(running, self.read_timeout)
        except STORAGE_ERRORS as e:
            raise storage_error_of(e) from e
        except TimeoutError:
            raise StorageUnavailableError() from None

    async def caught_up(self, min_position: int | None, timeout: float = MAX_WAIT) -> bool:
        """Waits (≤ 2 s) until the views reached `min_position`; False if they did not."""
        if self.watch is None:
            self.watch = PositionWatch(self.queries.position)
        return await self.watch.reach(min_position, timeout)


@dataclass(frozen=True, slots=True)
class Call(Generic[P]):
    """One request as a handler of the subject table sees it: parsed, its caller named."""

    ctx: ServiceContext
    caller: Caller
    payload: P
    params: Mapping[str, str] = field(default_factory=dict)  # the subject's `{tokens}`
