"""What the fuzz tests counted, for the terminal summary (tests/fuzz/conftest.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FuzzReport:
    phases: dict[str, Counter[str]] = field(
        default_factory=dict
    )  # phase -> subject -> payloads sent
    codes: Counter[str] = field(default_factory=Counter)
    crashes: int = 0
    unanswered: int = 0
    undocumented: int = 0
    recorded_by_invalid: int | None = None
    notes: list[str] = field(default_factory=list)

    def sent(self, phase: str, subject: str, n: int = 1) -> None:
        self.phases.setdefault(phase, Counter())[subject] += n


REPORT = FuzzReport()
