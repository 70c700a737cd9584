"""Concurrent requests read their places in line together."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from adapters.views.places import PlaceLookups

NOW = datetime(2026, 11, 23, tzinfo=UTC)


class FakeContext:
    """Only what PlaceLookups uses: a read in a thread, a clock, and the queries."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[int] = []
        self.fail = fail
        self.queries = self

    def clock(self) -> datetime:
        return NOW

    def places_in_line(
        self, items: list[Any], now: datetime, *, from_the_back: bool = False
    ) -> list[tuple[int, int | None]]:
        assert from_the_back  # replies to requests count from the back of the line
        self.batches.append(len(items))
        if self.fail:
            raise RuntimeError("views down")
        return [(n + 1, None) for n in range(len(items))]

    async def read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.01)  # a read takes a moment: others arrive meanwhile
        return fn(*args, **kwargs)


def test_requests_of_one_moment_share_one_read_and_each_gets_its_own_answer() -> None:
    ctx = FakeContext()

    async def main() -> list[Any]:
        lookups = PlaceLookups(ctx)  # type: ignore[arg-type]
        answers = await asyncio.gather(
            *(lookups.places([("billing", NOW, uuid4())]) for _ in range(50))
        )
        return [one for (one,) in answers]

    answers = asyncio.run(main())
    assert sorted(a[0] for a in answers) == list(range(1, 51))
    assert ctx.batches == [50]


def test_a_failed_read_fails_every_waiter_and_the_next_one_reads_again() -> None:
    ctx = FakeContext(fail=True)

    async def main() -> None:
        lookups = PlaceLookups(ctx)  # type: ignore[arg-type]
        with pytest.raises(RuntimeError):
            await lookups.places([("billing", NOW, uuid4())])
        ctx.fail = False
        assert await lookups.places([("billing", NOW, uuid4())]) == [(1, None)]

    asyncio.run(main())
    assert ctx.batches == [1, 1]
