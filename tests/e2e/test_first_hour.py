"""A new user's first hour, from the README top to bottom, as written: the quick start's
`callbacks serve` on a fresh data directory with the real clock, every `nats` example,
`callbacks health`, two rebuilds while the service runs, the status, a report, the
demo, an export.

Settings go through the environment (a fresh data directory, a free port for the
embedded NATS), never by rewriting a line. The quick start line creates a virtual
environment and installs the project into it (minutes, and a package index); the test
runs its `callbacks serve` part from the environment the tests run in, which is that
installation."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import httpx
import nats
import openpyxl
import pytest

from tests.e2e.conftest import Client_
from tests.e2e.readme_lines import (
    Shell,
    check_readme_outcome,
    command_line,
    play_readme,
    quick_start_serve,
)
from tests.tokens import Tokens

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.anyio]
VENV_BIN = Path(sys.executable).parent  # where `pip install -e .` put `callbacks`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def installed(words: list[str]) -> list[str]:
    """`.venv/bin/callbacks …` or `callbacks …` → this environment's `callbacks`."""
    return [str(VENV_BIN / Path(words[0]).name), *words[1:]]


async def run(words: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *installed(words),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def started(serve: asyncio.subprocess.Process, lines: list[str]) -> None:
    assert serve.stdout is not None
    while not any("ready;" in line for line in lines):
        line = await asyncio.wait_for(serve.stdout.readline(), timeout=60)
        assert line, "callbacks serve ended before it was ready:\n" + "\n".join(lines)
        lines.append(line.decode().rstrip())


async def test_the_first_hour_as_the_readme_tells_it(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBACKS_")}
    env |= {
        "CALLBACKS_DATA_DIR": str(tmp_path / ".callbacks"),
        "CALLBACKS_EMBEDDED_NATS_PORT": str(port),
        "CALLBACKS_HTTP_PORT": str(free_port()),
        "NATS_URL": f"nats://127.0.0.1:{port}",  # where the `nats` CLI (and its stand-in) go
    }
    assert quick_start_serve() == [".venv/bin/callbacks", "serve"]
    serve = await asyncio.create_subprocess_exec(
        *installed(quick_start_serve()),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []
    try:
        await started(serve, lines)
        assert any(f"listening on nats://127.0.0.1:{port}" in line for line in lines), lines
        nc = await nats.connect(env["NATS_URL"])
        try:
            shell = Shell(tmp_path, env)  # where `serve` runs: `.callbacks/admin-token`
            heard = await play_readme(shell, nc)
            client = Client_(nc, "callbacks", Tokens(tmp_path / ".callbacks"))
            await check_readme_outcome(shell, heard, client)

            code, out = await run(command_line("callbacks health"), tmp_path, env)
            assert code == 0, out
            # The same service over HTTP, as the quick start says.
            base = f"http://127.0.0.1:{env['CALLBACKS_HTTP_PORT']}"
            token = (tmp_path / ".callbacks" / "admin-token").read_text().strip()
            headers = {"Authorization": f"Bearer {token}"}  # as the README's `$admin`
            async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as http:
                assert (await http.get("/healthz")).json()["status"] == "ok"
                listed = (await http.post("/api/query/list", json={"route": "billing"})).json()
                assert listed["ok"] and listed["data"]["total"] == 2, listed
            for _ in range(2):  # while the service runs and reads
                code, out = await run(command_line("callbacks projections rebuild"), tmp_path, env)
                assert code == 0, out
                listed = await client.ok("query.list", {"route": "billing"})
                assert listed["total"] == 2, listed
            for line in ("callbacks projections status", "callbacks report", "callbacks demo"):
                code, out = await run(command_line(line), tmp_path, env)
                assert code == 0, out
            export = command_line("callbacks export")
            code, out = await run(export, tmp_path, env)
            assert code == 0, out
            sheet = openpyxl.load_workbook(tmp_path / export[export.index("--output") + 1]).active
            assert sheet is not None
            assert sheet.max_row == 1 + 3  # the header and the README's three callbacks
        finally:
            await nc.close()
    finally:
        if serve.returncode is None:
            serve.send_signal(signal.SIGINT)  # Ctrl-C, as the quick start's user stops it
        rest, _ = await asyncio.wait_for(serve.communicate(), timeout=30)
        lines += rest.decode().splitlines()
        print("--- callbacks serve ---\n" + "\n".join(lines))
    assert serve.returncode == 0
    assert re.search(r"callbacks serve: stopped", "\n".join(lines))
