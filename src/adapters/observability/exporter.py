"""`GET /metrics` (prometheus_client's exposition) and `GET /health` (this process's
readiness) on their own port, from a daemon thread (stdlib http.server).

The port is bound when the exporter is made, before anything else starts: a port in use
is an operator's mistake, said in one line."""

from __future__ import annotations

import errno
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from adapters.entrypoints.mistakes import OperatorError

if TYPE_CHECKING:
    from collections.abc import Callable

    # (ready?, what each check found): this process's readiness (see ProcessHealth).
    HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]

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
                    self._send(200, CONTENT_TYPE, exporter.render())
                elif path == "/health" and exporter.health is not None:
                    ready, checks = exporter.health()
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

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as e:
            raise _mistake(host, port, e) from None
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


def _mistake(host: str, port: int, error: OSError) -> OperatorError:
    if error.errno == errno.EADDRINUSE:
        return OperatorError(
            "CALLBACKS_METRICS_PORT",
            f"port {port} on {host} is in use (another callbacks serve?)",
            "stop what listens there, or pick another port (0 turns metrics off)",
        )
    return OperatorError(
        "CALLBACKS_METRICS_HOST",
        f"cannot listen on {host}:{port} ({error.strerror or error})",
        "set an address of this host, e.g. 127.0.0.1, or 0.0.0.0 for every interface",
    )
