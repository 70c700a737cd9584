"""ruff (lint and format) and mypy --strict, as configured in pyproject.toml, pass.

They run as part of the test command, so CI keeps them passing. Each runs from the
checkout's root with the tools of this interpreter's environment; mypy and ruff keep
their caches in .mypy_cache and .ruff_cache (gitignored), so a repeated run is quick.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

CHECKS = {
    "ruff-check": ("ruff", "check", "--no-fix", "."),
    "ruff-format": ("ruff", "format", "--check", "--diff", "."),
    # strict, over the files of [tool.mypy] (src and scripts)
    "mypy": ("mypy",),
}


def command(tool: str, *args: str) -> list[str]:
    """The tool of this environment: its script beside the interpreter, else `python -m`."""
    script = BIN / tool
    return [str(script), *args] if script.exists() else [sys.executable, "-m", tool, *args]


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_tree_passes(name: str) -> None:
    tool = command(*CHECKS[name])
    result = subprocess.run(
        tool,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    exit_status = result.returncode

    assert exit_status == 0, f"`{' '.join(tool)}` failed:\n{result.stdout}{result.stderr}"
