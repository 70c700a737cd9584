"""Checks a real reply against its published model: every field known, every type right.

`Client_.ok` runs this on every successful reply, so each end-to-end flow also proves that
schemas/json describes what the service actually answers (no undocumented field, no field
of the wrong type, none missing).
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from adapters.messaging.messages.catalog import PUBLISHED, REPLIES


def catalog_name(subject: str) -> str:
    """`agent.kim.dial` → `agent.dial`; `cti.presence.kim` → `cti.presence`."""
    parts = subject.split(".")
    if parts[0] == "agent" and len(parts) == 3:
        return f"agent.{parts[2]}"
    if parts[:2] == ["cti", "presence"]:
        return "cti.presence"
    return subject


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def unknown_fields(model: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """Keys of `data` (recursively) that `model` does not declare."""
    if not isinstance(data, dict):
        return []
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    extra_allowed = model.model_config.get("extra") == "allow"
    problems = [f"{path}{key}" for key in data if key not in fields and not extra_allowed]
    for key, field in fields.items():
        value = data.get(key)
        for inner in _models_in(field.annotation):
            values = value if isinstance(value, list) else [value]
            for n, item in enumerate(values):
                problems += unknown_fields(
                    inner, item, f"{path}{key}.{n}." if isinstance(value, list) else f"{path}{key}."
                )
    return problems


def check_reply(subject: str, data: dict[str, Any]) -> None:
    model = REPLIES.get(catalog_name(subject))
    assert model is not None, f"no reply model for {subject}"
    model.model_validate(data)  # types and required fields
    extra = unknown_fields(model, data)
    assert not extra, f"{subject} answered fields its schema does not declare: {extra}"


def check_published(subject: str, body: dict[str, Any]) -> None:
    """A published message (`notify.agent.kim`, `events.<id>.Assigned`) against its schema."""
    parts = subject.split(".")
    name = "events" if parts[0] == "events" else ".".join(parts[:2])
    model = PUBLISHED[name]
    model.model_validate(body)
    extra = unknown_fields(model, body)
    assert not extra, f"{subject} carried fields its schema does not declare: {extra}"
