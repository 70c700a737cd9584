"""Every subject's payload and reply data model, by name (`schemas/json/<name>.v1.json`):
views of the subject table (adapters.messaging.table), for schemas and contract checks."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from adapters.messaging.publications import PUBLISHED as _PUBLISHED
from adapters.messaging.table import SUBJECTS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

# Names are subjects without the configurable prefix; `{agent_id}` tokens dropped.
PAYLOADS: Mapping[str, type[BaseModel]] = MappingProxyType({s.name: s.payload for s in SUBJECTS})
REPLIES: Mapping[str, type[BaseModel]] = MappingProxyType(
    {s.name: s.reply for s in SUBJECTS if s.reply is not None}
)
# What the service publishes, by schema name.
PUBLISHED: Mapping[str, type[BaseModel]] = MappingProxyType({p.schema: p.model for p in _PUBLISHED})
