"""`callbacks serve` with CALLBACKS_SMS_PROVIDER=nhn and a key missing: one line naming
the setting, exit code 2, before anything starts."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.serve_support import service_environment

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({}, "CALLBACKS_NHN_SMS_APP_KEY"),
        ({"nhn_sms_app_key": "app"}, "CALLBACKS_NHN_SMS_SECRET_KEY"),
    ],
)
def test_serve_refuses_nhn_without_its_keys_in_one_line(
    tmp_path: Path, given: dict[str, str], named: str
) -> None:
    env = service_environment(
        data_dir=str(tmp_path / "data"), embedded_nats_port="0", sms_provider="nhn", **given
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
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"callbacks: {named}: is required"), done.stderr
    assert not (tmp_path / "data").exists()  # nothing started
