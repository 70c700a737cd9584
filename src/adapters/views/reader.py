"""How every question reads the views: which generation, one read transaction, positions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from adapters.views.schema import CALLBACK_LIST, LOG_TIMES, TABLES
from callback_domain.phones import PhoneNumbers

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from adapters.views.store import Generation, ViewStore


class ViewReader:
    """Reads the active generations, a named snapshot's, or the `generations` given
    (e.g. the ones a rebuild just filled, before they are active)."""

    def __init__(
        self,
        store: ViewStore,
        *,
        snapshot: str | None = None,
        generations: Mapping[str, Generation] | None = None,
        phones: PhoneNumbers | None = None,
    ) -> None:
        self.store, self.snapshot, self.generations = store, snapshot, generations
        self.phones = phones or PhoneNumbers()  # how a number filtered on is read

    def generation(self, view: str, *, cursor: Any = None) -> Generation:
        if self.generations is not None:
            found = self.generations
        elif self.snapshot:
            found = self.store.snapshot(self.snapshot, cursor=cursor)
        else:
            found = self.store.active(cursor=cursor)
        if view not in found:
            msg = (
                f"no {view} view yet; start `callbacks serve` "
                "or run `callbacks projections rebuild`"
            )
            raise LookupError(msg)
        return found[view]

    def _q(self, view: str, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._many(view, [(sql, params)])[0]

    def _many(
        self, view: str, statements: list[tuple[str, dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """Runs statements on the view's generation in ONE read transaction (which
        generation is active is read in it too: one connection, one round trip each).
        `{t}` in a statement stands for the generation's table, `{c}` for its counts."""
        with self.store.tx(commit=False) as cur:
            generation = self.generation(view, cursor=cur)
            table = self.store.table(view, generation.tag)
            counts = self.store.counts_table(view, generation.tag)
            return [
                self.store.run(cur, sql.replace("{t}", table).replace("{c}", counts), params)
                for sql, params in statements
            ]

    def _rows(self, view: str, sql: str, params: dict[str, Any]) -> list[Any]:
        table = TABLES[view]
        return [table.from_record(r, self.store.dialect) for r in self._q(view, sql, params)]

    def _ts(self, value: datetime) -> Any:
        return self.store.dialect.to_db(value, "ts")

    # Log positions: read-your-writes, and "as of" a time ----------------------------

    def position(self, view: str = CALLBACK_LIST) -> int:
        return self.store.position(self.generation(view))

    def wait_for(self, position: int, *, timeout: float = 2.0, view: str = CALLBACK_LIST) -> bool:
        """Waits until the view has applied `position`; False if it did not in time."""
        deadline, pause = time.monotonic() + timeout, 0.005
        while self.position(view) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    def position_at(self, at: datetime) -> int:
        """The log position "as of" `at`: everything before the first event after it."""
        (first_after,) = self._q(
            LOG_TIMES, "SELECT min(position) AS p FROM {t} WHERE at > :at", {"at": self._ts(at)}
        )
        if first_after["p"] is not None:
            return int(first_after["p"]) - 1
        return self.position(LOG_TIMES)
