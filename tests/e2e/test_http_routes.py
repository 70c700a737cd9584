"""The `/api` routes of a running `callbacks serve` are the subject table's, described by
its OpenAPI document; `/healthz`, `/metrics`, and a taken HTTP port."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from adapters.web.openapi import document
from tests.e2e.http_parity import both, served
from tests.serve_support import serve_on_a_taken_port, service_environment

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.http_parity import Both

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
__all__ = ["both", "served"]  # the fixtures this module's tests take


async def test_every_subject_of_the_table_has_its_route_and_the_openapi_says_so(
    both: Both,
) -> None:
    from adapters.messaging.table import SUBJECTS

    served = (await both.http.get("/api/openapi.json")).json()
    assert served == json.loads(json.dumps(document(served["info"]["version"], both.prefix)))
    table = {"/api/" + s.pattern.replace(".", "/") for s in SUBJECTS}
    assert set(served["paths"]) == table  # and no route that is no subject of the table
    for path in sorted(table):
        concrete = path.replace("{agent_id}", "kim")
        reply = await both.http.post(concrete, content=b"{not json")
        assert "no subject answers" not in reply.text, path
        # A request subject answers with its envelope; intake.submit with the stream's ack.
        answered = reply.json()
        assert answered.get("ok") is False or set(answered) == {"stream", "seq"}, (path, answered)


async def test_healthz_and_metrics(both: Both) -> None:
    health = await both.http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    assert set(health.json()["checks"]) == {"accepting", "event_loop", "nats", "database"}
    await both.post("query.health", b"{}", {})
    metrics = await both.http.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    served = [
        line
        for line in metrics.text.splitlines()
        if line.startswith('callbacks_requests_total{subject="query.health"}')
    ]
    assert served and float(served[0].split()[-1]) >= 1, metrics.text[:2000]


def test_a_taken_http_port_is_one_line_naming_the_setting_and_exit_2(tmp_path: Path) -> None:
    env = service_environment(data_dir=str(tmp_path / "data"), embedded_nats_port="0")
    port, code, lines, stderr = serve_on_a_taken_port(env, "CALLBACKS_HTTP_PORT", tmp_path)
    assert code == 2, lines
    assert len(lines) == 1 and "CALLBACKS_HTTP_PORT" in lines[0] and str(port) in lines[0]
    assert "0 turns HTTP off" in lines[0] and "Traceback" not in stderr
