"""`callbacks serve` when NATS or PostgreSQL cannot be reached: one line naming where and
why, then one line per retry with a growing backoff, never a traceback; and a SIGTERM or
SIGINT stops it within 2 s whatever it is waiting for."""

from __future__ import annotations

import itertools
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.serve_support import service_environment

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e]
STOP_WITHIN = 2.0


def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Console:
    """A `callbacks serve` whose lines are kept with the time each arrived."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.entrypoints.cli", "serve"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic() - self.started, line.rstrip()))

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_for(self, words: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(words in line for _, line in self.lines):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                pytest.fail(f"no line with {words!r}:\n{self.text()}")
            time.sleep(0.05)

    def seconds_to_stop(self, signum: int) -> float:
        sent = time.monotonic()
        self.proc.send_signal(signum)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            pytest.fail(f"still running 10 s after {signum!r}:\n{self.text()}")
        return time.monotonic() - sent

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def console(tmp_path: Path) -> Callable[..., Console]:
    started: list[Console] = []

    def start(**settings: str) -> Console:
        env = service_environment(
            data_dir=str(tmp_path / "data"), prefix=f"u{uuid.uuid4().hex[:10]}", **settings
        )
        started.append(Console(env, tmp_path))
        return started[-1]

    yield start  # type: ignore[misc]
    for process in started:
        process.kill()
        print(f"--- callbacks serve ---\n{process.text()}")


def check_outage_lines(process: Console, what: str, where: str, cause: str) -> None:
    """The first line names the dependency, where (no password) and why; retries are one
    line each, further and further apart; no traceback."""
    text = process.text()
    assert "Traceback" not in text, text
    assert "secret" not in text, text
    outage = [(at, line) for at, line in process.lines if f"reach {what} at {where}" in line]
    assert outage, text
    assert f"cannot reach {what} at {where}" in outage[0][1], text
    assert cause in outage[0][1], text
    # 1, 2, 4 … s apart: over 8 s about 4 lines, not one a second
    assert 2 <= len(outage) <= 5, text
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(outage)]
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_unreachable_nats_says_so_once_per_retry_and_a_signal_stops_it(
    console: Callable[..., Console], tmp_path: Path, signum: int
) -> None:
    port = free_port()
    process = console(
        nats_url=f"nats://operator:secret@127.0.0.1:{port}",
        database_url=f"sqlite:///{tmp_path / 'events.sqlite'}",
    )
    process.wait_for("cannot reach NATS")
    if signum == signal.SIGTERM:  # the lines do not depend on the signal: watched once
        time.sleep(8)
        check_outage_lines(
            process, "NATS", f"nats://127.0.0.1:{port} (as operator)", ": connection refused"
        )
    assert process.seconds_to_stop(signum) < STOP_WITHIN, process.text()


@pytest.mark.postgres
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_unreachable_postgres_says_so_once_per_retry_and_a_signal_stops_it(
    console: Callable[..., Console], nats_server: EmbeddedNatsServer, signum: int
) -> None:
    port = free_port()
    process = console(
        nats_url=nats_server.url,
        database_url=f"postgresql://root:secret@127.0.0.1:{port}/test",
    )
    process.wait_for("cannot reach PostgreSQL")
    if signum == signal.SIGTERM:  # the lines do not depend on the signal: watched once
        time.sleep(8)
        where = f"postgresql://root@127.0.0.1:{port}/test"
        check_outage_lines(process, "PostgreSQL", where, "Connection refused")
    assert process.seconds_to_stop(signum) < STOP_WITHIN, process.text()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_nats_lost_while_running_one_line_per_retry_and_a_signal_stops_it(
    console: Callable[..., Console],
    start_nats: Callable[..., EmbeddedNatsServer],
    tmp_path: Path,
    signum: int,
) -> None:
    server = start_nats()
    process = console(nats_url=server.url, database_url=f"sqlite:///{tmp_path / 'events.sqlite'}")
    process.wait_for("ready;")
    server.stop()
    process.wait_for("lost the connection to NATS")
    if signum == signal.SIGTERM:  # the lines do not depend on the signal: watched once
        time.sleep(6)
        retries = [line for _, line in process.lines if "reach NATS at" in line]
        assert 1 <= len(retries) <= 5, process.text()
    text = process.text()
    assert "Traceback" not in text, text
    assert process.seconds_to_stop(signum) < STOP_WITHIN, text
