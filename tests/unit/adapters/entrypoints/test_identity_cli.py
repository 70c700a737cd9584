"""`callbacks token issue` and `callbacks keys rotate | list | retire`, through cli.main."""

from __future__ import annotations

import argparse
import stat
import time
from typing import TYPE_CHECKING

import jwt
import pytest

from adapters.entrypoints.cli import main, parser
from adapters.identity.errors import UnauthenticatedError
from adapters.identity.verifier import Verifier
from adapters.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CALLBACKS_SIGNING_KEYS_FILE", "CALLBACKS_DATA_DIR", "CALLBACKS_TOKEN_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_token_issue_prints_a_token_the_service_accepts(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        capsys, "token", "issue", "--actor", "ivr-1", "--role", "ivr", "--ttl", "30",
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert (code, err) == (0, "")
    token = out.strip()
    claims = Verifier.of(Settings.load(data_dir=data_dir)).verify(token)
    assert (claims.actor, claims.role) == ("ivr-1", "IVR")
    assert abs(claims.expires_at - (time.time() + 30 * 86_400)) < 60
    assert stat.S_IMODE((data_dir / "signing-keys.json").stat().st_mode) == 0o600


def test_token_issue_defaults_to_90_days_for_systems_and_12_hours_for_people(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verifier = Verifier.of(Settings.load(data_dir=data_dir))
    for role, ttl in (("CTI", 90 * 86_400), ("SUPERVISOR", 12 * 3600)):
        _, out, _ = _run(
            capsys, "token", "issue", "--actor", "x", "--role", role, "--data-dir", str(data_dir)
        )
        assert abs(verifier.verify(out.strip()).expires_at - (time.time() + ttl)) < 60


def test_the_settings_of_serve_choose_the_key_file(
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = tmp_path / "shared-keys.json"
    monkeypatch.setenv("CALLBACKS_SIGNING_KEYS_FILE", str(shared))
    code, _, err = _run(capsys, "token", "issue", "--actor", "a", "--role", "IVR")
    assert code == 2
    assert err == (
        f"callbacks: CALLBACKS_SIGNING_KEYS_FILE: no key file at {shared}; create it with "
        "`callbacks keys rotate`, or copy the deployment's\n"
    )
    assert _run(capsys, "keys", "rotate")[0] == 0
    _, out, _ = _run(capsys, "token", "issue", "--actor", "a", "--role", "IVR")
    assert jwt.get_unverified_header(out.strip())["kid"] in shared.read_text()


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["--role", "ROOT"],
            "callbacks: --role: unknown role 'ROOT'; "
            "use one of ADMIN, SUPERVISOR, AGENT, MONITOR, IVR, CTI",
        ),
        (
            ["--role", "IVR", "--ttl", "0"],
            "callbacks: --ttl: 0.0 days is out of range; give 0 < DAYS <= 3650",
        ),
        (
            ["--role", "IVR", "--actor", " "],
            "callbacks: --actor: the actor must be 1 to 200 printable characters",
        ),
    ],
)
def test_token_issue_mistakes_are_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    code, out, err = _run(
        capsys, "token", "issue", "--actor", "ivr-1", *argv, "--data-dir", str(data_dir)
    )
    assert (code, out) == (2, "")
    assert err.startswith(line)
    assert err.count("\n") == 1


def test_an_unreadable_key_file_is_a_mistake(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir()
    (data_dir / "signing-keys.json").write_text("{}")
    (data_dir / "signing-keys.json").chmod(0o600)
    code, _, err = _run(capsys, "keys", "list", "--data-dir", str(data_dir))
    assert code == 2
    assert err.startswith("callbacks: CALLBACKS_SIGNING_KEYS_FILE: ")
    assert "is not a key file" in err


def test_rotate_list_retire_revokes_the_tokens_of_a_retired_key(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["--data-dir", str(data_dir)]
    _, leaked, _ = _run(capsys, "token", "issue", "--actor", "ivr-1", "--role", "IVR", *d)
    old_kid = jwt.get_unverified_header(leaked.strip())["kid"]
    code, out, _ = _run(capsys, "keys", "rotate", *d)
    assert code == 0 and "older keys still verify" in out
    new_kid = out.split()[2]
    _, listing, _ = _run(capsys, "keys", "list", *d)
    rows = [line.split() for line in listing.splitlines()]
    assert [(r[0], r[2]) for r in rows] == [(old_kid, "verifies"), (new_kid, "active")]
    verifier = Verifier.of(Settings.load(data_dir=data_dir))
    assert verifier.verify(leaked.strip()).actor == "ivr-1"

    code, out, _ = _run(capsys, "keys", "retire", old_kid, *d)
    assert (code, out) == (0, f"retired {old_kid}: tokens it signed are refused from now on\n")
    with pytest.raises(UnauthenticatedError, match="unknown or retired key"):
        verifier.verify(leaked.strip())


@pytest.mark.parametrize(
    ("kid", "problem"), [("active", "is the active key"), ("nope", "no key 'nope'")]
)
def test_retiring_the_active_or_an_unknown_key_is_a_mistake(
    data_dir: Path, capsys: pytest.CaptureFixture[str], kid: str, problem: str
) -> None:
    d = ["--data-dir", str(data_dir)]
    _, out, _ = _run(capsys, "keys", "rotate", *d)
    active = out.split()[2]
    code, _, err = _run(capsys, "keys", "retire", active if kid == "active" else kid, *d)
    assert code == 2
    assert err.startswith("callbacks: KID: ") and problem in err
    assert err.rstrip().endswith("see `callbacks keys list`")


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def test_every_option_and_command_has_a_help_string() -> None:
    top = _subparsers(parser())
    commands = [
        (f"{name} {sub}", sp)
        for name in ("token", "keys")
        for sub, sp in _subparsers(top[name]).items()
    ]
    assert sorted(c for c, _ in commands) == [
        "keys list", "keys retire", "keys rotate", "token issue"
    ]  # fmt: skip
    for command, sp in commands:
        for action in sp._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{command} {action.dest} has no help"
