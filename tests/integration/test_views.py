"""The read models: exactly-once, rebuildable from 0 or as of any moment, on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings

from adapters.views.rebuild import rebuild
from tests.integration.views_support import answered, dump, open_world, play, recomputed, work

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_live_views_equal_their_rebuild_and_a_plain_recomputation(
    store: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small rebuild batches, so that a callback's events fall into several of them.
    monkeypatch.setattr("adapters.views.rebuild.REBUILD_BATCH", 7)
    new_url: Callable[[], str]
    if store == "sqlite":
        new_url = lambda: f"sqlite:///{tmp_path_factory.mktemp('views') / 'events.sqlite'}"  # noqa: E731
    else:
        base = request.getfixturevalue("postgres_url")
        schemas = request.getfixturevalue("schema_factory")
        new_url = lambda: f"{base}?schema={schemas()}"  # noqa: E731

    @settings(
        max_examples=25 if store == "sqlite" else 12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(plan=work)
    def check(plan: tuple[int, int]) -> None:
        world = open_world(new_url())
        try:
            play(world, plan)
            live = world.side.store.active()
            world.side.runner.catch_up(list(live.values()))  # the live follower catches up
            head = world.service.recorder.max_notification_id() or 0

            rebuilt = {
                g.view: g
                for g in rebuild(
                    world.side.store, world.side.runner, list(live), timezone="Asia/Seoul"
                )
            }

            assert dump(world.side, live) == dump(world.side, rebuilt)
            assert answered(world.side, rebuilt) == recomputed(world.service, head)
        finally:
            world.side.close()
            world.service.close()

    check()
