"""The README's `nats` examples, run as written against a real `callbacks serve`.

Integrators copy these lines; they must keep working. bash runs each line (its quotes,
`$(date …)`, the `$id` an earlier line set) with `nats req` played by nats-py
(`nats_standin.py`); each `nats sub` line is a nats-py subscription made at that point.
Nothing in a line is rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from nats.js.errors import NotFoundError

from adapters.messaging.streams import DEAD_LETTERS, EVENTS, INTAKE, stream_name
from tests.e2e.readme_lines import Shell, nats_commands, subscription
from tests.e2e.reply_check import check_reply

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nats.aio.client import Client
    from nats.aio.msg import Msg

    from adapters.messaging.nats_server import EmbeddedNatsServer
    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def test_the_readme_has_examples_for_each_flow() -> None:
    subjects = {m.group(1) for c in nats_commands() if (m := re.search(r"nats req (\S+)", c))}
    assert {
        "callbacks.intake.request",
        "callbacks.intake.submit",
        "callbacks.admin.assign",
        "callbacks.agent.kim.dial",
        "callbacks.agent.kim.complete",
        "callbacks.query.list",
    } <= subjects


def test_no_example_carries_a_fixed_time() -> None:
    """A fixed time ages into the past ("must not be in the past"): the shell computes it."""
    fixed = [c for c in nats_commands() if re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", c)]
    assert fixed == []


async def play_readme(shell: Shell, nc: Client) -> dict[str, list[Msg]]:
    """Runs every `nats` line of the README in order; what each `nats sub` heard."""
    heard: dict[str, list[Msg]] = {}
    for command in nats_commands():
        subject = subscription(command)
        if subject is None:
            await shell.run(command)
            continue
        messages = heard.setdefault(subject, [])

        async def keep(msg: Msg, into: list[Msg] = messages) -> None:
            into.append(msg)

        await nc.subscribe(subject, cb=keep)
        await nc.flush()
    return heard


async def check_readme_outcome(shell: Shell, heard: dict[str, list[Msg]], client: Client_) -> None:
    """Every reply ok and as published; the first callback completed by kim; each
    subscription heard what the README says it shows."""
    requests = shell.requests()
    assert len(requests) == len([c for c in nats_commands() if subscription(c) is None])
    last = 0
    for r in requests:
        tail, reply = r["subject"].split(".", 1)[1], r["reply"]
        if tail == "intake.submit":
            assert reply.get("stream") and reply.get("seq"), r  # JetStream's publish ack
            continue
        assert reply["ok"], r
        check_reply(tail, reply["data"])
        last = max(last, reply["data"].get("log_position") or 0)
    first = requests[0]["reply"]["data"]
    assert first["wait_basis"] == "policy" and first["estimated_wait_seconds"] == 300
    scheduled = next(r["reply"]["data"] for r in requests if "ivr-0002" in r["body"])
    assert scheduled["state"] == "SCHEDULED"
    done = await client.ok("query.get", {"callback_id": first["callback_id"], "min_position": last})
    assert (done["state"], done["reason"], done["agent"]) == ("COMPLETED", "AGENT", "kim")
    desired = datetime.fromisoformat(
        (await client.ok("query.get", {"callback_id": scheduled["callback_id"]}))["desired_time"]
    )
    assert timedelta(0) < desired - datetime.now(UTC) < timedelta(days=2)

    def says(subject: str) -> list[dict[str, Any]]:
        return [json.loads(m.data) for m in heard[subject]]

    for _ in range(100):  # notifications and events follow the log within moments
        if heard["callbacks.notify.intake"] and heard["callbacks.notify.agent.kim"]:
            break
        await asyncio.sleep(0.05)
    assert [(o["request_id"], o["ok"]) for o in says("callbacks.notify.intake")] == [
        ("ivr-0003", True)
    ]
    # Subscribed after the assignment (as the README's order goes): it hears the completion.
    told = says("callbacks.notify.agent.kim")
    assert [(n["type"], n["pending_count"]) for n in told] == [("completed", 0)]
    events = {m.subject.rsplit(".", 1)[1] for m in heard["callbacks.events.>"]}
    assert {"Requested", "Assigned", "Completed"} <= events


async def test_every_readme_example_works_as_written(
    launch: Callable[..., ServiceProcess],
    client: Client_,
    nats_server: EmbeddedNatsServer,
    tmp_path: Path,
) -> None:
    js = client.nc.jetstream()
    for stream in (INTAKE, EVENTS, DEAD_LETTERS):  # the default prefix's: fresh for each run
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(stream_name(stream, "callbacks"))
    launch(CALLBACKS_PREFIX="callbacks")  # the README's subjects, verbatim
    readme_client = type(client)(client.nc, "callbacks")
    shell = Shell(tmp_path / "readme", {**os.environ, "NATS_URL": nats_server.url})

    heard = await play_readme(shell, client.nc)

    await check_readme_outcome(shell, heard, readme_client)
