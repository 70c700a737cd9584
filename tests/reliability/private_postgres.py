"""A PostgreSQL cluster of the test's own (initdb + pg_ctl), so it can be stopped mid-load.

The machine's PostgreSQL is shared by every test and agent: it is never restarted. This
cluster lives in a temporary directory, listens on 127.0.0.1 on a free port (its Unix
socket in its own directory), and is run as the `postgres` OS user when the tests run as
root (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PrivatePostgres:
    """initdb once, then start / stop (immediate: like a crash) as often as needed."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            msg = "no initdb found (/usr/lib/postgresql/*/bin or PATH)"
            raise RuntimeError(msg)
        self.bin = bin_dir
        self.run_as: list[str] = []
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as `postgres`
            runuser = shutil.which("runuser")
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                self.owner = None
            if runuser is None or self.owner is None:
                msg = "running as root and no `postgres` OS user / runuser to run initdb as"
                raise RuntimeError(msg)
            self.run_as = [runuser, "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="callbacks-pg-"))
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "root" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            msg = (
                f"{' '.join(args[:2])} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}\n{self.log_tail()}"
            )
            raise RuntimeError(msg)

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(
                (self.root / "postgres.log").read_text(errors="replace").splitlines()[-20:]
            )
        return ""

    def init(self) -> PrivatePostgres:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        return self

    def start(self, timeout: float = 30) -> None:
        # fsync=off is safe here: the stops are the server's, never the machine's, so what was
        # written to the kernel survives. synchronous_commit stays ON: with it off, a commit is
        # acknowledged (and visible) before its WAL is written, and an immediate stop loses it;
        # tried, and this suite caught it (acknowledged callbacks missing after the restart).
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            options,
            "start",
            timeout=timeout + 5,
        )
        deadline = time.monotonic() + timeout
        while True:  # -w waits for the postmaster; make sure it takes connections
            try:
                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                    connect_timeout=2,
                ):
                    return
            except psycopg.Error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, mode: str = "immediate", timeout: float = 30) -> None:
        """`immediate` drops every connection at once, like a crash (WAL recovery on start)."""
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            mode,
            "-w",
            "-t",
            str(int(timeout)),
            "stop",
            timeout=timeout + 5,
        )

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate", timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
