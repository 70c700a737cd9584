"""Stopping `callbacks serve` within 2 s of a signal, whatever it is waiting for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger("callbacks.serve")
GRACE = 1.5  # the orderly stop's budget: in-flight work finishes if it can in this time
DEADLINE = 1.9  # then the process leaves regardless (a hung connect, a stuck thread)


def on_signal(stop: asyncio.Event, say: Callable[[str], None]) -> None:
    """The first SIGINT/SIGTERM starts an orderly stop, bounded by a watchdog; a second
    one leaves at once."""
    if stop.is_set():
        say("second signal: leaving now")
        leave(130)
    stop.set()
    threading.Thread(target=_watchdog, args=(say,), name="stop-watchdog", daemon=True).start()


def _watchdog(say: Callable[[str], None]) -> None:
    time.sleep(DEADLINE)
    say(f"not stopped after {DEADLINE:.1f} s (a connection or a write still hangs); leaving")
    leave(1)


def leave(code: int) -> None:
    """Exits now: threads blocked in a connect or a write are not waited for (nothing they
    do is answered, so nothing answered is lost)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


async def in_order(steps: list[tuple[str, Awaitable[object]]], budget: float = GRACE) -> None:
    """Runs the stop's steps in order, all within `budget` seconds; a step still running
    when the budget is spent is abandoned, and the rest are skipped."""
    deadline = asyncio.get_running_loop().time() + budget
    for index, (name, step) in enumerate(steps):
        left = deadline - asyncio.get_running_loop().time()
        try:
            await asyncio.wait_for(step, max(left, 0.01))
        except TimeoutError:
            log.warning("stop: %s did not finish in time; leaving without it", name)
            for _, rest in steps[index + 1 :]:
                if asyncio.iscoroutine(rest):
                    rest.close()
            return
        except Exception as e:  # stopping anyway
            log.warning("stop: %s failed: %s", name, e)
        else:
            log.info("stop: %s", name)
