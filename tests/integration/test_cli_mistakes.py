"""Start-up and option mistakes: one line naming the setting and the fix, exit code 2.

Issue 10, defect 5: a missing PostgreSQL database, a refused connection, an export
path in a missing folder and a bad time zone ended in tracebacks (the last one in a
pydantic block with a URL), and read-only commands created an empty database at a
mistyped SQLite path.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import psycopg
import pytest

from adapters.database import Database
from adapters.entrypoints.cli import main
from tests.integration.views_support import open_world, play
from tests.serve_support import service_environment

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

READ_ONLY = (
    ["history", "0b7e5c2a-2c4c-4b3c-9a0e-123456789abc"],
    ["report", "treatment-rate", "--from", "2026-11-01", "--to", "2026-11-30"],
    ["export", "--format", "csv", "--output", "-"],
    ["projections", "status"],
    ["projections", "drop", "old"],
)


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str) -> str:
    """Runs `callbacks argv`: exit code 2 and one line on stderr naming `words`."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own refusals
        code = int(e.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("callbacks: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with events and views (Asia/Seoul)."""
    url = f"sqlite:///{tmp_path / 'store' / 'events.sqlite'}"
    world = open_world(url)
    play(world, (1, 30))
    world.side.runner.catch_up(list(world.side.store.active().values()))
    world.side.close()
    world.service.close()
    return url


@pytest.mark.parametrize("argv", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_create_nothing_at_a_mistyped_sqlite_path(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "dta"
    one_line(capsys, [*argv, "--data-dir", str(typo)], "CALLBACKS_DATA_DIR", "no event store")
    url = f"sqlite:///{tmp_path / 'evnets.sqlite'}"
    one_line(capsys, [*argv, "--database-url", url], "CALLBACKS_DATABASE_URL", "evnets.sqlite")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", READ_ONLY[1:], ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_make_no_views_as_a_side_effect(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    world = open_world(url)
    world.side.close()
    world.service.close()
    (tmp_path / "events.views.sqlite").unlink()  # a log whose views were never made
    one_line(capsys, [*argv, "--database-url", url], "no views", "projections rebuild")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.sqlite"]


@pytest.mark.postgres
def test_read_only_commands_create_no_schema_on_postgres(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{postgres_url}?schema=test_never_made"
    for argv in READ_ONLY:
        one_line(capsys, [*argv, "--database-url", url], "no schema 'test_never_made'")
    db = Database.parse(postgres_url)
    with psycopg.connect(db.conninfo()) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = 'test_never_made'"
        ).fetchone()
    assert found is None


@pytest.mark.postgres
@pytest.mark.parametrize(
    "argv", [["projections", "rebuild"], ["projections", "status"], ["history", "x"]]
)
def test_postgres_database_that_does_not_exist(
    argv: list[str], postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database.parse(postgres_url)
    url = f"postgresql://{db.user}@{db.host}:{db.port}/no_such_database_h1"
    one_line(
        capsys,
        [*argv, "--database-url", url],
        "CALLBACKS_DATABASE_URL",
        "no database 'no_such_database_h1'",
        "createdb",
    )


@pytest.mark.parametrize(
    "argv", [["projections", "rebuild"], ["export", "--format", "csv", "--output", "-"]]
)
def test_a_refused_postgres_connection(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://root@127.0.0.1:{free_port()}/test"
    one_line(capsys, [*argv, "--database-url", url], "CALLBACKS_DATABASE_URL", "connection refused")


@pytest.mark.postgres
def test_the_service_refuses_a_database_that_does_not_exist_in_one_line(
    postgres_url: str, tmp_path: Path
) -> None:
    db = Database.parse(postgres_url)
    env = service_environment(
        database_url=f"postgresql://{db.user}@{db.host}:{db.port}/no_such_database_h1",
        data_dir=str(tmp_path / "data"),
        embedded_nats_port="0",
    )
    done = subprocess.run(
        [sys.executable, "-m", "adapters.entrypoints.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "no database 'no_such_database_h1'" in done.stderr


def test_an_export_path_in_a_missing_folder_is_refused_before_any_work(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "reports" / "november.xlsx"
    argv = ["export", "--format", "xlsx", "--output", str(output), "--database-url", store]
    one_line(capsys, argv, "--output", "no folder", "create the folder")
    assert not output.parent.exists()


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CALLBACKS_TIMEZONE", "Asia/Seol", "not an IANA time zone"),
        ("CALLBACKS_METRICS_PORT", "99999", "65535"),
        ("CALLBACKS_DEFAULT_POLICY__MAX_ATTEMPTS", "0", "greater than or equal to 1"),
        ("CALLBACKS_LOG_FORMAT", "xml", "'text' or 'json'"),
        ("CALLBACKS_ROLE", "follower", "'all', 'commands' or 'followers'"),
        ("CALLBACKS_ROUTE_POLICIES", "{not json", "JSON"),
    ],
)
def test_a_bad_setting_is_one_line_without_pydantic_s_block(
    variable: str, value: str, named: str, tmp_path: Path
) -> None:
    env = service_environment(data_dir=str(tmp_path / "data"))
    env[variable] = value
    for argv in (["projections", "status"], ["serve"]):
        done = subprocess.run(
            [sys.executable, "-m", "adapters.entrypoints.cli", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"callbacks: {variable}: ") and named in done.stderr
        assert "pydantic" not in done.stderr and "http" not in done.stderr
    assert not (tmp_path / "data").exists()


def test_a_bad_time_zone_option_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["projections", "rebuild", "--timezone", "Mars/Olympus", "--data-dir", str(tmp_path)]
    one_line(capsys, argv, "--timezone", "not an IANA time zone")


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--status", "DONE"], "--status: must be 'REGISTERED'"),
        (["--state", "queued"], "--state: must be"),
        (["--from", "2026-11-02", "--to", "2026-11-01"], "--to: must not be before from"),
        (["--from", "2026-11-01T09:00:00"], "--from"),  # a time without its offset
        (["--from", "yesterday"], "--from"),
        (["--agent", "a" * 65], "--agent"),
        (["--snapshot", "Bad-Name"], "--snapshot"),
        (["--lang", "fr"], "--lang"),
        (["--phone-suffix", "12"], "--phone-suffix"),
        (["--type", "LATER"], "--type: must be 'IMMEDIATE' or 'SCHEDULED'"),
        (["--route", "a", "--state", "QUEUED", "--state", "done"], "--state: must be"),
        (["--desired-from", "2026-11-02", "--desired-to", "2026-11-01"], "--desired-to"),
        (["--overdue", "maybe"], "--overdue"),
    ],
)
def test_export_filters_are_checked_like_query_list(
    options: list[str], named: str, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--format", "csv", "--output", "-", "--database-url", store, *options]
    one_line(capsys, argv, named)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--from", "2026-11-30", "--to", "2026-11-01"], "--to: must not be before from"),
        (["--from", "2025-01-01", "--to", "2026-11-01"], "--to: must be within 366 days"),
        (["--from", "2026-11-01", "--to", "30/11/2026"], "--to"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--by", "week"], "--by"),
    ],
)
def test_report_options_are_checked_like_query_treatment_rate(
    options: list[str], named: str, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one_line(capsys, ["report", "treatment-rate", "--database-url", store, *options], named)


def test_a_bad_snapshot_name_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["projections", "rebuild", "--snapshot", "Q4 report", "--data-dir", str(tmp_path / "d")]
    one_line(capsys, argv, "--snapshot", "a-z, 0-9 and _")
    one_line(
        capsys,
        ["projections", "rebuild", "no-such-view", "--data-dir", str(tmp_path / "d")],
        "no view named",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "named"),
    [("mysql://root@localhost/callbacks", "unsupported database URL"), ("sqlite://", "no file")],
)
def test_a_database_url_of_another_kind_is_one_line(
    url: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["projections", "status"], ["projections", "rebuild"], ["serve"]):
        one_line(capsys, [*argv, "--database-url", url], "CALLBACKS_DATABASE_URL", named)
