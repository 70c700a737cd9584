"""Rebuilding again and again, with a reader and the live follower running throughout.

Issue 10, defect 1: the second rebuild on SQLite crashed (the drop of the retired
generation asked the recorder for a table name only PostgreSQL's has).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from adapters.entrypoints.cli import main
from adapters.views.queries import ListFilters, ViewQueries
from adapters.views.rebuild import rebuild
from adapters.views.schema import VIEWS
from tests.integration.views_support import dump, open_world, play

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_three_rebuilds_in_a_row_while_a_reader_reads_throughout(database_url: str) -> None:
    world = open_world(database_url, batch_size=20)
    play(world, (5, 120))
    side = world.side
    stop = threading.Event()
    follower = threading.Thread(target=side.runner.run_forever, args=(stop,), daemon=True)
    follower.start()
    reads: list[int] = []
    failures: list[BaseException] = []

    def reader() -> None:
        queries = ViewQueries(side.store)
        while not stop.is_set():
            try:
                reads.append(queries.list_page(ListFilters(), page_size=20).total)
                queries.agent_counts()
            except Exception as e:  # every failure of a read is the finding
                failures.append(e)

    reading = threading.Thread(target=reader, daemon=True)
    reading.start()
    tags = []
    try:
        for _ in range(3):
            made = rebuild(side.store, side.runner, list(VIEWS), timezone="Asia/Seoul")
            tags.append({g.tag for g in made})
            play(world, (len(tags), 15))  # new work between the rebuilds
    finally:
        stop.set()
        reading.join(10)
        follower.join(10)
    try:
        assert failures == []
        assert len(reads) > 10
        assert tags == [{"g2"}, {"g3"}, {"g4"}]
        live = side.store.active()
        side.runner.catch_up(list(live.values()))
        assert {g.tag for g in live.values()} == {"g4"}
        # Retired generations are dropped by the next rebuild: only g3 is left of them.
        assert sorted({g.tag for g in side.store.generations()}) == ["g3", "g4"]
        # The views the follower kept up through the rebuilds equal a rebuild of them.
        fresh = rebuild(side.store, side.runner, list(VIEWS), timezone="Asia/Seoul")
        assert dump(side, {g.view: g for g in fresh}) == dump(side, live)
    finally:
        side.close()
        world.service.close()


def test_the_rebuild_command_three_times_on_the_default_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    world = open_world(f"sqlite:///{data / 'events.sqlite'}")
    play(world, (3, 40))
    world.side.close()
    world.service.close()
    for _ in range(3):
        assert main(["projections", "rebuild", "--data-dir", str(data)]) == 0
