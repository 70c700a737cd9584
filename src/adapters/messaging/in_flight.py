"""Reads still running in worker threads, so the stores are closed only after them.

A read whose caller gave up (its time limit passed, or its task was cancelled at stop)
keeps running in its thread; closing a SQLite connection under a running statement can
crash the process (the sqlite3 module is not safe against that). `callbacks serve` waits
for them, within a bound, before it closes the stores."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


class InFlight:
    def __init__(self) -> None:
        self._done = threading.Condition()
        self._running = 0

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._done:
            self._running += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._done:
                self._running -= 1
                self._done.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing runs; False if something still did after `timeout` seconds
        (a read hung on a store that is down: the stop does not wait forever)."""
        with self._done:
            return self._done.wait_for(lambda: self._running == 0, timeout)
