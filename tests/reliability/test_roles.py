"""The service split over two processes (CALLBACKS_ROLE): one answers the commands, the
other follows the log (views, relay, notifications, scheduler). Under load, with the
followers' process killed and started again, nothing acknowledged is lost or doubled,
and the views equal their rebuild."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import nats.errors
import pytest

from tests.reliability.conftest import TIMEZONE, service_env
from tests.reliability.harness import verify
from tests.reliability.test_faults import loaded

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer
    from tests.e2e.conftest import ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.anyio, pytest.mark.slow]


@pytest.mark.timeout(120)
async def test_commands_and_followers_in_two_processes_lose_and_double_nothing(
    services: Callable[..., ServiceProcess],
    nats_server: EmbeddedNatsServer,
    fresh_postgres_url: str,
    prefix: str,
    tmp_path: Path,
) -> None:
    base = service_env(fresh_postgres_url, nats_server.url, prefix, tmp_path / "data")
    followers_env = {**base, "CALLBACKS_ROLE": "followers", "CALLBACKS_HTTP_PORT": "0"}
    followers = services(followers_env)
    assert "role followers" in followers.output()

    # The followers' process answers no request: nobody listens yet.
    probe = await nats.connect(nats_server.url)
    with pytest.raises(nats.errors.NoRespondersError):
        await probe.request(f"{prefix}.query.health", b"{}", timeout=2)
    await probe.close()

    commands = services({**base, "CALLBACKS_ROLE": "commands"})
    nc, load = await loaded(nats_server.url, prefix, "roles", seed=7)
    await asyncio.sleep(2.0)
    followers.kill()  # SIGKILL: the views and the relay stop; the commands go on
    killed_at = time.monotonic()
    await asyncio.sleep(1.0)
    followers = await asyncio.to_thread(services, followers_env)
    back_after = time.monotonic() - killed_at
    await asyncio.sleep(2.0)
    await load.stop()

    assert not any("lease acquired" in line for line in commands.lines), (
        "the commands' process must never follow the log"
    )
    assert any("lease acquired" in line for line in followers.lines)

    def stop_both() -> None:
        commands.stop()
        followers.stop()

    await verify(
        "two processes (commands, followers), followers killed",
        nc=nc,
        prefix=prefix,
        database_url=fresh_postgres_url,
        timezone=TIMEZONE,
        load=load,
        recover=f"followers started again {back_after:.2f}s after the kill",
        stop_services=stop_both,
    )
    await nc.close()
