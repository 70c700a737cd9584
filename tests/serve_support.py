"""What tests that run `callbacks serve` as a subprocess share: its environment, and
what the event store says became of each request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from adapters.bootstrap import build_service
from adapters.settings import Settings

SRC = str(Path(__file__).resolve().parents[1] / "src")


def service_environment(**settings: str) -> dict[str, str]:
    """This process's environment without its CALLBACKS_* settings, with `src` on the path
    and `settings` as CALLBACKS_* (`database_url=…` → CALLBACKS_DATABASE_URL). HTTP is off
    unless `http_port` is given: its default, 8080, is one fixed port for every test."""
    settings = {"http_port": "0", **settings}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBACKS_")}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.update({f"CALLBACKS_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def serve_on_a_taken_port(
    env: dict[str, str], setting: str, cwd: Path | None = None
) -> tuple[int, int, list[str], str]:
    """`callbacks serve` with `setting` naming a port another socket holds: the port, the
    exit code, the lines it wrote (standard output and error) and its standard error."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run(
            [sys.executable, "-m", "adapters.entrypoints.cli", "serve"],
            env={**env, setting: str(port)},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    lines = (ran.stdout + ran.stderr).strip().splitlines()
    return port, ran.returncode, lines, ran.stderr


def callbacks_by_request(database_url: str) -> dict[str, list[str]]:
    """Each request id's callbacks (their ids), read from the event store itself."""
    service = build_service(Settings.load(database_url=database_url))
    try:
        found: dict[str, list[str]] = {}
        for n in service.recorder.select_notifications(
            1, 10_000_000, topics=["callbacks:Callback.Requested"]
        ):
            found.setdefault(json.loads(n.state)["request_id"], []).append(str(n.originator_id))
        return found
    finally:
        service.close()


def callback_counts_by_request(database_url: str) -> dict[str, int]:
    """How many callbacks each request id became."""
    return {request_id: len(ids) for request_id, ids in callbacks_by_request(database_url).items()}
