"""Fixtures of the fault scenarios: service processes, a private PostgreSQL, the summary."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import ServiceProcess
from tests.reliability.harness import SUMMARY
from tests.reliability.private_postgres import PrivatePostgres
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TIMEZONE = "Asia/Seoul"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def service_env(database_url: str, nats_url: str, prefix: str, data_dir: Path) -> dict[str, str]:
    return service_environment(
        database_url=database_url,
        nats_url=nats_url,
        prefix=prefix,
        data_dir=str(data_dir),
        timezone=TIMEZONE,
        auth="off",  # these tests are about outages: callers named by headers
    )


@pytest.fixture
def prefix() -> str:
    return f"rel{uuid.uuid4().hex[:8]}"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Starts `callbacks serve` processes; kills what is left afterwards and shows their output."""
    started: list[ServiceProcess] = []

    def start(env: dict[str, Any], timeout: float = 30) -> ServiceProcess:
        process = ServiceProcess(env, tmp_path)
        started.append(process)
        return process.start(timeout)

    yield start
    for process in started:
        process.kill()
    for n, process in enumerate(started):
        print(f"--- callbacks serve #{n} ---\n" + "\n".join(process.lines[-60:]))


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, started; skipped (failed on CI) if impossible."""
    try:
        cluster = PrivatePostgres().init()
        cluster.start()
    except Exception as e:
        reason = f"cannot run a private PostgreSQL cluster here: {e}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    yield cluster
    cluster.destroy()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("reliability scenarios")
        for line in SUMMARY:
            terminalreporter.write_line(line)
