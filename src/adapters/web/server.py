"""uvicorn serving the HTTP app inside the service's own event loop.

The port is bound when the server is made, before anything else starts: a port in use is
an operator's mistake, said in one line (like the metrics port)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

import uvicorn

from adapters.entrypoints.mistakes import listen_mistake

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.types import ASGIApp

GRACE = 5  # seconds open requests get to finish once the service stops


class _InLoop(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # `callbacks serve` handles SIGINT and SIGTERM: HTTP stops in its orderly stop


class HttpServer:
    def __init__(self, host: str, port: int, trusted_proxies: str = "127.0.0.1") -> None:
        self.host, self.trusted_proxies = host, trusted_proxies
        self.socket = _bind(host, port)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    async def start(self, app: ASGIApp) -> None:
        """Serves `app` from a task of the running loop; returns once it accepts."""
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,  # through the root logger's format, as every other line
            log_level="warning",
            access_log=False,
            server_header=False,
            proxy_headers=True,  # X-Forwarded-Proto from these proxies only: TLS in front
            forwarded_allow_ips=self.trusted_proxies,
            timeout_graceful_shutdown=GRACE,
        )
        server = self._server = _InLoop(config)
        self._task = asyncio.create_task(server.serve(sockets=[self.socket]), name="http")
        while not server.started:
            if self._task.done():
                self._task.result()  # it failed: say why
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Accepts no more; open requests finish (within GRACE)."""
        if self._server is None or self._task is None:
            self.socket.close()
            return
        self._server.should_exit = True
        await self._task


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise listen_mistake("CALLBACKS_HTTP_PORT", host, port, e, what="HTTP") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart's TIME_WAIT
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise listen_mistake("CALLBACKS_HTTP_PORT", host, port, e, what="HTTP") from None
    sock.set_inheritable(True)
    return sock
