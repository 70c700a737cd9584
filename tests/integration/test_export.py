"""`callbacks export` of 100,000 callbacks: complete files, constant memory."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

import pytest
from openpyxl import load_workbook

from adapters.bootstrap import build_read_side, build_service
from adapters.settings import Settings
from adapters.views.schema import CALLBACK_LIST
from projections.batch import ViewBatch
from projections.callback_list import CallbackRow
from tests.factories import T0

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
ROWS = 100_000
MAX_GROWTH_MB = 50


def _row(n: int) -> CallbackRow:
    at = T0 + timedelta(seconds=n)
    done = n % 3 == 0
    return CallbackRow(
        callback_id=uuid5(NAMESPACE_URL, f"export-{n}"),
        request_id=f"bulk-{n}",
        requested_at=at,
        desired_time=None,
        route=f"route-{n % 7}",
        state="COMPLETED" if done else "QUEUED",
        status="COMPLETED" if done else "REGISTERED",
        reason="AGENT" if done else None,
        phone=f"+8210{n:08d}",
        phone_national=f"010-{n // 10_000 % 10_000:04d}-{n % 10_000:04d}",
        assigner="sv-1" if done else None,
        assigner_team=None,
        agent=f"agent-{n % 40}" if done else None,
        team="team-a" if done else None,
        attempts=n % 3,
        type="IMMEDIATE",
        customer_timezone="Asia/Seoul",
        remark="전화 부탁드립니다",
        queue_since=at,
        due_at=at,
        overdue_at=at + timedelta(minutes=2),
        expires_at=at + timedelta(days=14),
        assigned_at=at if done else None,
        first_assigned_at=at if done else None,
        first_assigned_day=None,
        first_assigned_month=None,
        completed_at=at if done else None,
        assignment_cancelled=False,
        routing_agent=None,
        routing_team=None,
        origin_interaction_id=None,
        channel="bulk",
        recreated_from=None,
        history_length=1,
        position=n,
    )


def _load_rows(database_url: str) -> None:
    """Bulk-writes list rows straight into the view (the export is under test, not
    the projection, and 100,000 callbacks through commands would take minutes)."""
    settings = Settings.load(database_url=database_url)
    service = build_service(settings)
    side = build_read_side(settings, service)
    generation = side.store.active()[CALLBACK_LIST]
    chunk = 5_000
    for start in range(0, ROWS, chunk):
        batch: ViewBatch[CallbackRow] = ViewBatch()
        for n in range(start, start + chunk):
            batch.put(n, _row(n))
        side.store.write([(generation, batch)], position=start + chunk)
    side.close()
    service.close()


def _export(database_url: str, fmt: str, output: Path, *extra: str) -> dict[str, float]:
    """Runs the export in its own process; returns its memory before and at peak."""
    code = textwrap.dedent(f"""
        import json, threading, time
        from adapters.entrypoints.cli import main

        def rss_mb():  # the current resident set, not the high-water mark
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096 / 2**20

        # warm: imports, connections
        main(["projections", "status", "--database-url", {database_url!r}])
        before, peak, done = rss_mb(), [0.0], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb())
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        code = main(["export", "--format", {fmt!r}, "--output", {str(output)!r},
                     "--database-url", {database_url!r}, *{list(extra)!r}])
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        print(json.dumps({{"code": code, "before_mb": before, "peak_mb": max(peak[0], rss_mb()),
                           "seconds": seconds}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.slow
def test_exports_every_row_to_xlsx_and_csv_in_constant_memory(
    database_url: str, tmp_path: Path
) -> None:
    _load_rows(database_url)
    # The workbook is written alike whatever the store (export.py): at 100,000 rows it
    # is checked on PostgreSQL; each store's own reading is checked by the csv run.
    formats = ("csv",) if database_url.startswith("sqlite") else ("xlsx", "csv")
    for fmt in formats:
        output = tmp_path / f"callbacks.{fmt}"

        memory = _export(database_url, fmt, output, "--lang", "ko")

        growth = memory["peak_mb"] - memory["before_mb"]
        print(
            f"\nexport {fmt} of {ROWS:,} rows in {memory['seconds']:.1f} s: resident memory "
            f"before {memory['before_mb']:.1f} MB, peak {memory['peak_mb']:.1f} MB, "
            f"growth {growth:.1f} MB"
        )
        assert memory["code"] == 0
        assert growth < MAX_GROWTH_MB
        rows, request_ids = _read(output)
        assert rows[0][:3] == ["콜백 ID", "요청 ID", "요청 일시 (UTC)"]
        assert len(rows) == ROWS + 1
        assert request_ids == {f"bulk-{n}" for n in range(ROWS)}
        if fmt == "xlsx":
            assert isinstance(rows[1][2], datetime)  # a typed date-time cell


def _read(output: Path) -> tuple[list[list[object]], set[str]]:
    """The rows (a workbook's first two only: reading 100,000 rows of cells back took
    half a minute) and every request id in the file. A workbook's row count is its
    sheet's `<row>` elements, its request ids every `bulk-N` in its XML."""
    if output.suffix == ".xlsx":
        sheet = load_workbook(output, read_only=True).active
        head = [list(r) for r in sheet.iter_rows(max_row=2, values_only=True)]
        with zipfile.ZipFile(output) as z:
            xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
            sheet = b"".join(z.read(n) for n in z.namelist() if "worksheets/" in n)
        rows = head + [[] for _ in range(sheet.count(b"<row ") - len(head))]
        return rows, {m.decode() for m in re.findall(rb"bulk-\d+", xml)}
    with output.open(encoding="utf-8-sig", newline="") as f:
        found: list[list[object]] = [list(r) for r in csv.reader(f)]
    return found, {str(r[1]) for r in found[1:]}
