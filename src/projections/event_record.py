"""A stored event as plain data: what history shows and what the event stream carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_AUDIT = {"actor", "role", "channel"}
_SECRET = {"password_hash"}  # kept in the log, never shown in history or on the wire
_HIDDEN = frozenset(_ENVELOPE | _AUDIT | _SECRET)  # not an event's own data
_AS_IS = frozenset({str, int, float, bool, type(None)})  # JSON-ready as they are


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:  # most fields: one set lookup (the views' rebuild does millions)
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def event_data(fields: dict[str, Any]) -> dict[str, Any]:
    """An event's own fields (its `vars`), JSON-ready: no envelope, audit or secret."""
    return {k: _plain(v) for k, v in fields.items() if k not in _HIDDEN}


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    """One event of the log, at its position.

    `aggregate` is "Callback", "Agent", "PhoneLine", "PolicyBook", "User" or "RouteBook";
    `type` the event's name (e.g. "Assigned"); `data` its own fields, JSON-ready.
    """

    position: int
    aggregate: str
    aggregate_id: UUID
    version: int
    type: str
    at: datetime
    actor: str | None
    role: str | None
    channel: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Any, position: int) -> EventRecord:
        aggregate, _, name = type(event).__qualname__.rpartition(".")
        fields = vars(event)
        return cls(
            position=position,
            aggregate=aggregate,
            aggregate_id=event.originator_id,
            version=event.originator_version,
            type=name,
            at=event.timestamp,
            actor=fields.get("actor"),
            role=fields.get("role"),
            channel=fields.get("channel"),
            data=event_data(fields),
        )

    def as_json(self) -> dict[str, Any]:
        """The wire form: `callbacks.events.*` messages and history entries."""
        return {
            "position": self.position,
            "aggregate": self.aggregate,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "type": self.type,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "role": self.role,
            "channel": self.channel,
            **self.data,
        }
