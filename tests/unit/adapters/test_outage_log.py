"""An outage's log lines: no traceback, the cause named, repeats growing apart."""

from __future__ import annotations

import logging
import sys

import psycopg

from adapters.entrypoints.outage_log import OutageLogFilter


def record(
    error: BaseException, msg: str = "projection batch failed; retrying"
) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("adapters.views.runner", logging.ERROR, __file__, 1, msg, (), exc_info)


def test_an_outage_is_one_line_with_its_cause_and_no_traceback() -> None:
    f = OutageLogFilter()
    line = record(psycopg.OperationalError("connection refused\nIs the server running?"))

    assert f.filter(line)
    assert line.exc_info is None
    assert line.getMessage().startswith("projection batch failed; retrying [connection refused;")


def test_the_same_line_again_at_once_is_held_back() -> None:
    f = OutageLogFilter()
    assert f.filter(record(psycopg.OperationalError("connection refused")))
    assert not f.filter(record(psycopg.OperationalError("connection refused")))
    # another place logs its own first line
    assert f.filter(record(psycopg.OperationalError("refused"), msg="relay failed"))


def test_an_outage_behind_another_error_is_found_by_its_cause() -> None:
    f = OutageLogFilter()
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as e:
            raise RuntimeError("relay round failed") from e
    except RuntimeError as e:
        line = record(e)
    assert f.filter(line) and line.exc_info is None


def test_any_other_error_keeps_its_traceback() -> None:
    f = OutageLogFilter()
    line = record(KeyError("a defect"))
    assert f.filter(line) and line.exc_info is not None
    assert f.filter(record(KeyError("a defect")))  # never held back
