"""The README's shell lines, run as written: bash evaluates each (quotes, `$(date …)`,
variables set by earlier lines), with `nats` played by nats-py (`nats_standin.py`).
`nats sub` lines become nats-py subscriptions the caller makes at that point."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.e2e.reply_check import check_reply

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg

    from tests.e2e.conftest import Client_

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
_ASSIGNED = re.compile(r"^([A-Za-z_]\w*)=")


def sh_blocks(text: str | None = None) -> list[str]:
    text = README.read_text(encoding="utf-8") if text is None else text
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def commands(block: str) -> list[str]:
    """A block's commands: a line, with its continuations (a trailing backslash, or a
    quote still open) joined as bash would read them; comment-only lines dropped."""
    found: list[str] = []
    pending = ""
    for line in block.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\") or _open_quote(pending):
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            found.append(pending)
        pending = ""
    return found


def _open_quote(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return True
    return False


def nats_commands() -> list[str]:
    """Every command of the README's sh blocks that runs the `nats` CLI."""
    return [c for b in sh_blocks() for c in commands(b) if re.search(r"(^|\$\()nats ", c)]


def played_commands() -> list[str]:
    """What the examples run, in order: the `nats` lines and the lines that set a shell
    variable (a token) for them; not the quick start's install lines."""
    return [
        c
        for b in sh_blocks()
        for c in commands(b)
        if re.search(r"(^|\$\()nats ", c) or _ASSIGNED.match(c.lstrip())
    ]


def subscription(command: str) -> str | None:
    """The subject of a `nats sub SUBJECT` line, else None."""
    words = shlex.split(command, comments=True)
    return words[2] if words[:2] == ["nats", "sub"] else None


@dataclass
class Shell:
    """Runs commands in bash one at a time, keeping the variables they set."""

    workdir: Path
    env: dict[str, str]
    state: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        bin_dir = self.workdir / "standin-bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        nats = bin_dir / "nats"
        standin = Path(__file__).with_name("nats_standin.py")
        nats.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{standin}" "$@"\n')
        nats.chmod(0o755)
        self.state = self.workdir / "shell-state.sh"
        self.state.write_text("")
        self.log = self.workdir / "nats-requests.jsonl"
        self.env = {
            **self.env,
            # the stand-in `nats`, then this environment's `callbacks` (an activated venv)
            "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{self.env.get('PATH', '')}",
            "README_NATS_LOG": str(self.log),
        }

    async def run(self, command: str) -> str:
        """The command's output; fails the caller on a non-zero exit."""
        keep = "".join(
            f'\ndeclare -p {name} >> "{self.state}"' for name in _ASSIGNED.findall(command.lstrip())
        )
        script = f'set -euo pipefail\nsource "{self.state}"\n{command}{keep}\n'
        proc = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            script,
            cwd=self.workdir,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        if proc.returncode != 0:
            msg = f"exit {proc.returncode}: {command}\n{out.decode()}{err.decode()}"
            raise AssertionError(msg)
        return out.decode()

    def requests(self) -> list[dict[str, Any]]:
        """Every `nats req` played so far: subject, body, headers and the reply (parsed)."""
        if not self.log.exists():
            return []
        records = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [{**r, "reply": json.loads(r["reply"])} for r in records]


async def play_readme(shell: Shell, nc: Client) -> dict[str, list[Msg]]:
    """Runs every `nats` line of the README in order; what each `nats sub` heard."""
    heard: dict[str, list[Msg]] = {}
    for command in played_commands():
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
        kims = says("callbacks.notify.agent.kim")
        if heard["callbacks.notify.intake"] and any(n["type"] == "completed" for n in kims):
            break
        await asyncio.sleep(0.05)
    assert [(o["request_id"], o["ok"]) for o in says("callbacks.notify.intake")] == [
        ("ivr-0003", True)
    ]
    # Subscribed after the assignment (as the README's order goes): it hears the completion,
    # after the assignment's own notice when that one, following the log, came late.
    told = [(n["type"], n["pending_count"]) for n in says("callbacks.notify.agent.kim")]
    assert told in ([("completed", 0)], [("assigned", 1), ("completed", 0)]), told
    events = {m.subject.rsplit(".", 1)[1] for m in heard["callbacks.events.>"]}
    assert {"Requested", "Assigned", "Completed"} <= events


def quick_start_serve() -> list[str]:
    """The quick start's `callbacks serve` command (after its venv set-up), as words."""
    (line,) = [c for c in commands(sh_blocks()[0]) if "callbacks serve" in c]
    last = line.split("&&")[-1]
    return shlex.split(last, comments=True)


def command_line(start: str) -> list[str]:
    """The README's "Command line" line that starts with `start`, its optional parts
    (`[...]`) and comment left out, as words."""
    for block in sh_blocks():
        for command in commands(block):
            words = re.sub(r"\[[^\]]*\]", "", command)
            if words.startswith(start):
                return shlex.split(words, comments=True)
    raise AssertionError(f"no README line starts with {start!r}")
