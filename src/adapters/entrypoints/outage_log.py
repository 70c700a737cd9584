"""Log lines of an outage: one line per place and retry, growing apart, no tracebacks."""

from __future__ import annotations

import logging
import time

from adapters.entrypoints.outages import FIRST_DELAY, MAX_DELAY, OUTAGES, cause_of


class OutageLogFilter(logging.Filter):
    """Background loops (the views' follower, the relay, the lease, the listener) log a
    failure each time they retry; while a store or NATS is away that would be a traceback
    a second. A record caused by an outage keeps its one line, gains the cause, loses the
    traceback, and repeats from the same place only as the backoff grows (1, 2, 4 … 60 s).
    Any other record passes unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self._due: dict[tuple[str, object], tuple[float, float]] = {}  # place -> (due, delay)

    def filter(self, record: logging.LogRecord) -> bool:
        error = _outage_in(record)
        if error is None:
            return True
        now, place = time.monotonic(), (record.name, record.msg)
        due, delay = self._due.get(place, (0.0, FIRST_DELAY))
        if now < due:
            return False
        if now > due + 2 * delay:  # quiet for a while: a new outage starts from the start
            delay = FIRST_DELAY
        self._due[place] = (now + delay, min(delay * 2, MAX_DELAY))
        text, cause = record.getMessage(), cause_of(error)
        shown = "" if cause in text else f"{cause}; "
        record.msg = f"{text} [{shown}repeats at most every {delay:.0f} s]"
        record.args, record.exc_info, record.exc_text = None, None, None
        return True


def _outage_in(record: logging.LogRecord) -> BaseException | None:
    found: list[BaseException] = []
    if record.exc_info and record.exc_info[1] is not None:
        found.append(record.exc_info[1])
    args = record.args if isinstance(record.args, tuple) else ()
    found += [a for a in args if isinstance(a, BaseException)]
    for error in found:
        seen: BaseException | None = error
        for _ in range(10):  # the error, its cause, its cause's cause …
            if seen is None:
                break
            if isinstance(seen, OUTAGES):
                return seen
            seen = seen.__cause__ or seen.__context__
    return None
