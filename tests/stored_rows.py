"""Event-store rows kept as JSON in tests/data (logs an earlier version wrote), as the
recorders take them back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent


def stored_events(rows: list[dict[str, Any]]) -> list[StoredEvent]:
    """Rows of `originator_id`, `originator_version`, `topic` and `state` (JSON text)."""
    return [
        StoredEvent(
            originator_id=UUID(r["originator_id"]),
            originator_version=r["originator_version"],
            topic=r["topic"],
            state=r["state"].encode(),
        )
        for r in rows
    ]
