"""`GET /metrics` and `GET /health` on their own port, from a daemon thread (stdlib
http.server)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from adapters.observability.registry import CONTENT_TYPE

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.observability.registry import Registry

    # (ready?, what each check found): this process's readiness (see ProcessHealth).
    HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]

log = logging.getLogger(__name__)


class MetricsExporter:
    def __init__(
        self, registry: Registry, host: str, port: int, health: HealthCheck | None = None
    ) -> None:
        self.registry = registry
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, CONTENT_TYPE, exporter.registry.render().encode())
                elif path == "/health" and health is not None:
                    ready, checks = health()
                    body = {"status": "ok" if ready else "unavailable", "checks": checks}
                    self._send(200 if ready else 503, "application/json", json.dumps(body).encode())
                else:
                    self.send_error(404, "only /metrics and /health here")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("metrics: " + format, *args)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="metrics", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> MetricsExporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
