"""Reads still running are waited for before the stores close, within a bound."""

from __future__ import annotations

import threading
import time

import pytest

from adapters.messaging.in_flight import InFlight


def test_waits_for_a_running_read_and_not_forever_for_a_hung_one() -> None:
    reads = InFlight()
    assert reads.wait_idle(0.01)  # nothing runs
    release = threading.Event()
    worker = threading.Thread(target=reads.run, args=(release.wait, 5))
    worker.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert not reads.wait_idle(0.2)  # hung: the stop goes on after the bound
    assert 0.19 <= time.monotonic() - started < 1.0
    threading.Timer(0.1, release.set).start()
    assert reads.wait_idle(5.0)  # it finished: the stores may close
    worker.join(1)


def test_a_failing_read_is_no_longer_running() -> None:
    reads = InFlight()

    def fails() -> None:
        raise ValueError("the store refused")

    with pytest.raises(ValueError, match="refused"):
        reads.run(fails)
    assert reads.wait_idle(0.01)
