"""The key set's file (CALLBACKS_SIGNING_KEYS_FILE): mode 0600, reread when it changes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from adapters.entrypoints.mistakes import OperatorError
from adapters.identity.keys import KeySet
from adapters.identity.private_files import others_may_read, write_private

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.settings import Settings

SETTING = "CALLBACKS_SIGNING_KEYS_FILE"
DEFAULT_NAME = "signing-keys.json"


class KeyFile:
    """One key file. `current()` rereads it when another process (`callbacks keys
    rotate` / `retire`) changed it, so a running service follows rotations at once.

    A missing file is created on first use only at the default place under the data
    directory; a file named by the setting must exist (hosts sharing keys must share it).
    """

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        self.create = create
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._keys: KeySet | None = None

    @classmethod
    def of(cls, settings: Settings) -> KeyFile:
        if settings.signing_keys_file is not None:
            return cls(settings.signing_keys_file, create=False)
        return cls(settings.data_dir / DEFAULT_NAME, create=True)

    def current(self) -> KeySet:
        with self._lock:
            stamp = self._stamp()
            if stamp is None:
                if not self.create:
                    raise OperatorError(
                        SETTING,
                        f"no key file at {self.path}",
                        "create it with `callbacks keys rotate`, or copy the deployment's",
                    )
                self._save(KeySet.new(datetime.now(UTC)))
                stamp = self._stamp()
            if self._keys is None or stamp != self._seen:
                self._keys = self._read()
                self._seen = stamp
            return self._keys

    def save(self, keys: KeySet) -> None:
        with self._lock:
            self._save(keys)

    def _save(self, keys: KeySet) -> None:
        try:
            write_private(self.path, keys.to_json())
        except OSError as e:
            raise OperatorError(
                SETTING, f"cannot write {self.path} ({e.strerror})", "check the directory"
            ) from None
        self._keys, self._seen = keys, self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise OperatorError(
                SETTING, f"cannot read {self.path} ({e.strerror})", "check its path"
            ) from None
        return st.st_mtime_ns, st.st_size

    def _read(self) -> KeySet:
        if others_may_read(self.path):
            raise OperatorError(
                SETTING,
                f"{self.path} may be read by others than its owner",
                f"chmod 600 {self.path}",
            )
        try:
            return KeySet.from_json(self.path.read_text(encoding="utf-8"))
        except OSError as e:
            raise OperatorError(
                SETTING, f"cannot read {self.path} ({e.strerror})", "check its owner and mode"
            ) from None
        except (ValueError, KeyError, TypeError) as e:
            raise OperatorError(
                SETTING,
                f"{self.path} is not a key file ({e})",
                "restore it from a backup, or remove it and issue new tokens",
            ) from None
