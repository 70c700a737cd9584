"""`GET /metrics` (prometheus_client's exposition) and `GET /health` (this process's
readiness) on their own port, from a daemon thread (stdlib http.server).

The port is bound when the exporter is made, before anything else starts: a port in use
is an operator's mistake, said in one line."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from adapters.entrypoints.mistakes import listen_mistake
from adapters.observability.process_health import report

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.observability.process_health import HealthCheck

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes


class MetricsExporter:
    def __init__(self, host: str, port: int) -> None:
        self.render: Callable[[], bytes] | None = None
        self.health: HealthCheck | None = None
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics" and exporter.render is not None:
                    self._send(200, exporter.render(), CONTENT_TYPE)
                elif path == "/health" and exporter.health is not None:
                    self._send(*report(exporter.health), "application/json")
                else:
                    self.send_error(404, "only /metrics and /health here")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("metrics: " + format, *args)

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as e:
            raise listen_mistake("CALLBACKS_METRICS_PORT", host, port, e, what="metrics") from None
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="metrics", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(
        self, render: Callable[[], bytes], health: HealthCheck | None = None
    ) -> MetricsExporter:
        self.render, self.health = render, health
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
