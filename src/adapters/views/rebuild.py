"""Blue/green rebuilds of the views, and named snapshots as of a past moment."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING

from adapters.entrypoints.mistakes import OperatorError
from adapters.views.generation import (
    BUILDING,
    LIVE,
    RETIRED,
    SNAPSHOT,
    Generation,
    snapshot_name,
    snapshot_tag,
)
from adapters.views.schema import VIEWS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from adapters.views.runner import ViewFollower
    from adapters.views.store import ViewStore

# Events per transaction when building from 0: a callback's events then fall into fewer
# batches, so its row is loaded and written fewer times (a 300k-event log: 38-39 s at
# 1,000, 29-32 s at 5,000, no better at 10,000 or 20,000), at a few MB more memory.
REBUILD_BATCH = 5000
# The cyclic garbage collector's first threshold while building: a batch allocates
# millions of objects that refcounting frees; at the default 700 the collector ran every
# few events and took a fifth of the projection's CPU (300k events: ~20k -> ~24k events
# per CPU-second with 50,000, the same as with no collector at all).
BUILD_GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collects cyclic garbage less often while a rebuild or snapshot runs."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], BUILD_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def views_named(name: str | None) -> list[str]:
    if name is None:
        return list(VIEWS)
    view = name.replace("-", "_")
    if view not in VIEWS:
        names = ", ".join(v.replace("_", "-") for v in VIEWS)
        raise OperatorError("view", f"no view named {name!r}", f"name one of {names}, or none")
    return [view]


def rebuild(
    store: ViewStore,
    runner: ViewFollower,
    views: Sequence[str],
    *,
    timezone: str,
    on_batch: Callable[[int], None] | None = None,
) -> list[Generation]:
    """Builds fresh generations from position 0, then switches reads to them.

    Queries keep reading the active generations until the switch. An interrupted
    rebuild is resumed by the next one in the same zone; retired generations are dropped.
    """
    generations = []
    for view in views:
        for old in store.generations(view):
            stale = old.status == BUILDING and (
                old.timezone != timezone or bool(store.missing_columns(old))
            )
            if old.kind == LIVE and (old.status == RETIRED or stale):
                store.drop(old)
        building = [g for g in store.generations(view) if g.kind == LIVE and g.status == BUILDING]
        generations.append(
            building[0]
            if building
            else store.create_generation(
                view,
                kind=LIVE,
                tag=store.next_tag(view),
                status=BUILDING,
                timezone=timezone,
                indexes=False,
            )
        )
    with _fewer_collections():
        runner.catch_up(generations, on_batch=on_batch, batch_size=REBUILD_BATCH)
    store.finish(generations)
    store.activate(generations)
    return generations


def upgrade(
    store: ViewStore,
    runner: ViewFollower,
    *,
    on_batch: Callable[[int], None] | None = None,
) -> list[Generation]:
    """Rebuilds the live views an older version made (their tables lack columns this
    version's rows have), in the zone they were built in; reads switch once done."""
    made: list[Generation] = []
    for old in store.outdated():
        made += rebuild(store, runner, [old.view], timezone=old.timezone, on_batch=on_batch)
    return made


def snapshot(
    store: ViewStore,
    runner: ViewFollower,
    views: Sequence[str],
    *,
    name: str,
    until_position: int,
    as_of: str | None,
    timezone: str,
    on_batch: Callable[[int], None] | None = None,
) -> list[Generation]:
    """Builds the views of the log up to `until_position` under a name, kept as is."""
    snapshot_name(name)
    existing = [
        g for g in store.generations() if g.kind == SNAPSHOT and g.tag == snapshot_tag(name)
    ]
    for old in existing:
        store.drop(old)
    generations = [
        store.create_generation(
            view,
            kind=SNAPSHOT,
            tag=snapshot_tag(name),
            status=BUILDING,
            timezone=timezone,
            until_position=until_position,
            as_of=as_of,
            indexes=False,
        )
        for view in views
    ]
    with _fewer_collections():
        runner.catch_up(
            generations, until=until_position, on_batch=on_batch, batch_size=REBUILD_BATCH
        )
    store.finish(generations)
    store.activate(generations)
    return generations


def drop_snapshot(store: ViewStore, name: str) -> list[Generation]:
    """Drops every view of a named snapshot; an unknown name is a mistake."""
    dropped = list(store.snapshot(snapshot_name(name)).values())
    for generation in dropped:
        store.drop(generation)
    return dropped
