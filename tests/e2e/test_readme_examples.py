"""The README's `nats req` examples, run in order against a real `callbacks serve`.

Integrators copy these lines; they must keep working. `<callback_id>` becomes the id of
the first callback made, and times in bodies move to tomorrow so the examples never age.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from nats.js.errors import NotFoundError

from adapters.messaging.streams import DEAD_LETTERS, EVENTS, INTAKE, stream_name
from tests.e2e.conftest import Client_ as Client
from tests.e2e.reply_check import check_reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
README = Path(__file__).resolve().parents[2] / "README.md"
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def readme_requests() -> list[tuple[str, str, dict[str, str]]]:
    """(subject, body, headers) of every `nats req` in the README's sh blocks."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    found = []
    for block in blocks:
        for command in re.split(r"(?<!\\)\n(?=\S)", block.replace("\\\n", " ")):
            words = shlex.split(command, comments=True)
            if words[:2] != ["nats", "req"]:
                continue
            subject, body, rest = words[2], words[3], words[4:]
            headers = dict(rest[i + 1].split(":", 1) for i in range(len(rest)) if rest[i] == "-H")
            found.append((subject, body, headers))
    return found


def test_the_readme_has_examples_for_each_flow() -> None:
    subjects = [s for s, _, _ in readme_requests()]
    assert {
        "callbacks.intake.request",
        "callbacks.intake.submit",
        "callbacks.admin.assign",
        "callbacks.agent.kim.dial",
        "callbacks.agent.kim.complete",
        "callbacks.query.list",
    } <= set(subjects)


async def test_every_readme_example_works(
    launch: Callable[..., ServiceProcess], client: Client
) -> None:
    js = client.nc.jetstream()
    for stream in (
        INTAKE,
        EVENTS,
        DEAD_LETTERS,
    ):  # the default prefix's streams: fresh for each run
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(stream_name(stream, "callbacks"))
    launch(CALLBACKS_PREFIX="callbacks")  # the README's subjects, verbatim
    client = Client(client.nc, "callbacks")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    first_id: str | None = None
    last = 0
    for subject, template, headers in readme_requests():
        tail = subject.split(".", 1)[1]
        body = template if first_id is None else template.replace("<callback_id>", first_id)
        body = ISO_TIME.sub(tomorrow, body)
        reply: dict[str, Any] = await client.raw(tail, body.encode(), headers or None)
        if tail == "intake.submit":
            assert reply.get("stream") and reply.get("seq"), reply  # JetStream's publish ack
            continue
        assert reply["ok"], (subject, body, reply)
        check_reply(tail, reply["data"])
        last = max(last, reply["data"].get("log_position") or 0)
        if first_id is None and tail == "intake.request":
            first_id = reply["data"]["callback_id"]
    assert first_id is not None
    done = await client.ok("query.get", {"callback_id": first_id, "min_position": last})
    assert (done["state"], done["reason"]) == ("COMPLETED", "AGENT")
