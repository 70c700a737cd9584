"""The key set and its file: rotation, retirement, mode 0600, operator mistakes."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from adapters.entrypoints.mistakes import OperatorError
from adapters.identity.key_file import KeyFile
from adapters.identity.keys import KeySet, KeySetError

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.settings import Settings

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_rotation_adds_an_active_key_and_keeps_the_old_one_verifying() -> None:
    first = KeySet.new(NOW)
    rotated = first.rotated(NOW)
    assert rotated.active != first.active
    assert [k.kid for k in rotated.keys] == [first.active, rotated.active]
    assert rotated.public_key(first.active) is not None
    assert rotated.signing_key().kid == rotated.active


def test_retiring_removes_a_key_but_never_the_active_one_or_an_unknown_one() -> None:
    keys = KeySet.new(NOW).rotated(NOW)
    old = keys.keys[0].kid
    assert keys.retired(old).public_key(old) is None
    with pytest.raises(KeySetError, match="active key; rotate first"):
        keys.retired(keys.active)
    with pytest.raises(KeySetError, match="no key 'nope'"):
        keys.retired("nope")


def test_a_key_set_survives_its_json() -> None:
    keys = KeySet.new(NOW).rotated(NOW)
    again = KeySet.from_json(keys.to_json())
    assert again.active == keys.active
    assert [(k.kid, k.created_at) for k in again.keys] == [(k.kid, k.created_at) for k in keys.keys]
    message = b"signed"
    assert again.public_key(keys.active) is not None
    again.public_key(keys.active).verify(keys.signing_key().private_key.sign(message), message)  # type: ignore[union-attr]


def test_the_default_key_file_is_created_on_first_use_readable_by_its_owner_only(
    settings: Settings,
) -> None:
    key_file = KeyFile.of(settings)
    assert key_file.path == settings.data_dir / "signing-keys.json"
    assert not key_file.path.exists()
    keys = key_file.current()
    assert stat.S_IMODE(key_file.path.stat().st_mode) == 0o600
    assert KeyFile.of(settings).current().active == keys.active  # the same key next time


def test_a_key_file_named_by_the_setting_must_exist(tmp_path: Path, settings: Settings) -> None:
    named = settings.model_copy(update={"signing_keys_file": tmp_path / "shared" / "keys.json"})
    with pytest.raises(OperatorError) as e:
        KeyFile.of(named).current()
    assert e.value.setting == "CALLBACKS_SIGNING_KEYS_FILE"
    assert "callbacks keys rotate" in e.value.fix
    assert not (tmp_path / "shared" / "keys.json").exists()


def test_a_key_file_others_may_read_is_refused(settings: Settings) -> None:
    key_file = KeyFile.of(settings)
    key_file.current()
    key_file.path.chmod(0o644)
    with pytest.raises(OperatorError, match="may be read by others") as e:
        KeyFile.of(settings).current()
    assert e.value.fix == f"chmod 600 {key_file.path}"


@pytest.mark.parametrize(
    "text",
    ["not json", json.dumps({"version": 1, "active": "a", "keys": []}), json.dumps([1])],
)
def test_a_damaged_key_file_is_an_operator_mistake(settings: Settings, text: str) -> None:
    path = settings.data_dir / "signing-keys.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(OperatorError, match="is not a key file"):
        KeyFile.of(settings).current()


def test_a_running_reader_follows_another_process_rotating_the_file(settings: Settings) -> None:
    reader = KeyFile.of(settings)
    before = reader.current()
    writer = KeyFile.of(settings)
    writer.save(writer.current().rotated(NOW))
    after = reader.current()
    assert after.active != before.active
    assert after.public_key(before.active) is not None
