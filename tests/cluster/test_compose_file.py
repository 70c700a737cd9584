"""docker-compose.yml and the Dockerfile describe the topology the loopback cluster test runs.

The cluster itself cannot run here (no Docker daemon); its file is checked for structure,
each NATS node's command line is checked by the real nats-server (`-t`), and `docker
compose config` runs too where the compose plugin is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from adapters.database import POSTGRES, Database
from adapters.messaging.nats_server import find_nats_server
from adapters.settings import Settings
from tests.cluster.nats_cluster import password_of

yaml = pytest.importorskip("yaml", reason="PyYAML reads docker-compose.yml (test extra `pyyaml`)")

ROOT = Path(__file__).resolve().parents[2]
PERMISSIONS = ROOT / "deploy" / "nats" / "permissions.conf"
NODES = ("nats-1", "nats-2", "nats-3")
REPLICAS = ("callbacks-1", "callbacks-2")


def defaults(value: str) -> str:
    """What compose makes of `${VAR:-default}` with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def test_declares_three_nats_nodes_postgres_and_two_service_replicas(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == {*NODES, "postgres", *REPLICAS}
    for name, service in compose["services"].items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name
    named = {
        v.split(":")[0]
        for s in compose["services"].values()
        for v in s.get("volumes", [])
        if not v.startswith((".", "/"))
    }
    assert named <= set(compose["volumes"])


def test_each_nats_node_is_a_clustered_jetstream_server_with_its_own_volume(
    compose: dict[str, Any],
) -> None:
    volumes = set()
    for name in NODES:
        node = compose["services"][name]
        args = node["command"]
        assert node["image"].startswith("nats:2")
        assert (
            f"--server_name={name}" in args
            and "--jetstream" in args
            and "--store_dir=/data" in args
        )
        assert "--cluster_name=callbacks" in args
        routes = next(a for a in args if a.startswith("--routes="))
        assert {f"nats://{n}:6222" for n in NODES} == set(routes.split("=", 1)[1].split(","))
        mounts = node["volumes"]
        assert "./deploy/nats/permissions.conf:/etc/nats/permissions.conf:ro" in mounts
        assert "--config=/etc/nats/permissions.conf" in args
        data = next(m for m in mounts if m.endswith(":/data"))
        volumes.add(data.split(":")[0])
    assert len(volumes) == 3


def test_each_nats_node_command_line_is_valid_for_nats_server(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    for name in NODES:
        args = [
            a.replace("/etc/nats/permissions.conf", str(PERMISSIONS)).replace(
                "=/data", f"={tmp_path / name}"
            )
            for a in compose["services"][name]["command"]
        ]
        checked = subprocess.run(
            [str(find_nats_server()), *args, "-t"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr + checked.stdout


def test_postgres_16_keeps_its_data_in_a_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_service_replicas_share_all_three_nodes_and_one_postgres(compose: dict[str, Any]) -> None:
    for name in REPLICAS:
        service = compose["services"][name]
        env = {k: defaults(str(v)) for k, v in service["environment"].items()}
        settings = Settings(
            nats_url=env["CALLBACKS_NATS_URL"],
            stream_replicas=env["CALLBACKS_STREAM_REPLICAS"],
            metrics_port=env["CALLBACKS_METRICS_PORT"],
            log_format=env["CALLBACKS_LOG_FORMAT"],
        )
        assert settings.nats_servers() == [f"nats://{n}:4222" for n in NODES]
        assert settings.nats_credentials() == {
            "user": "callbacks-service",
            "password": password_of(PERMISSIONS, "callbacks-service"),
        }
        assert settings.stream_replicas == 3
        assert env["CALLBACKS_METRICS_HOST"] == "0.0.0.0"  # the default is 127.0.0.1
        db = Database.parse(env["CALLBACKS_DATABASE_URL"])
        assert (db.kind, db.host, db.schema) == (POSTGRES, "postgres", "callbacks")
        # Each replica checks itself (its metrics port's /health), not whichever replica
        # answers NATS.
        assert service["healthcheck"]["test"][:4] == ["CMD", "callbacks", "health", "--process"]
        waits_for = service["depends_on"]
        assert all(waits_for[n]["condition"] == "service_healthy" for n in (*NODES, "postgres"))
        assert service["build"] == "."
    ports = [compose["services"][n]["ports"][0] for n in REPLICAS]
    assert len(set(ports)) == 2, "each replica's metrics on a port of its own"


def test_dockerfile_runs_serve_as_a_non_root_user_with_a_readiness_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert re.search(
        r'^HEALTHCHECK .*\n?.*CMD \["callbacks", "health", "--process"', dockerfile, re.MULTILINE
    )
    assert 'ENTRYPOINT ["callbacks"]' in dockerfile and 'CMD ["serve"]' in dockerfile


def test_docker_compose_accepts_the_file_where_its_plugin_is_installed() -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip(
            "no `docker compose` plugin on this machine; the structural checks above stand in"
        )
    checked = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
