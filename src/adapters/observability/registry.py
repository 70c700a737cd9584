"""A small metrics registry and Prometheus' text exposition format (version 0.0.4).

Hand-written rather than a dependency: counters, histograms and values read at
scrape time are all the service needs, and the format is a few lines of text.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

log = logging.getLogger(__name__)
Labels = tuple[str, ...]
Sample = tuple[dict[str, str], float]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _line(name: str, labels: dict[str, str], value: float) -> str:
    if not labels:
        return f"{name} {_number(value)}"
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {_number(value)}"


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self._lock = threading.Lock()

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {_escape(self.help)}", f"# TYPE {self.name} {self.kind}"]

    def lines(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    """Only goes up; one value per combination of label values."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[Labels, float] = {}

    def inc(self, *values: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[values] = self._values.get(values, 0.0) + amount

    def value(self, *values: str) -> float:
        return self._values.get(values, 0.0)

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return [_line(self.name, dict(zip(self.labels, k, strict=True)), v) for k, v in items]


class Histogram(_Metric):
    """Counts observations into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, buckets: Sequence[float], labels: Sequence[str] = ()
    ) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = (*sorted(buckets), math.inf)
        self._series: dict[Labels, list[float]] = {}  # bucket counts..., sum, count

    def observe(self, amount: float, *values: str) -> None:
        with self._lock:
            series = self._series.setdefault(values, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if amount <= bound:
                    series[i] += 1
            series[-2] += amount
            series[-1] += 1

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        out = []
        for key, series in items:
            labels = dict(zip(self.labels, key, strict=True))
            for bound, count in zip(self.buckets, series, strict=False):
                out.append(_line(f"{self.name}_bucket", {**labels, "le": _number(bound)}, count))
            out.append(_line(f"{self.name}_sum", labels, series[-2]))
            out.append(_line(f"{self.name}_count", labels, series[-1]))
        return out


class Observed(_Metric):
    """Values read when scraped (a position, a lag, another component's own counters).

    A read that fails (the database is down) leaves the metric out of that scrape.
    """

    def __init__(
        self,
        name: str,
        help_text: str,
        read: Callable[[], Iterable[Sample] | float | None],
        kind: str = "gauge",
    ) -> None:
        super().__init__(name, help_text)
        self.read, self.kind = read, kind

    def lines(self) -> list[str]:
        try:
            value = self.read()
        except Exception as e:
            log.debug("metric %s not read: %s", self.name, e)
            return []
        if value is None:
            return []
        samples = [({}, value)] if isinstance(value, int | float) else list(value)
        return [_line(self.name, labels, v) for labels, v in samples]


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def add(self, metric: _Metric) -> _Metric:
        if metric.name in self._metrics:
            msg = f"metric {metric.name} registered twice"
            raise ValueError(msg)
        self._metrics[metric.name] = metric
        return metric

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        return self.add(Counter(name, help_text, labels))  # type: ignore[return-value]

    def histogram(
        self, name: str, help_text: str, buckets: Sequence[float], labels: Sequence[str] = ()
    ) -> Histogram:
        return self.add(Histogram(name, help_text, buckets, labels))  # type: ignore[return-value]

    def observed(
        self,
        name: str,
        help_text: str,
        read: Callable[[], Iterable[Sample] | float | None],
        kind: str = "gauge",
    ) -> Observed:
        return self.add(Observed(name, help_text, read, kind))  # type: ignore[return-value]

    def render(self) -> str:
        out: list[str] = []
        for metric in self._metrics.values():
            lines = metric.lines()
            if lines or metric.kind != "gauge":
                out += metric.header() + lines
        return "\n".join(out) + "\n"
