"""Reserved SMS across a kill -9 (DOMAIN.md "SMS and MMS", the issue's acceptance test):
sent once, on time (within 2 s of the reserved moment), never twice; with one service
killed and restarted, and with two services where the one holding the lease is killed.

A reservation is at least 30 minutes ahead, so the test lets 30 minutes pass the honest
way a test can: a service with the host's clock accepts the reservations and stops; the
services that hand them over run with `CALLBACKS_CLOCK_OFFSET_SECONDS=1800` (their clock
30 minutes ahead, docs/deploy.md), so a message reserved 30 minutes and a few seconds
ahead is due a few seconds later. Lateness is the recorder's time of the hand-over (the
host's) plus the offset, minus the reserved moment."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e import callers as who
from tests.e2e.test_sms_sending import ready, send, states, with_recorder

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

AHEAD = 1800.0  # the services that hand over live 30 minutes "later"
ON_TIME = 2.0  # seconds after the reserved moment a message may leave
HOLDER = "singletons: lease acquired"


def calls(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x]


async def reserve(client: Client_, start: float, seconds: list[float]) -> dict[str, datetime]:
    """One message per entry, each reserved 30 minutes + `seconds` after `start` (host time)."""
    reserved = {}
    for n, s in enumerate(seconds):
        at = datetime.fromtimestamp(start + AHEAD + s, UTC).replace(microsecond=0)
        body = send(recipients=f"0101234{n:04d}", reserve_at=at.isoformat())
        sent = await who.supervisor(client).ok("admin.sms.send", body)
        (message,) = sent["messages"]
        assert message["state"] == "RESERVED"
        reserved[message["message_id"]] = at
    return reserved


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def handed_over_once_on_time(
    client: Client_, tmp_path: Path, reserved: dict[str, datetime]
) -> list[dict[str, Any]]:
    """Waits for every message to be SENT; checks each was sent once and on time."""
    last = max(reserved.values()).timestamp() - AHEAD
    while {x["message_id"] for x in calls(tmp_path) if x["kind"] == "sent"} != set(reserved):
        assert time.time() < last + 20, calls(tmp_path)
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # more rounds of the dispatcher: nothing handed over again
    lines = calls(tmp_path)
    sent = [x for x in lines if x["kind"] == "sent"]
    assert sorted(x["message_id"] for x in sent) == sorted(reserved)  # never twice
    for line in sent:
        late = line["at"] + AHEAD - reserved[line["message_id"]].timestamp()
        assert 0 <= late <= ON_TIME, (line["message_id"], late)
    found = await states(client)
    assert {found[i]["state"] for i in reserved} == {"SENT"}
    return sent


def later(tmp_path: Path) -> dict[str, str]:
    return with_recorder(tmp_path) | {"CALLBACKS_CLOCK_OFFSET_SECONDS": str(AHEAD)}


def wait_for_holder(processes: list[ServiceProcess], timeout: float = 15.0) -> ServiceProcess:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = [p for p in processes if HOLDER in p.output()]
        if holders:
            assert len(holders) == 1, "two processes hold the lease"
            return holders[0]
        time.sleep(0.05)
    pytest.fail("no process took the lease")


async def test_a_reserved_message_survives_a_kill_and_a_restart(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    accepting = launch(**with_recorder(tmp_path))
    await ready(client)
    start = time.time()
    reserved = await reserve(client, start, [25.0, 26.0])
    accepting.stop()  # its exit code is not this test's subject (once -11: SIGSEGV)
    due = min(reserved.values()).timestamp() - AHEAD  # host time

    first = launch(**later(tmp_path))
    assert "clock runs +1800 s off" in first.output()
    wait_for_holder([first])
    await sleep_until(due - 10)
    assert calls(tmp_path) == []  # not early
    first.kill()  # SIGKILL shortly before the reserved moment
    launch(**later(tmp_path))

    sent = await handed_over_once_on_time(client, tmp_path, reserved)
    assert {x["pid"] for x in sent} != {first.proc.pid if first.proc else None}
    assert [x["kind"] for x in calls(tmp_path)] == ["call", "sent"] * 2


async def test_with_two_services_the_survivor_sends_on_time_once(
    launch: Callable[..., ServiceProcess], client: Client_, tmp_path: Path
) -> None:
    accepting = launch(**with_recorder(tmp_path))
    await ready(client)
    start = time.time()
    # One due before the kill (the holder sends it), two at and after it (the survivor).
    reserved = await reserve(client, start, [27.0, 30.0, 31.0, 33.0])
    accepting.stop()  # its exit code is not this test's subject (once -11: SIGSEGV)
    kill_at = min(reserved.values()).timestamp() - AHEAD + 1.5

    both = [launch(**later(tmp_path)), launch(**later(tmp_path))]
    holder = wait_for_holder(both)
    survivor = next(p for p in both if p is not holder)
    await sleep_until(kill_at)
    holder.kill()  # SIGKILL of the process holding the singleton lease
    wait_for_holder([survivor], timeout=5.0)

    sent = await handed_over_once_on_time(client, tmp_path, reserved)
    pids = [x["pid"] for x in sent]
    assert holder.proc is not None and survivor.proc is not None
    assert pids[0] == holder.proc.pid
    assert set(pids[1:]) == {survivor.proc.pid}
