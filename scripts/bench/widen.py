"""Widens the callback list to >= 1M callbacks for the query and export measurements.

A million callbacks take ~4M events, and bulk-loading then projecting those would take
longer than the whole benchmark may. So the list view the rebuild made (the projections'
own rows) gets time-shifted copies of its COMPLETED rows, each copy moved back by a
whole number of the data's spans, with new callback ids, request ids and phone numbers:
the filters keep their selectivity (one route is still a seventh of the rows, one phone
number still one row), and no copy is due, queued or held, so nothing in the service
would act on one. The counts table is recounted, the indexes rebuilt and the planner's
statistics refreshed, as a rebuild leaves them. The view no longer equals the log's
rebuild afterwards: this runs after every measurement that needs them to be equal.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

TARGET = 1_000_000
ZONE = "Asia/Seoul"
_SHIFTED = (
    "requested_at",
    "desired_time",
    "queue_since",
    "due_at",
    "overdue_at",
    "expires_at",
    "assigned_at",
    "first_assigned_at",
    "completed_at",
)


def widen(
    database_url: str, *, first_at: datetime, last_at: datetime, target: int = TARGET
) -> dict[str, Any]:
    from adapters.bootstrap import build_read_side, build_service
    from adapters.settings import Settings
    from adapters.views.schema import CALLBACK_LIST, TABLES, qualified

    settings = Settings.load(database_url=database_url, timezone=ZONE)
    service = build_service(settings)
    side = build_read_side(settings, service)
    store, table = side.store, TABLES[CALLBACK_LIST]
    generation = store.active()[CALLBACK_LIST]
    rows = store.table(CALLBACK_LIST, generation.tag)
    span_days = math.ceil((last_at - first_at) / timedelta(days=1)) + 1
    started = time.monotonic()
    with store.tx(commit=True) as cur:
        (before,) = store.run(cur, f"SELECT count(*) AS n FROM {rows}")
        store.run(
            cur,
            f"CREATE TEMP TABLE widen_source ON COMMIT DROP AS SELECT * FROM {rows} "
            "WHERE state = 'COMPLETED'",
        )
        (source,) = store.run(cur, "SELECT count(*) AS n FROM widen_source")
        copies = max(0, math.ceil((target - before["n"]) / max(source["n"], 1)))
        for index in range(len(table.indexes)):  # rebuilt once at the end: far cheaper
            name = qualified(f"{table.name(generation.tag)}_i{index}", store.schema)
            store.run(cur, f"DROP INDEX IF EXISTS {name}")
        for k in range(1, copies + 1):
            store.run(cur, _copy_statement(rows, list(table.columns), k, k * span_days))
        store.recount(cur, generation)
        (after,) = store.run(cur, f"SELECT count(*) AS n FROM {rows}")
    store.finish([generation])  # the indexes again, VACUUM (ANALYZE)
    seconds = time.monotonic() - started
    side.close()
    service.close()
    return {
        "before": before["n"],
        "after": after["n"],
        "copies": copies,
        "span_days": span_days,
        "seconds": seconds,
    }


def _copy_statement(rows: str, columns: list[str], k: int, days: int) -> str:
    shift = f"INTERVAL '{days} days'"
    values = {c: c for c in columns}
    for c in _SHIFTED:
        values[c] = f"{c} - {shift}"
    values["callback_id"] = f"md5(callback_id::text || '~{k}')::uuid"
    values["recreated_from"] = f"md5(recreated_from::text || '~{k}')::uuid"
    values["request_id"] = f"request_id || '~{k}'"
    values["phone"] = f"'+9{k}' || substr(phone, 4)"  # +82… becomes +91…, +92…: never a real row's
    local = f"(first_assigned_at - {shift}) AT TIME ZONE '{ZONE}'"
    values["first_assigned_day"] = f"to_char({local}, 'YYYY-MM-DD')"
    values["first_assigned_month"] = f"to_char({local}, 'YYYY-MM')"
    return (
        f"INSERT INTO {rows} ({', '.join(columns)}) "
        f"SELECT {', '.join(values[c] for c in columns)} FROM widen_source"
    )
