"""A follower that fails mid-batch loses nothing and applies nothing twice."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from adapters.views.queries import ViewQueries
from adapters.views.rebuild import snapshot
from adapters.views.store import ViewStore
from tests.factories import T0, add_agents
from tests.integration.views_support import dump, open_world, play, recomputed

if TYPE_CHECKING:
    from tests.integration.views_support import World

pytestmark = pytest.mark.integration


def _two_worlds(database_url: str, second_url: str, seed: int) -> tuple[World, World]:
    worlds = []
    for url in (database_url, second_url):
        world = open_world(url, batch_size=25, project=False)
        play(world, (seed, 80))
        worlds.append(world)
    return worlds[0], worlds[1]


@pytest.fixture
def second_url(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path_factory.mktemp('second') / 'events.sqlite'}"
    base = database_url.split("?", maxsplit=1)[0]
    return f"{base}?schema={request.getfixturevalue('schema_factory')()}"


def test_a_crash_mid_batch_then_a_restart_gives_the_uninterrupted_views(
    database_url: str, second_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed, steady = _two_worlds(database_url, second_url, seed=7)
    calls = {"n": 0}
    real_write_rows = ViewStore._write_rows

    def failing(self: ViewStore, cur: Any, generation: Any, batch: Any) -> None:
        calls["n"] += 1
        real_write_rows(self, cur, generation, batch)  # rows written inside the transaction …
        if calls["n"] == 6:
            raise OSError("the process died here")  # … then the batch never commits

    monkeypatch.setattr(ViewStore, "_write_rows", failing)
    live = list(crashed.side.store.active().values())
    with pytest.raises(OSError, match="died"):
        crashed.side.runner.catch_up(live)
    stopped_at = {g.view: crashed.side.store.position(g) for g in live}
    monkeypatch.undo()

    crashed.side.runner.catch_up(list(crashed.side.store.active().values()))  # the restart
    steady.side.runner.catch_up(list(steady.side.store.active().values()))

    assert len(set(stopped_at.values())) == 1 and 0 < next(iter(stopped_at.values())) < 250
    assert dump(crashed.side, crashed.side.store.active()) == dump(
        steady.side, steady.side.store.active()
    )


def test_a_failing_batch_is_retried_with_backoff_and_reported(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = open_world(database_url, project=False)
    play(world, (11, 40))
    runner = world.side.runner
    failures = iter([RuntimeError("view store hiccup"), RuntimeError("again")])
    real_load = ViewStore.load

    def flaky(self: ViewStore, *args: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real_load(self, *args)

    monkeypatch.setattr(ViewStore, "load", flaky)
    stop = threading.Event()
    follower = threading.Thread(
        target=runner.run_forever, args=(stop,), kwargs={"poll_interval": 0.05}
    )
    follower.start()
    head = world.service.recorder.max_notification_id() or 0
    queries = ViewQueries(world.side.store)
    reached = queries.wait_for(head, timeout=10)
    stop.set()
    follower.join(timeout=10)

    assert reached
    assert runner.status.errors == 2
    assert runner.status.last_error == "RuntimeError: again"
    assert dump(world.side, world.side.store.active())["callback_list"]
    assert recomputed(world.service, head)["counts"] == {
        a.agent_id: (a.incomplete, a.logged_in) for a in queries.agent_counts()
    }


def test_as_of_a_time_between_two_events_is_the_log_up_to_then(database_url: str) -> None:
    world = open_world(database_url, batch_size=10)
    add_agents(world.service, "late-agent", at=T0 + timedelta(hours=5))
    play(world, (3, 60))
    world.side.runner.catch_up(list(world.side.store.active().values()))
    times = [
        (n.id, world.service.mapper.to_domain_event(n).timestamp)
        for n in world.service.recorder.select_notifications(1, 100_000)
    ]
    # A moment strictly between two consecutive events with different times.
    (before_pos, before_at), (_, after_at) = next(
        (a, b) for a, b in itertools.pairwise(times) if b[1] > a[1] and a[0] > len(times) // 3
    )
    moment = before_at + (after_at - before_at) / 2
    as_of = world.side.queries.position_at(moment)

    made = snapshot(
        world.side.store,
        world.side.runner,
        ["callback_list", "agent_counts"],
        name="audit",
        until_position=as_of,
        as_of=moment.isoformat(),
        timezone="Asia/Seoul",
    )
    snap = {g.view: g for g in made}
    frozen = ViewQueries(world.side.store, snapshot="audit")

    assert as_of == before_pos
    assert all(at <= moment for pos, at in times if pos <= as_of)
    assert {
        r.callback_id: (r.state, r.agent, r.history_length) for r in frozen.iter_rows(_all())
    } == {i: (v[0], v[3], v[7]) for i, v in recomputed(world.service, as_of)["rows"].items()}
    assert {a.agent_id: (a.incomplete, a.logged_in) for a in frozen.agent_counts()} == recomputed(
        world.service, as_of
    )["counts"]
    assert all(world.side.store.position(g) == as_of for g in snap.values())


def _all() -> Any:
    from adapters.views.queries import ListFilters

    return ListFilters()


def test_two_services_starting_together_on_an_empty_store_share_one_generation(
    database_url: str,
) -> None:
    """Services race to create the live generations; none fails, all read the same ones, and
    each view has exactly one active generation (the race was lost about one time in ten
    with six services: the check and the creation were two transactions)."""
    from concurrent.futures import ThreadPoolExecutor

    from adapters.bootstrap import prepare_database
    from adapters.database import Database
    from adapters.views.backends import open_view_store

    db = Database.parse(database_url)
    prepare_database(db)  # the schema, as serve makes it before anything else
    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(lambda _: open_view_store(db), range(6)))
    try:
        with ThreadPoolExecutor(6) as pool:
            found = list(pool.map(lambda store: store.ensure_live("UTC"), stores))
        tags = [{v: g.tag for v, g in f.items()} for f in found]
        assert all(t == tags[0] for t in tags)
        active = [g.view for g in stores[0].generations() if g.status == "active"]
        assert sorted(active) == sorted(tags[0])
    finally:
        for store in stores:
            store.datastore.close()
