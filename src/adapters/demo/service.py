"""The service a demo drives: `callbacks serve` itself, in a child process, on a
temporary data directory (its SQLite store and, unless told a NATS, its embedded NATS
server on a free port)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from adapters.entrypoints.mistakes import OperatorError

if TYPE_CHECKING:
    from pathlib import Path

LISTENING = re.compile(r"listening on (nats://[^\s,]+)")


class ChildService:
    """`python -m adapters.entrypoints.cli serve` with the demo's settings; its own
    lines are kept (and shown if it fails to start)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        nats_url: str | None = None,
        prefix: str = "callbacks",
        settings: dict[str, str] | None = None,
    ) -> None:
        self.args = [sys.executable, "-m", "adapters.entrypoints.cli", "serve"]
        self.args += ["--data-dir", str(data_dir), "--prefix", prefix]
        self.args += ["--database-url", database_url or f"sqlite:///{data_dir / 'events.sqlite'}"]
        self.args += ["--nats-url", nats_url] if nats_url else ["--embedded-nats-port", "0"]
        # The deployment's own settings are not the demo's: none of them reach the child.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBACKS_")}
        # No HTTP: the demo speaks NATS, and a `callbacks serve` may hold port 8080 already.
        self.env.update(
            {"CALLBACKS_LOG_LEVEL": "WARNING", "CALLBACKS_HTTP_PORT": "0", **(settings or {})}
        )
        self.lines: list[str] = []
        self.url: str | None = None
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60.0) -> str:
        """Starts it and waits until it answers; returns the NATS URL it listens on."""
        self.proc = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())
                if (m := LISTENING.search(line)) is not None:
                    self.url = m.group(1)
                if "ready;" in line:
                    ready.set()
            ready.set()  # it ended: start() says so

        threading.Thread(target=pump, daemon=True, name="demo-service-output").start()
        if not ready.wait(timeout) or self.proc.poll() is not None or self.url is None:
            self.stop()
            tail = " / ".join(self.lines[-3:]) or "no output"
            raise OperatorError(
                "demo", f"the service did not start ({tail})", "run `callbacks serve` to see why"
            )
        return self.url

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, as an operator stops it; its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode
