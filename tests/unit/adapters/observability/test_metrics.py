"""Metrics through prometheus_client: a label per subject of the table, process metrics,
the exporter's port mistakes as one operator line."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from adapters.entrypoints.mistakes import OperatorError
from adapters.messaging.table import ANSWERED
from adapters.observability.exporter import MetricsExporter
from adapters.observability.service_metrics import ServiceMetrics


def text(metrics: ServiceMetrics) -> str:
    return metrics.render().decode()


def test_every_subject_of_the_table_has_its_request_label_from_the_start() -> None:
    rendered = text(ServiceMetrics("0.1.0"))

    missing = [
        s.name
        for s in ANSWERED
        if f'callbacks_requests_total{{subject="{s.name}"}} 0.0' not in rendered
    ]
    assert not missing, f"no metric label for {missing}"


def test_a_reply_counts_by_subject_and_error_code() -> None:
    metrics = ServiceMetrics("0.1.0")

    metrics.reply("agent.dial", "invalid_request", 0.002)
    metrics.reply("agent.dial", None, 0.001)
    rendered = text(metrics)

    assert 'callbacks_requests_total{subject="agent.dial"} 2.0' in rendered
    assert (
        'callbacks_request_errors_total{code="invalid_request",subject="agent.dial"} 1.0'
        in rendered
    )
    assert 'callbacks_request_seconds_count{subject="agent.dial"} 2.0' in rendered


def test_process_and_runtime_metrics_come_with_it_and_no_created_series() -> None:
    rendered = text(ServiceMetrics("0.1.0"))

    assert "process_resident_memory_bytes" in rendered
    assert "python_info" in rendered
    assert 'callbacks_info{version="0.1.0"} 1.0' in rendered
    assert "_created" not in rendered


def test_a_value_that_cannot_be_read_is_left_out_of_the_scrape() -> None:
    metrics = ServiceMetrics("0.1.0")

    class Down:
        def __getattr__(self, name: str) -> object:
            raise ConnectionError("database down")

    def views() -> int:
        raise ConnectionError("database down")

    metrics.follow(
        head=lambda: 7, views=views, runner=Down(), relay=Down(), singletons=Down(), intake=Down()
    )
    rendered = text(metrics)

    assert "callbacks_log_position 7.0" in rendered
    assert "callbacks_projection_position" not in rendered


def test_a_metrics_port_in_use_is_one_operator_line_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(OperatorError) as mistake:
            MetricsExporter("127.0.0.1", port)

    assert mistake.value.setting == "CALLBACKS_METRICS_PORT"
    assert str(port) in mistake.value.problem
    assert "another port" in mistake.value.fix


def test_the_exporter_serves_the_registry() -> None:
    metrics = ServiceMetrics("0.1.0")
    exporter = MetricsExporter("127.0.0.1", 0).start(metrics.render)
    try:
        url = f"http://127.0.0.1:{exporter.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            kind, body = response.headers["Content-Type"], response.read().decode()
    finally:
        exporter.stop()

    assert kind.startswith("text/plain; version=0.0.4")
    assert "callbacks_requests_total" in body


def test_metrics_listen_on_loopback_unless_a_host_is_set_and_containers_set_it() -> None:
    from pathlib import Path

    from adapters.settings import Settings

    dockerfile = (Path(__file__).resolve().parents[4] / "Dockerfile").read_text(encoding="utf-8")

    assert Settings().metrics_host == "127.0.0.1"
    assert Settings(metrics_host="0.0.0.0").metrics_host == "0.0.0.0"
    assert "CALLBACKS_METRICS_HOST=0.0.0.0" in dockerfile
