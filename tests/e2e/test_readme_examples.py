"""The README's `nats` examples, run as written against a real `callbacks serve`.

Integrators copy these lines; they must keep working. bash runs each line (its quotes,
`$(date …)`, the `$id` an earlier line set) with `nats req` played by nats-py
(`nats_standin.py`); each `nats sub` line is a nats-py subscription made at that point.
Nothing in a line is rewritten.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import TYPE_CHECKING

import pytest
from nats.js.errors import NotFoundError

from adapters.messaging.streams import DEAD_LETTERS, EVENTS, INTAKE, stream_name
from tests.e2e.readme_lines import Shell, check_readme_outcome, nats_commands, play_readme
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

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
    # The README's subjects, verbatim; its lines run where `serve` keeps `.callbacks`.
    here = tmp_path / "readme"
    tokens = Tokens(here / ".callbacks")
    launch(CALLBACKS_PREFIX="callbacks", CALLBACKS_DATA_DIR=str(here / ".callbacks"))
    readme_client = type(client)(client.nc, "callbacks", tokens)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBACKS_")}
    shell = Shell(here, {**env, "NATS_URL": nats_server.url})

    heard = await play_readme(shell, client.nc)

    await check_readme_outcome(shell, heard, readme_client)
