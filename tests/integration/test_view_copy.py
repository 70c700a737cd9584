"""How the views' rows go into PostgreSQL: a binary COPY told each column's type, and
text, as before, for a batch holding a value the binary COPY does not take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from adapters.views.dialect import POSTGRES
from adapters.views.schema import HISTORY_TABLE, LOG_TIMES
from projections.batch import ViewBatch
from projections.history import HistoryRow
from projections.log_times import LogTime
from tests.integration.views_support import open_world

if TYPE_CHECKING:
    from tests.integration.views_support import World

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def _rows(world: World, view: str) -> list[dict[str, Any]]:
    store = world.side.store
    generation = store.active()[view]
    with store.tx(commit=False) as cur:
        return store.run(
            cur, f"SELECT * FROM {store.table(view, generation.tag)} ORDER BY position"
        )


def test_a_batch_binary_copy_refuses_goes_in_as_text_with_its_position(
    fresh_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = open_world(fresh_postgres_url)
    try:
        store = world.side.store
        generation = store.active()[LOG_TIMES]
        at = datetime(2026, 1, 1, 9, tzinfo=UTC)
        store.write([(generation, ViewBatch(appended=[LogTime(position=1, at=at)]))], 1)
        naive = datetime(2026, 1, 1, 10)  # no zone: the binary COPY refuses it
        batch = ViewBatch(appended=[LogTime(position=2, at=at), LogTime(position=3, at=naive)])

        store.write([(generation, batch)], 3)

        rows = _rows(world, LOG_TIMES)
        assert [r["position"] for r in rows] == [1, 2, 3]  # the refused batch whole, once
        assert rows[0]["at"] == rows[1]["at"] == at
        assert store.position(generation) == 3
        assert "copying as text" in caplog.text
    finally:
        world.side.close()
        world.service.close()


def test_an_integer_out_of_its_columns_range_is_refused_not_wrapped() -> None:
    row = HistoryRow(
        callback_id=uuid4(),
        version=2**31,  # a binary COPY would store it as -2**31
        position=1,
        type="Requested",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor=None,
        role=None,
        channel=None,
        data={},
    )
    with pytest.raises(OverflowError, match="version"):
        HISTORY_TABLE.values(row, POSTGRES)
