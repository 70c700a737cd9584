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
from pathlib import Path
from typing import Any

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
            "PATH": f"{bin_dir}:{self.env.get('PATH', '')}",
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
