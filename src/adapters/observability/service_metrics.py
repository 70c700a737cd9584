"""The service's metrics through prometheus_client: requests and errors by subject (one label
value per subject of the subject table), commands, batches, lags, and the process and
Python runtime metrics prometheus_client collects."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.messaging.table import ANSWERED

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from callback_domain.commands import Command
    from callback_domain.results import Outcome

    Sample = tuple[dict[str, str], float]
    Read = Callable[[], Iterable[Sample] | float | None]

log = logging.getLogger(__name__)
# no `_created` series: counters start at 0 anyway
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def subject_labels() -> list[str]:
    """Every value of the `subject` label: the table's subjects, and `<family>.other` for an
    unknown verb (bounded: ids never become labels)."""
    names = [s.name for s in ANSWERED]
    return names + [f"{family}.other" for family in dict.fromkeys(s.family for s in ANSWERED)]


class _Observed(Collector):
    """Values read when scraped (a position, a lag, another component's own counters).
    A read that fails (the database is down) leaves the metric out of that scrape."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, str, Read, str]] = []

    def add(self, name: str, help_text: str, read: Read, kind: str = "gauge") -> None:
        self.reads.append((name, help_text, read, kind))

    def describe(self) -> Iterator[Metric]:
        return iter(())  # their names are checked by the registry as they are added

    def collect(self) -> Iterator[Metric]:
        for name, help_text, read, kind in self.reads:
            try:
                value = read()
            except Exception as e:
                log.debug("metric %s not read: %s", name, e)
                continue
            if value is None:
                continue
            samples = [({}, value)] if isinstance(value, int | float) else list(value)
            labels = sorted({k for sample_labels, _ in samples for k in sample_labels})
            family: GaugeMetricFamily | CounterMetricFamily = (
                CounterMetricFamily(name, help_text, labels=labels)
                if kind == "counter"
                else GaugeMetricFamily(name, help_text, labels=labels)
            )
            for sample_labels, v in samples:
                family.add_metric([sample_labels[k] for k in labels], v)
            yield family


class ServiceMetrics:
    """Counted where things happen (replies, batches); positions and lags read when scraped."""

    def __init__(self, version: str) -> None:
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        Info("callbacks", "the running version", registry=r).info({"version": version})
        self.requests = Counter(
            "callbacks_requests_total", "requests answered, by subject", ["subject"], registry=r
        )
        self.errors = Counter(
            "callbacks_request_errors_total",
            "requests answered with an error, by subject and error code",
            ["subject", "code"],
            registry=r,
        )
        self.latency = Histogram(
            "callbacks_request_seconds",
            "time to answer a request, by subject",
            ["subject"],
            buckets=_SECONDS,
            registry=r,
        )
        for subject in subject_labels():  # every subject shows, at 0, from the start
            self.requests.labels(subject)
            self.latency.labels(subject)
        self.commands = Counter(
            "callbacks_commands_total",
            "domain commands decided (requests and submitted intake), by command",
            ["command"],
            registry=r,
        )
        self.command_errors = Counter(
            "callbacks_command_errors_total",
            "domain commands refused or failed, by command and error code",
            ["command", "code"],
            registry=r,
        )
        self.batch_size = Histogram(
            "callbacks_batch_size",
            "commands per write transaction (group commit)",
            buckets=_SIZES,
            registry=r,
        )
        self.batch_seconds = Histogram(
            "callbacks_batch_seconds", "time to decide and write one batch", buckets=_SECONDS,
            registry=r,
        )  # fmt: skip
        self._observed = _Observed()
        r.register(self._observed)

    def reply(self, subject: str, code: str | None, seconds: float) -> None:
        """`subject`: the table's name of the subject (see routes.label)."""
        self.requests.labels(subject).inc()
        self.latency.labels(subject).observe(seconds)
        if code is not None:
            self.errors.labels(subject, code).inc()

    def batch(
        self, commands: Sequence[Command], outcomes: Sequence[Outcome], seconds: float
    ) -> None:
        self.batch_size.observe(len(commands))
        self.batch_seconds.observe(seconds)
        for command, outcome in zip(commands, outcomes, strict=False):
            name = type(command).__name__
            self.commands.labels(name).inc()
            if outcome.error is not None:
                self.command_errors.labels(name, outcome.error.code).inc()

    def render(self) -> bytes:
        """The text exposition format (0.0.4)."""
        return prometheus_client.generate_latest(self.registry)

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
        add = self._observed.add
        add("callbacks_log_position", "position of the last event in the log", lambda: head() or 0)
        add("callbacks_projection_position", "log position the read models reached", views)
        add(
            "callbacks_projection_lag_events",
            "events recorded but not yet in the read models",
            lambda: max(0, (head() or 0) - views()),
        )
        add(
            "callbacks_projection_errors_total",
            "failed projection batches (each retried)",
            lambda: runner.status.errors,
            kind="counter",
        )
        add(
            "callbacks_singletons_held",
            "1 if this instance runs the projections, relay and scheduler",
            lambda: 1 if singletons.held else 0,
        )
        add(
            "callbacks_relay_position",
            "log position last published to CALLBACK_EVENTS",
            lambda: relay.stats.position if singletons.held else None,
        )
        add(
            "callbacks_relay_lag_events",
            "events recorded but not yet published to CALLBACK_EVENTS",
            lambda: relay.lag() if singletons.held else None,
        )
        add(
            "callbacks_relay_published_total",
            "events this instance published to CALLBACK_EVENTS",
            lambda: relay.stats.published,
            kind="counter",
        )
        add(
            "callbacks_relay_errors_total",
            "relay failures (each followed by a re-sync)",
            lambda: relay.stats.errors,
            kind="counter",
        )
        add(
            "callbacks_intake_messages_total",
            "durable intake messages (intake.submit) by outcome: handled, refused, retried, dead",
            lambda: [
                ({"outcome": k}, getattr(intake.stats, k))
                for k in ("handled", "refused", "retried", "dead")
            ],
            kind="counter",
        )
