"""The view store: generations of view tables, their rows, and their positions.

Its jobs live apart: SQL plumbing (sql_access), the generations' registry
(registry), the rows (rows); here they meet the tracking recorder's positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking

from adapters.views.generation import (
    ACTIVE,
    BUILDING,
    LIVE,
    READY,
    RETIRED,
    SNAPSHOT,
    Generation,
    snapshot_tag,
)
from adapters.views.registry import GenerationRegistry
from adapters.views.rows import RowWriter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.batch import ViewBatch

__all__ = [
    "ACTIVE",
    "BUILDING",
    "LIVE",
    "READY",
    "RETIRED",
    "SNAPSHOT",
    "Generation",
    "ViewStore",
    "snapshot_tag",
]


class ViewStore(GenerationRegistry, RowWriter):
    """Mixed into an eventsourcing tracking recorder, which owns the connections
    and the tracking table; every write here commits rows and positions together.
    """

    if TYPE_CHECKING:  # the tracking recorder's, after this class in the MRO

        def max_tracking_id(self, application_name: str) -> int | None: ...

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

    def position(self, generation: Generation) -> int:
        return self.max_tracking_id(generation.key) or 0

    def positions(self, generations: Sequence[Generation]) -> dict[str, int]:
        """Each generation's position by key: on PostgreSQL in one query (the live loop
        asks before every batch), elsewhere one by one."""
        if self.dialect.name != "postgres" or len(generations) < 2:
            return {g.key: self.position(g) for g in generations}
        params: dict[str, Any] = {}
        where = self.in_list("application_name", [g.key for g in generations], params, "text")
        with self.tx(commit=False) as cur:
            rows = self.run(
                cur,
                f"SELECT application_name AS k, max(notification_id) AS n "
                f"FROM {self.tracking_table} WHERE {where} GROUP BY application_name",
                params,
            )
        found = {r["k"]: r["n"] for r in rows}
        return {g.key: int(found.get(g.key) or 0) for g in generations}

    def write(self, batches: Sequence[tuple[Generation, ViewBatch[Any]]], position: int) -> None:
        """Writes each generation's rows and its position in ONE transaction."""
        with self.tx(commit=True) as cur:
            for generation, batch in batches:
                self._write_rows(cur, generation, batch)
                self._insert_tracking(cur, Tracking(generation.key, position))
