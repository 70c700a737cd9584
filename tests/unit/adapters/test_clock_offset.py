"""CALLBACKS_CLOCK_OFFSET_SECONDS: the service's clock off the host's, for tests only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.entrypoints.mistakes import OperatorError
from adapters.messaging.context import shifted_clock, utc_now
from adapters.settings import Settings


def test_no_offset_is_the_hosts_clock_itself() -> None:
    assert Settings.load().clock_offset_seconds == 0
    assert shifted_clock(0) is utc_now


def test_an_offset_runs_the_clock_ahead_by_it() -> None:
    clock = shifted_clock(1800)
    ahead = clock() - datetime.now(UTC)
    assert timedelta(seconds=1799) < ahead < timedelta(seconds=1801)


@pytest.mark.parametrize("seconds", [3 * 86400, -3 * 86400])
def test_more_than_two_days_either_way_is_refused(seconds: int) -> None:
    with pytest.raises(OperatorError):
        Settings.load(clock_offset_seconds=seconds)
