"""The service's metrics: requests and errors by subject, commands, batches, lags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.messaging.subjects import ADMIN_VERBS, AGENT_VERBS, INTAKE_VERBS, QUERY_NAMES
from adapters.observability.registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from callback_domain.commands import Command
    from callback_domain.results import Outcome

_KNOWN = {"intake": INTAKE_VERBS, "admin": ADMIN_VERBS, "query": QUERY_NAMES}
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def subject_label(tail: Sequence[str]) -> str:
    """A bounded label for a request subject: ids out, unknown verbs as `other`."""
    family = tail[0] if tail else ""
    if family == "agent":
        name = tail[2] if len(tail) > 2 else ""
        return f"agent.{name if name in AGENT_VERBS else 'other'}"
    if family == "cti":
        return "cti.presence"
    if family in _KNOWN:
        name = tail[1] if len(tail) > 1 else ""
        return f"{family}.{name if name in _KNOWN[family] else 'other'}"
    return "other"


class ServiceMetrics:
    """Counted where things happen (replies, batches); positions and lags read when scraped."""

    def __init__(self, version: str) -> None:
        self.registry = r = Registry()
        r.observed("callbacks_info", "the running version", lambda: [({"version": version}, 1)])
        self.requests = r.counter(
            "callbacks_requests_total", "requests answered, by subject", ["subject"]
        )
        self.errors = r.counter(
            "callbacks_request_errors_total",
            "requests answered with an error, by subject and error code",
            ["subject", "code"],
        )
        self.latency = r.histogram(
            "callbacks_request_seconds",
            "time to answer a request, by subject",
            _SECONDS,
            ["subject"],
        )
        self.commands = r.counter(
            "callbacks_commands_total",
            "domain commands decided (requests and submitted intake), by command",
            ["command"],
        )
        self.command_errors = r.counter(
            "callbacks_command_errors_total",
            "domain commands refused or failed, by command and error code",
            ["command", "code"],
        )
        self.batch_size = r.histogram(
            "callbacks_batch_size", "commands per write transaction (group commit)", _SIZES
        )
        self.batch_seconds = r.histogram(
            "callbacks_batch_seconds", "time to decide and write one batch", _SECONDS
        )

    def reply(self, tail: Sequence[str], code: str | None, seconds: float) -> None:
        subject = subject_label(tail)
        self.requests.inc(subject)
        self.latency.observe(seconds, subject)
        if code is not None:
            self.errors.inc(subject, code)

    def batch(
        self, commands: Sequence[Command], outcomes: Sequence[Outcome], seconds: float
    ) -> None:
        self.batch_size.observe(len(commands))
        self.batch_seconds.observe(seconds)
        for command, outcome in zip(commands, outcomes, strict=False):
            name = type(command).__name__
            self.commands.inc(name)
            if outcome.error is not None:
                self.command_errors.inc(name, outcome.error.code)

    def follow(
        self,
        *,
        head: Callable[[], int | None],
        views: Callable[[], int],
        runner: Any,
        relay: Any,
        singletons: Any,
        intake: Any,
    ) -> None:
        """Values of the running parts, read at each scrape (a failed read is left out).

        Lags count events of the log not yet applied (views) or published (relay).
        The relay runs on the instance holding the singletons' lease; the others
        report no relay values.
        """
        r = self.registry
        r.observed(
            "callbacks_log_position", "position of the last event in the log", lambda: head() or 0
        )
        r.observed("callbacks_projection_position", "log position the read models reached", views)
        r.observed(
            "callbacks_projection_lag_events",
            "events recorded but not yet in the read models",
            lambda: max(0, (head() or 0) - views()),
        )
        r.observed(
            "callbacks_projection_errors_total",
            "failed projection batches (each retried)",
            lambda: runner.status.errors,
            kind="counter",
        )
        r.observed(
            "callbacks_singletons_held",
            "1 if this instance runs the projections, relay and scheduler",
            lambda: 1 if singletons.held else 0,
        )
        r.observed(
            "callbacks_relay_position",
            "log position last published to CALLBACK_EVENTS",
            lambda: relay.stats.position if singletons.held else None,
        )
        r.observed(
            "callbacks_relay_lag_events",
            "events recorded but not yet published to CALLBACK_EVENTS",
            lambda: relay.lag() if singletons.held else None,
        )
        r.observed(
            "callbacks_relay_published_total",
            "events this instance published to CALLBACK_EVENTS",
            lambda: relay.stats.published,
            kind="counter",
        )
        r.observed(
            "callbacks_relay_errors_total",
            "relay failures (each followed by a re-sync)",
            lambda: relay.stats.errors,
            kind="counter",
        )
        r.observed(
            "callbacks_intake_messages_total",
            "durable intake messages (intake.submit) by outcome: handled, refused, retried, dead",
            lambda: [
                ({"outcome": k}, getattr(intake.stats, k))
                for k in ("handled", "refused", "retried", "dead")
            ],
            kind="counter",
        )
