"""Operator mistakes: one line that names the setting and the fix, exit code 2.

Raised anywhere on the way to a running command (settings, start-up, a CLI option);
`callbacks` prints `callbacks: <setting>: <problem>; <fix>` and exits 2, never a
traceback.
"""

from __future__ import annotations

import errno

EXIT_MISTAKE = 2


class OperatorError(Exception):
    """A setting or option the operator can correct."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting, self.problem, self.fix = setting, problem, fix
        super().__init__(self.line())

    def line(self) -> str:
        return f"{self.setting}: {self.problem}; {self.fix}"


def listen_mistake(
    setting: str, host: str, port: int, error: OSError, *, what: str
) -> OperatorError:
    """A port that cannot be bound, said for `setting` (`CALLBACKS_<WHAT>_PORT`; its
    `_HOST` twin when the address is the trouble). `what`: what port 0 turns off."""
    if error.errno == errno.EADDRINUSE:
        return OperatorError(
            setting,
            f"port {port} on {host} is in use (another callbacks serve?)",
            f"stop what listens there, or pick another port (0 turns {what} off)",
        )
    return OperatorError(
        setting.removesuffix("_PORT") + "_HOST",
        f"cannot listen on {host}:{port} ({error.strerror or error})",
        "set an address of this host, e.g. 127.0.0.1, or 0.0.0.0 for every interface",
    )
