"""The views' commands as an operator uses them: zones kept, outputs a program can read,
exports that open well in Excel, interruptions that resume."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from adapters.bootstrap import build_read_side, build_service
from adapters.entrypoints.cli import main
from adapters.entrypoints.mistakes import OperatorError
from adapters.settings import Settings
from adapters.views.runner import ViewFollower
from adapters.views.schema import CALLBACK_LIST, VIEWS
from tests.factories import T0, assigned
from tests.integration.views_support import ZONE, open_world, play

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store(database_url: str) -> str:
    """Events, and live views built in Asia/Seoul (as `CALLBACKS_TIMEZONE` said then)."""
    world = open_world(database_url)
    play(world, (2, 60))
    # First assigned at 17:00 UTC: the 23rd in UTC, the 24th in Seoul.
    assigned(world.service, "a1", at=T0 + timedelta(hours=8))
    world.side.runner.catch_up(list(world.side.store.active().values()))
    world.side.close()
    world.service.close()
    return database_url


def live_zones(url: str) -> set[str]:
    settings = Settings.load(database_url=url)
    service = build_service(settings)
    side = build_read_side(settings, service, read_only=True, zone=False)
    try:
        return {g.timezone for g in side.store.active().values()}
    finally:
        side.close()
        service.close()


def test_a_rebuild_keeps_the_zone_the_views_were_built_in(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLBACKS_TIMEZONE", raising=False)
    code, _, err = run(capsys, "projections", "rebuild", "--database-url", store)
    assert code == 0, err
    assert live_zones(store) == {ZONE}  # not UTC, the default of a setting left unset

    # Another zone, explicitly: refused in one line, the live views untouched …
    code, _, err = run(
        capsys, "projections", "rebuild", "--database-url", store, "--timezone", "UTC"
    )
    assert code == 2 and err.count("\n") == 1
    assert "the views were built in Asia/Seoul, not UTC" in err
    assert live_zones(store) == {ZONE}
    # … the same when CALLBACKS_TIMEZONE says it …
    monkeypatch.setenv("CALLBACKS_TIMEZONE", "UTC")
    code, _, err = run(capsys, "projections", "rebuild", "--database-url", store)
    assert code == 2 and "CALLBACKS_TIMEZONE" in err
    # … and so does the service (it would answer reports in another zone).
    settings = Settings.load(database_url=store)
    service = build_service(settings)
    with pytest.raises(OperatorError, match="built in Asia/Seoul, not UTC"):
        build_read_side(settings, service)
    service.close()

    # A snapshot may be built in another zone; the live views keep theirs.
    code, _, err = run(
        capsys, "projections", "rebuild", "--database-url", store, "--snapshot", "utc"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "projections", "status", "--database-url", store, "--json")
    zones = {(g["kind"], g["status"], g["timezone"]) for g in json.loads(out)["generations"]}
    assert ("snapshot", "ready", "UTC") in zones
    assert ("live", "active", ZONE) in zones
    assert live_zones(store) == {ZONE}

    # Moving the deployment to another zone is said out loud.
    code, _, err = run(
        capsys, "projections", "rebuild", "--database-url", store, "--change-timezone"
    )
    assert code == 0, err
    assert live_zones(store) == {"UTC"}
    monkeypatch.delenv("CALLBACKS_TIMEZONE")
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
        "--json",
    )
    assert json.loads(out)["timezone"] == "UTC"


def test_the_follower_projects_each_generation_in_its_own_zone(store: str) -> None:
    settings = Settings.load(database_url=store)
    service = build_service(settings)
    side = build_read_side(settings, service)
    try:
        follower = ViewFollower(recorder=service.recorder, mapper=service.mapper, store=side.store)
        live = side.store.active()[CALLBACK_LIST]
        utc = side.store.create_generation(
            CALLBACK_LIST, kind="live", tag="g99", status="building", timezone="UTC"
        )
        follower.catch_up([live, utc])
        days: dict[str, dict[Any, str]] = {}
        for g in (live, utc):
            with side.store.tx(commit=False) as cur:
                rows = side.store.run(
                    cur,
                    f"SELECT callback_id, first_assigned_at, first_assigned_day "
                    f"FROM {side.store.table(CALLBACK_LIST, g.tag)} "
                    "WHERE first_assigned_day IS NOT NULL",
                )
            zone = ZoneInfo(g.timezone)
            for r in rows:
                at = side.store.dialect.from_db(r["first_assigned_at"], "ts")
                assert r["first_assigned_day"] == f"{at.astimezone(zone):%Y-%m-%d}"
            days[g.timezone] = {r["callback_id"]: r["first_assigned_day"] for r in rows}
        # Some callbacks were first assigned on another day in Seoul than in UTC.
        assert days[ZONE].keys() == days["UTC"].keys()
        assert days[ZONE] != days["UTC"]
    finally:
        side.close()
        service.close()


def test_outputs_for_programs(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "export",
        "--format",
        "csv",
        "--output",
        "-",
        "--database-url",
        store,
        "--lang",
        "ko",
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert (
        rows[0][2] == f"요청 일시 ({ZONE})" and rows[0][5] == "상태" and rows[0][7] == "완료 사유"
    )
    states = {r[5] for r in rows[1:]}
    assert states and states <= {"예약", "대기", "분배", "처리 중", "완료"}
    assert "written to standard output" in err
    callback_id = rows[1][0]

    code, out, _ = run(capsys, "history", callback_id, "--database-url", store, "--json")
    history = json.loads(out)
    assert code == 0 and history["callback_id"] == callback_id
    assert history["events"][0]["type"] == "Requested" and history["events"][0]["version"] == 1
    code, out, _ = run(capsys, "history", callback_id, "--database-url", store)
    assert "Requested" in out and "'" not in out.splitlines()[0].split("Requested", 1)[1][:40]

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
    assert code == 0 and table[-1]["period"] == "total"
    assert int(table[-1]["assigned"]) == sum(int(r["assigned"]) for r in table[:-1])
    code, out, _ = run(
        capsys,
        "report",
        "treatment-rate",
        "--database-url",
        store,
        "--from",
        "2026-11-01T00:00:00+09:00",
        "--to",
        "2026-12-31",
        "--json",
    )
    report = json.loads(out)
    assert report["from"] == "2026-11-01" and report["timezone"] == ZONE
    assert report["total"]["assigned"] == int(table[-1]["assigned"])


def test_an_excel_export_reads_well(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "list.xlsx"
    code, _, err = run(
        capsys,
        "export",
        "--format",
        "xlsx",
        "--output",
        str(output),
        "--database-url",
        store,
        "--lang",
        "ko",
    )
    assert code == 0, err
    sheet = load_workbook(output).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:T{sheet.max_row}"  # 20 columns
    assert header[2] == f"요청 일시 ({ZONE})" and header[6] == "처리 상태"
    assert {c.value for c in sheet["G"][1:]} <= {"등록", "미처리", "취소", "완료"}
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["A"] >= 36  # a callback id fits
    assert widths["C"] >= 19  # a date-time fits


def test_a_snapshot_is_dropped_by_name(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(capsys, "projections", "rebuild", "--database-url", store, "--snapshot", "nov")[0] == 0
    )
    code, out, _ = run(capsys, "projections", "drop", "nov", "--database-url", store)
    assert code == 0 and "nov dropped" in out
    code, _, err = run(capsys, "projections", "drop", "nov", "--database-url", store)
    assert code == 2 and "no snapshot named 'nov'" in err
    code, out, _ = run(capsys, "projections", "status", "--database-url", store, "--json")
    assert all(g["kind"] == "live" for g in json.loads(out)["generations"])


def test_ctrl_c_during_a_rebuild_is_one_line_and_the_next_one_resumes(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.views.rebuild.REBUILD_BATCH", 10)
    real = ViewFollower.run_batch
    calls = {"n": 0}

    def interrupted(self: ViewFollower, *args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ViewFollower, "run_batch", interrupted)
    code, _, err = run(capsys, "projections", "rebuild", "--database-url", store)
    assert code == 130
    assert err.strip().splitlines()[-1].startswith("callbacks: projections rebuild interrupted")
    code, out, _ = run(capsys, "projections", "status", "--database-url", store, "--json")
    building = [g for g in json.loads(out)["generations"] if g["status"] == "building"]
    assert len(building) == len(VIEWS) and all(g["position"] == 20 for g in building)

    monkeypatch.setattr(ViewFollower, "run_batch", real)
    code, out, err = run(capsys, "projections", "rebuild", "--database-url", store)
    assert code == 0, err
    tags = {g["generation"] for g in building}
    assert all(tag in out for tag in tags)  # the interrupted generations, finished


def test_ctrl_c_during_an_export_leaves_no_partial_file(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("adapters.views.queries.ViewQueries._page", interrupted)
    output = tmp_path / "list.csv"
    code, _, err = run(
        capsys, "export", "--format", "csv", "--output", str(output), "--database-url", store
    )
    assert code == 130 and err.count("\n") == 1 and "export interrupted" in err
    assert not output.exists()
