"""Logs as text or JSON lines, each with the correlation id of the request being handled."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

REQUEST_ID_HEADER = "Callbacks-Request-Id"
MSG_ID_HEADER = "Nats-Msg-Id"
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# LogRecord's own attributes: anything else on a record came in through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def correlate(*candidates: str | None) -> str | None:
    """Makes the first non-empty candidate this context's correlation id (if none is set yet)."""
    current = correlation_id.get()
    if current:
        return current
    for candidate in candidates:
        if candidate:
            correlation_id.set(candidate[:200])
            return candidate[:200]
    return None


def from_headers(headers: Mapping[str, str]) -> str | None:
    """A client's own id for the request: `Callbacks-Request-Id`, else JetStream's `Nats-Msg-Id`."""
    return headers.get(REQUEST_ID_HEADER) or headers.get(MSG_ID_HEADER)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", None)
        if cid:
            entry["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and key != "correlation_id":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        cid = getattr(record, "correlation_id", None)
        return f"{text} [{cid}]" if cid else text


_banner_format = ["text"]  # set by configure(): how `say` writes


def say(text: str, logger: str = "callbacks.serve") -> None:
    """A line for the operator on standard output (the start banner): plain text, or with
    `CALLBACKS_LOG_FORMAT=json` one JSON object like every log line."""
    if _banner_format[0] == "json":
        record = logging.LogRecord(logger, logging.INFO, __file__, 0, text, None, None)
        text = JsonFormatter().format(record)
    print(text, flush=True)


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """The root logger to stderr; every library's records get the same format."""
    _banner_format[0] = log_format
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
