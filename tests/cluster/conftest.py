"""The loopback cluster: its fixtures, and its figures in pytest's terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.cluster.nats_cluster import NatsCluster
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from collections.abc import Iterator

PERMISSIONS = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "permissions.conf"
_FIGURES: list[dict[str, Any]] = []


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "nats", PERMISSIONS).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster_figures() -> list[dict[str, Any]]:
    """A test appends its figures here; they are printed after the run."""
    return _FIGURES


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    return service_environment(auth="off")  # about the cluster: callers named by headers


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("loopback cluster: 3 NATS nodes, 2 services, one of each killed")
    for figures in _FIGURES:
        terminalreporter.write_line("  ".join(f"{k}={v}" for k, v in figures.items()))
