"""Operator mistakes: one line that names the setting and the fix, exit code 2.

Raised anywhere on the way to a running command (settings, start-up, a CLI option);
`callbacks` prints `callbacks: <setting>: <problem>; <fix>` and exits 2, never a
traceback.
"""

from __future__ import annotations

EXIT_MISTAKE = 2


class OperatorError(Exception):
    """A setting or option the operator can correct."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting, self.problem, self.fix = setting, problem, fix
        super().__init__(self.line())

    def line(self) -> str:
        return f"{self.setting}: {self.problem}; {self.fix}"
