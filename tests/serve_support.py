"""What tests that run `callbacks serve` as a subprocess share: its environment, and
what the event store says became of each request."""

from __future__ import annotations

import json
import os
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
