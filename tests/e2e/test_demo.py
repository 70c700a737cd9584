"""`callbacks demo` plays its hour against a real `callbacks serve`, over NATS: a
watcher subscribed to the prefix sees every step, and the demo names each subject."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import nats
import pytest

if TYPE_CHECKING:
    from nats.aio.msg import Msg

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
DEMO = [sys.executable, "-m", "adapters.entrypoints.cli", "demo"]


def printed_subjects(output: str, prefix: str) -> set[str]:
    return set(re.findall(rf"^\s+({re.escape(prefix)}\.\S+)", output, flags=re.MULTILINE))


async def test_a_watcher_on_the_prefix_sees_every_step_the_demo_prints(
    nats_server: EmbeddedNatsServer,
) -> None:
    prefix = f"demo{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(nats_server.url)
    seen: list[str] = []

    async def watch(msg: Msg) -> None:
        seen.append(msg.subject)

    await nc.subscribe(f"{prefix}.>", cb=watch)  # `nats sub 'callbacks.>'`
    demo = await asyncio.create_subprocess_exec(
        *DEMO,
        "--nats-url",
        nats_server.url,
        "--prefix",
        prefix,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(demo.communicate(), timeout=120)
    await nc.flush()
    await nc.close()
    output = out.decode()

    assert demo.returncode == 0, output
    printed = printed_subjects(output, prefix)
    assert {
        f"{prefix}.admin.agent-upsert",
        f"{prefix}.cti.presence.kim",
        f"{prefix}.intake.request",
        f"{prefix}.admin.assign",
        f"{prefix}.agent.kim.dial",
        f"{prefix}.agent.kim.dial-result",
        f"{prefix}.agent.lee.complete",
        f"{prefix}.agent.lee.finish",
        f"{prefix}.admin.cancel",
        f"{prefix}.query.get",
    } <= printed
    assert printed <= set(seen)  # each printed step went over NATS
    assert seen.count(f"{prefix}.intake.request") == 11
    # The service itself answered: its notifications and events went out on the prefix.
    assert any(s.startswith(f"{prefix}.notify.agent.") for s in seen)
    assert "ivr-008  -> QUEUED" in output  # the service's scheduler queued it
    assert re.search(r"ivr-001\s+COMPLETED\s+COMPLETED\s+MAX_ATTEMPTS\s+kim\s+3", output)
    assert "the service stopped (exit code 0)" in output


def test_by_default_the_demo_starts_its_own_service_on_a_free_port() -> None:
    done = subprocess.run(DEMO, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    url = re.search(r"nats sub 'callbacks\.>' -s (nats://127\.0\.0\.1:(\d+))", done.stdout)
    assert url is not None, done.stdout
    assert "callbacks serve: ready" in done.stdout  # the real service's own start line
    assert {"callbacks.intake.request", "callbacks.agent.kim.dial"} <= printed_subjects(
        done.stdout, "callbacks"
    )
    assert "the service stopped (exit code 0)" in done.stdout
