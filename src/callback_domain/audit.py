"""Who passed an event, as every event records it: actor, role, channel and issuer.

`issuer` (who vouches for actor and role) came with tokens; events stored before it read
as UNVERIFIED, through eventsourcing's upcasting (stored events are never rewritten)."""

from __future__ import annotations

from typing import Any

UNVERIFIED = "unverified"  # named by headers, or recorded before tokens


class AuditedEvent:
    """Mixed into each aggregate's `Event` base class, beside its audit fields."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("issuer", UNVERIFIED)
