"""A generation of a view: one set of its tables, live or a named snapshot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from adapters.entrypoints.mistakes import OperatorError

LIVE, SNAPSHOT = "live", "snapshot"
BUILDING, ACTIVE, RETIRED, READY = "building", "active", "retired", "ready"
_SNAPSHOT_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Generation:
    """One set of tables of one view: a live generation, or a named snapshot."""

    view: str
    tag: str
    kind: str
    status: str
    timezone: str
    until_position: int | None
    as_of: str | None
    created_at: str

    @property
    def key(self) -> str:
        """Its tracking key."""
        return f"{self.view}@{self.tag}"

    def params(self) -> dict[str, Any]:
        """Its registry row."""
        return {
            "view": self.view,
            "tag": self.tag,
            "kind": self.kind,
            "status": self.status,
            "timezone": self.timezone,
            "until_position": self.until_position,
            "as_of": self.as_of,
            "created_at": self.created_at,
        }


def snapshot_name(name: str) -> str:
    """A snapshot's name, checked before any work starts."""
    if not _SNAPSHOT_NAME.match(name):
        raise OperatorError(
            "--snapshot",
            f"{name!r} is not a snapshot name",
            "use 1 to 40 of a-z, 0-9 and _, e.g. --snapshot end_of_2026",
        )
    return name


def snapshot_tag(name: str) -> str:
    return f"s_{name}"
