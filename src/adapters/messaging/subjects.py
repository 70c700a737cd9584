"""Subjects under the configurable prefix (which subjects there are: adapters.messaging.table)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Subjects:
    prefix: str = "callbacks"

    def of(self, tail: str) -> str:
        return f"{self.prefix}.{tail}"

    @property
    def submit(self) -> str:
        return self.of("intake.submit")

    @property
    def intake_outcomes(self) -> str:
        return self.of("notify.intake")

    @property
    def received(self) -> str:
        return self.of("notify.received")

    def agent_notify(self, agent_id: str) -> str:
        return self.of(f"notify.agent.{agent_id}")

    @property
    def dead_intake(self) -> str:
        return self.of("dead.intake")

    def tail(self, subject: str) -> list[str]:
        """The tokens after the prefix: `callbacks.agent.kim.dial` → [agent, kim, dial]."""
        return subject[len(self.prefix) + 1 :].split(".")
