"""A storage failure's answer: `unavailable` only when the store cannot be reached."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing import persistence

from adapters.messaging.errors import storage_error_of


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("connection to server at 127.0.0.1 failed"),
        psycopg.InterfaceError("the connection is closed"),
        persistence.OperationalError("server closed the connection unexpectedly"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_a_lost_connection_is_unavailable(error: Exception) -> None:
    assert storage_error_of(error).code == "unavailable"


@pytest.mark.parametrize(
    "error",
    [
        psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
        persistence.DataError("invalid byte sequence"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
    ],
)
def test_a_value_the_store_cannot_hold_is_invalid_request(error: Exception) -> None:
    assert storage_error_of(error).code == "invalid_request"


def test_another_store_error_is_internal_not_unavailable() -> None:
    assert storage_error_of(psycopg.ProgrammingError("syntax error")).code == "internal"
