"""The rebuild's read-ahead: the next batch is read once, and only used where it fits."""

from __future__ import annotations

import threading

import pytest

from adapters.views.runner import _ReadAhead
from projections.batch import Positioned


def test_a_batch_read_ahead_is_used_once_and_only_where_it_starts() -> None:
    calls: list[tuple[int, int, int | None]] = []

    def read(start: int, limit: int, until: int | None) -> list[Positioned]:
        calls.append((start, limit, until))
        return [Positioned(p, None) for p in range(start + 1, start + limit + 1)]

    ahead = _ReadAhead(read)
    try:
        ahead.ask(10, 5, None)
        assert [i.position for i in ahead.take(10, 5, None)] == [11, 12, 13, 14, 15]
        assert calls == [(10, 5, None)]  # read once, in the background
        ahead.take(10, 5, None)  # nothing asked any more: read now
        ahead.ask(15, 5, None)
        assert ahead.take(12, 5, None)[0].position == 13  # another start: read again
        assert calls[-1] == (12, 5, None)
    finally:
        ahead.close()


def test_a_failed_read_ahead_fails_the_batch_that_takes_it() -> None:
    started = threading.Event()

    def read(start: int, limit: int, until: int | None) -> list[Positioned]:
        started.set()
        raise ConnectionError("gone")

    ahead = _ReadAhead(read)
    try:
        ahead.ask(0, 5, None)
        assert started.wait(5)
        with pytest.raises(ConnectionError):
            ahead.take(0, 5, None)
    finally:
        ahead.close()
