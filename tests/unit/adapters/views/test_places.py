"""Concurrent requests read their places in line together; the wait says its basis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from adapters.views.places import (
    NOT_QUEUED,
    Place,
    PlaceLookups,
    estimate,
    in_open_time,
    places_now,
)
from callback_domain.calendar import Calendar
from callback_domain.values import Policies, Policy

NOW = datetime(2026, 11, 23, tzinfo=UTC)
POLICIES = Policies(default=Policy(), by_route={"vip": Policy(average_handle_seconds=120)})


class FakeContext:
    """Only what PlaceLookups uses: a read in a thread, a clock, the queries, the policies."""

    def __init__(self, fail: bool = False, recent: int | None = None, agents: int = 0) -> None:
        self.batches: list[int] = []
        self.fail, self.recent, self.agents = fail, recent, agents
        self.queries = self
        self.service = self
        self.policies = POLICIES

    def route_policies(self) -> Policies:
        return self.policies

    def route_book(self) -> None:  # no route registered: every route always open
        return None

    def clock(self) -> datetime:
        return NOW

    def places_in_line(
        self, items: list[Any], now: datetime, *, from_the_back: bool = False
    ) -> list[tuple[int, int | None]]:
        self.batches.append(len(items))
        self.from_the_back = from_the_back
        if self.fail:
            raise RuntimeError("views down")
        return [(n + 1, self.recent) for n in range(len(items))]

    def logged_in_agents(self) -> int:
        return self.agents

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
    assert sorted(a.position_in_queue for a in answers) == list(range(1, 51))
    assert ctx.batches == [50]
    assert ctx.from_the_back  # replies to requests count from the back of the line


def test_a_failed_read_fails_every_waiter_and_the_next_one_reads_again() -> None:
    ctx = FakeContext(fail=True)

    async def main() -> None:
        lookups = PlaceLookups(ctx)  # type: ignore[arg-type]
        with pytest.raises(RuntimeError):
            await lookups.places([("billing", NOW, uuid4())])
        ctx.fail = False
        assert await lookups.places([("billing", NOW, uuid4())]) == [Place(1, 300, "policy")]

    asyncio.run(main())
    assert ctx.batches == [1, 1]


def test_without_a_recent_rate_the_wait_comes_from_the_routes_policy() -> None:
    # No agent logged in counts as one: 5 minutes (the default) per callback up to this one.
    assert estimate(3, None, 300, 0) == Place(3, 900, "policy")
    assert estimate(3, None, 300, 4) == Place(3, 225, "policy")
    assert estimate(3, 540, 300, 4) == Place(3, 540, "recent_rate")
    ctx = FakeContext(agents=2)
    wanted = [("vip", NOW, uuid4()), ("billing", NOW, uuid4())]
    assert places_now(ctx, POLICIES, wanted, NOW) == [  # type: ignore[arg-type]
        Place(1, 60, "policy"),  # the route's own handle time: 2 minutes
        Place(2, 300, "policy"),
    ]


def test_a_wait_on_a_route_with_hours_counts_only_open_time() -> None:
    nine_to_six = Calendar.parse(timezone="UTC", weekly={"mon": [["09:00", "18:00"]]})
    monday_8 = datetime(2026, 1, 5, 8, tzinfo=UTC)
    place = Place(2, 600, "policy")
    assert in_open_time(place, nine_to_six, monday_8) == Place(2, 4200, "policy")
    assert in_open_time(place, None, monday_8) == place  # always open
    assert in_open_time(NOT_QUEUED, nine_to_six, monday_8) == NOT_QUEUED


def test_a_recent_rate_wins_over_the_policy() -> None:
    ctx = FakeContext(recent=42)
    assert places_now(ctx, POLICIES, [("billing", NOW, uuid4())], NOW) == [  # type: ignore[arg-type]
        Place(1, 42, "recent_rate")
    ]


def test_policies_recorded_before_the_handle_time_existed_still_read() -> None:
    old = {
        "window_seconds": 120,
        "duplicate_check": True,
        "duplicate_limit": 1,
        "max_attempts": 3,
        "expiry_days": 14,
        "horizon_days": 30,
    }
    assert Policy.from_dict(old).average_handle_seconds == 300
