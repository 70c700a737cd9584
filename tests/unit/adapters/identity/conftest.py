"""Identity tests: a data directory of their own, and cheap argon2 parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher

from adapters.identity.passwords import Passwords
from adapters.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("CALLBACKS_SIGNING_KEYS_FILE", "CALLBACKS_TOKEN_ISSUER", "CALLBACKS_OIDC_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    return Settings.load(data_dir=tmp_path / "data")


@pytest.fixture
def passwords() -> Passwords:
    """Fast parameters: what is tested is the wiring, not argon2's cost."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
