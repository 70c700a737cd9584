"""Commands find the embedded NATS wherever it listens (issue 10, defect 4: after the
embedded server fell back to another port, `callbacks health` still asked 4222)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import pytest

from adapters.messaging.nats_server import URL_FILE, EmbeddedNatsServer
from adapters.settings import Settings
from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e


def test_a_fallen_back_server_is_found_through_the_data_directory(
    nats_server: EmbeddedNatsServer, tmp_path: Path
) -> None:
    taken = nats_server.port  # the port asked for is taken by another server
    settings = Settings.load(data_dir=tmp_path, embedded_nats_port=taken)
    embedded = EmbeddedNatsServer(settings.embedded_nats_dir(), port=taken, port_fallback=True)
    embedded.start()
    try:
        assert embedded.fell_back and embedded.port != taken
        assert settings.service_servers() == [embedded.url]
        assert Settings.load(
            data_dir=tmp_path, nats_url="nats://10.0.0.1:4222"
        ).service_servers() == ["nats://10.0.0.1:4222"]  # a URL given wins
    finally:
        embedded.stop()
    assert not (settings.embedded_nats_dir() / URL_FILE).exists()  # removed on a clean stop
    assert settings.service_servers() == [f"nats://127.0.0.1:{taken}"]


def test_a_stale_url_file_is_ignored(tmp_path: Path) -> None:
    settings = Settings.load(data_dir=tmp_path, embedded_nats_port=4999)
    settings.embedded_nats_dir().mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    record = {"url": "nats://127.0.0.1:4998", "pid": int(gone.stdout)}
    (settings.embedded_nats_dir() / URL_FILE).write_text(json.dumps(record))
    assert settings.service_servers() == ["nats://127.0.0.1:4999"]
    record["pid"] = os.getpid()  # a live process, but nothing listens there
    (settings.embedded_nats_dir() / URL_FILE).write_text(json.dumps(record))
    assert settings.service_servers() == ["nats://127.0.0.1:4999"]


def test_health_finds_the_embedded_server_serve_started_on_another_port(tmp_path: Path) -> None:
    prefix = f"u{uuid.uuid4().hex[:10]}"
    data = tmp_path / "data"
    env = service_environment(
        database_url=f"sqlite:///{tmp_path / 'events.sqlite'}",
        data_dir=str(data),
        prefix=prefix,
        embedded_nats_port="0",  # any free port: not 4222
    )
    service = ServiceProcess(env, tmp_path).start()
    try:
        assert service.url is not None and not service.url.endswith(":4222")  # serve prints it
        asking = service_environment(prefix=prefix)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "adapters.entrypoints.cli",
                "health",
                "--data-dir",
                str(data),
                "--timeout",
                "5",
            ],
            env=asking,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "ok"
    finally:
        assert service.stop() == 0
    assert not (data / "nats" / URL_FILE).exists()
