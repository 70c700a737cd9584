"""The subjects of CONTRACT.md under a configurable prefix."""

from __future__ import annotations

from dataclasses import dataclass

from callback_domain.errors import InvalidRequestError

AGENT_VERBS = ("schedule", "dial", "dial-result", "complete", "finish", "list", "pending")
ADMIN_VERBS = ("create", "assign", "unassign", "reschedule", "cancel", "recreate", "agent-upsert")
QUERY_NAMES = (
    "health",
    "get",
    "list",
    "search",
    "history",
    "assignment-summary",
    "agent-counts",
    "treatment-rate",
)
INTAKE_VERBS = ("request", "cancel", "abandon")  # request/reply; `submit` goes through JetStream


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


def verb(subject_tail: list[str], index: int, known: tuple[str, ...]) -> str:
    name = subject_tail[index] if len(subject_tail) > index else ""
    if name not in known:
        raise InvalidRequestError.single(
            "(subject)", f"unknown verb {name!r}; this subject family takes {', '.join(known)}"
        )
    return name
