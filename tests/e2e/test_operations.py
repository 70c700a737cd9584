"""Operations: the readiness check, Prometheus metrics and JSON logs of a real `callbacks serve`."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from tests.serve_support import serve_on_a_taken_port

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> tuple[str, dict[str, float]]:
    """The content type and every sample of /metrics (`name{labels}` → value)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        kind, text = response.headers["Content-Type"], response.read().decode()
    assert not well_formed(text), well_formed(text)
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return kind, samples


SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
    r"(-?[0-9.e+-]+|\+Inf|-Inf|NaN)$"
)


def well_formed(text: str) -> list[str]:
    """Lines that break the text exposition format: samples, and HELP/TYPE before each family."""
    bad, typed = [], set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
        elif (
            line
            and not line.startswith("# HELP ")
            and (
                not SAMPLE.match(line)
                or re.sub(r"(_bucket|_sum|_count)$", "", line.split("{")[0].split()[0]) not in typed
            )
        ):
            bad.append(line)
    return bad


def request(n: int) -> dict[str, Any]:
    return {"request_id": f"ops-{n}", "phone": f"+82 10-5555-{n:04d}", "route": "ops"}


def health(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "adapters.entrypoints.cli",
            "health",
            "--timeout",
            "3",
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def metrics_port() -> int:
    return free_port()


@pytest.fixture
def service(launch: Callable[..., ServiceProcess], metrics_port: int) -> ServiceProcess:
    return launch(
        CALLBACKS_METRICS_PORT=str(metrics_port),
        CALLBACKS_LOG_FORMAT="json",
        CALLBACKS_LOG_LEVEL="debug",
    )


async def test_metrics_count_requests_errors_commands_and_batches(
    service: ServiceProcess, client: Client_, metrics_port: int
) -> None:
    for n in range(3):
        await client.ok("intake.request", request(n))
    refused = await client.ask("intake.request", {"phone": "+82 10-5555-0000"})
    kind, before = await asyncio.to_thread(scrape, metrics_port)
    await client.ok("intake.request", request(3))
    await client.ask("agent.kim.dial", {"callback_id": "not-a-uuid"})
    _, after = await asyncio.to_thread(scrape, metrics_port)

    assert kind.startswith("text/plain; version=0.0.4")
    assert not refused["ok"]
    assert before['callbacks_requests_total{subject="intake.request"}'] == 4
    assert (
        before['callbacks_request_errors_total{code="invalid_request",subject="intake.request"}']
        == 1
    )
    assert before['callbacks_commands_total{command="RequestCallback"}'] == 3
    assert before["callbacks_batch_size_count"] >= 1
    assert before["callbacks_batch_size_sum"] == 3
    assert after['callbacks_requests_total{subject="intake.request"}'] == 5
    # kim is no agent of the directory: refused by who calls, before the payload is read
    assert after['callbacks_request_errors_total{code="forbidden",subject="agent.dial"}'] == 1
    assert after['callbacks_request_seconds_count{subject="intake.request"}'] == 5
    assert after["callbacks_singletons_held"] == 1
    assert after["callbacks_log_position"] >= 3
    assert "callbacks_projection_lag_events" in after and "callbacks_relay_lag_events" in after


async def test_lags_return_to_zero_once_the_followers_caught_up(
    service: ServiceProcess, client: Client_, metrics_port: int
) -> None:
    position = (await client.ok("intake.request", request(7)))["log_position"]
    await client.ok("query.health", {"min_position": position})

    async def settled() -> dict[str, float]:
        for _ in range(100):
            _, samples = await asyncio.to_thread(scrape, metrics_port)
            if (
                samples["callbacks_projection_lag_events"]
                == samples["callbacks_relay_lag_events"]
                == 0
            ):
                return samples
            await asyncio.sleep(0.05)
        pytest.fail(f"lags did not reach 0: {samples}")

    samples = await settled()

    assert samples["callbacks_projection_position"] == samples["callbacks_log_position"] >= position
    assert samples["callbacks_relay_position"] == samples["callbacks_log_position"]


async def test_json_logs_carry_the_request_id_as_correlation_id(
    service: ServiceProcess, client: Client_
) -> None:
    await client.ok("intake.request", request(20), Callbacks_Request_Id="trace-abc-123")
    await client.ok("intake.request", request(21))
    await client.ask("intake.request", {"request_id": "ops-bad", "phone": "12"})
    await asyncio.sleep(0.3)  # the log lines reach the pump thread

    entries = [json.loads(line) for line in service.lines if line.startswith("{")]
    answered = {
        e.get("correlation_id"): e for e in entries if e["logger"] == "adapters.messaging.routes"
    }

    assert answered["trace-abc-123"]["code"] == "ok"
    assert answered["ops-21"]["subject"].endswith(".intake.request")
    assert answered["ops-bad"]["code"] == "invalid_request"
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)


async def test_health_command_exits_0_while_the_service_answers_and_1_when_it_is_gone(
    service: ServiceProcess,
) -> None:
    ready = await asyncio.to_thread(health, service.env)
    service.stop()
    gone = await asyncio.to_thread(health, service.env)

    assert ready.returncode == 0, ready.stderr
    assert json.loads(ready.stdout)["status"] == "ok"
    assert gone.returncode == 1
    assert "query.health" in gone.stderr


async def test_this_process_health_on_the_metrics_port_and_its_command(
    service: ServiceProcess,
    metrics_port: int,
) -> None:
    def get() -> tuple[int, dict[str, Any]]:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{metrics_port}/health", timeout=5
        ) as response:
            return response.status, json.loads(response.read())

    status, body = await asyncio.to_thread(get)
    ready = await asyncio.to_thread(health, service.env, "--process")
    service.stop()
    gone = await asyncio.to_thread(health, service.env, "--process")

    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"accepting": "ok", "event_loop": "ok", "nats": "ok", "database": "ok"},
    }
    assert ready.returncode == 0, ready.stderr
    assert json.loads(ready.stdout)["status"] == "ok"
    assert gone.returncode == 1
    assert f"127.0.0.1:{metrics_port}/health" in gone.stderr


async def test_the_service_answers_the_nats_services_api_with_the_tables_endpoints(
    service: ServiceProcess, client: Client_
) -> None:
    from adapters.messaging.services_api import endpoint_name, service_name
    from adapters.messaging.table import ANSWERED

    name = service_name(client.prefix)
    await client.ok("intake.request", request(30))

    async def ask(verb: str) -> dict[str, Any]:
        reply = await client.nc.request(f"$SRV.{verb}.{name}", b"", timeout=5)
        return json.loads(reply.data)  # type: ignore[no-any-return]

    ping, info, stats = await ask("PING"), await ask("INFO"), await ask("STATS")

    assert ping["type"] == "io.nats.micro.v1.ping_response"
    assert ping["name"] == name and ping["metadata"] == {"prefix": client.prefix}
    assert {e["name"]: e["subject"] for e in info["endpoints"]} == {
        endpoint_name(s): f"{client.prefix}.{s.wildcard()}" for s in ANSWERED
    }
    counted = {e["name"]: e["num_requests"] for e in stats["endpoints"]}
    assert counted["intake_request"] >= 1
    assert info["id"] == ping["id"] == stats["id"]


async def test_with_json_logs_every_line_the_service_writes_is_json(
    service: ServiceProcess, client: Client_
) -> None:
    await client.ok("intake.request", request(40))
    service.stop()

    not_json = []
    for line in service.lines:
        try:
            json.loads(line)
        except ValueError:
            not_json.append(line)
    banner = [json.loads(line)["message"] for line in service.lines if "callbacks serve:" in line]

    assert not not_json, not_json
    assert any("ready;" in m for m in banner) and any("stopped" in m for m in banner)


def test_a_metrics_port_in_use_is_one_line_naming_the_setting_and_exit_2(
    service_env: dict[str, str],
) -> None:
    port, code, lines, stderr = serve_on_a_taken_port(service_env, "CALLBACKS_METRICS_PORT")
    assert code == 2, lines
    assert len(lines) == 1 and "CALLBACKS_METRICS_PORT" in lines[0] and str(port) in lines[0]
    assert "Traceback" not in stderr
