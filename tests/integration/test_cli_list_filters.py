"""`callbacks export` with every list filter, and a treatment-rate report that adds up."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.test_cli_views import run, store

pytestmark = pytest.mark.integration
__all__ = ["store"]  # the fixture: a played log with live views


def test_export_takes_the_list_filters_and_the_report_adds_up(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def exported(*options: str) -> list[dict[str, str]]:
        argv = ("export", "--format", "csv", "--output", "-", "--database-url", store)
        code, out, err = run(capsys, *argv, *options)
        assert code == 0, err
        return list(csv.DictReader(io.StringIO(out)))

    every = exported()
    ids = {r["Callback ID"] for r in every}
    assert ids and {r["Phone"][:3] for r in every} == {"+82"}  # both spellings: E.164
    assert {r["Phone (national)"][:4] for r in every} == {"010-"}
    assert {r["Callback ID"] for r in exported("--route", "billing", "--route", "tech")} == ids
    scheduled = {r["Callback ID"] for r in exported("--type", "SCHEDULED")}
    immediate = {r["Callback ID"] for r in exported("--type", "IMMEDIATE")}
    assert scheduled | immediate == ids and not scheduled & immediate
    overdue = {r["Callback ID"] for r in exported("--overdue", "yes")}
    assert overdue | {r["Callback ID"] for r in exported("--overdue", "no")} == ids
    some = every[0]["Phone"]
    same = {r["Callback ID"] for r in every if r["Phone"] == some}
    assert {r["Callback ID"] for r in exported("--phone", every[0]["Phone (national)"])} == same
    assert {r["Callback ID"] for r in exported("--phone-suffix", some[-4:])} >= same

    code, out, _ = run(
        capsys,
        "report",
        "treatment-rate",
        "--database-url",
        store,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--format",
        "csv",
    )
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and table[-1]["period"] == "total" and int(table[-1]["assigned"]) > 0
    for row in table:
        parts = ("completed", "unprocessed", "failed", "released")
        assert int(row["assigned"]) == sum(int(row[p]) for p in parts), row
