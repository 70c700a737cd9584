"""A log written by the previous version (numbers as typed, views without this version's
columns), read by this one: never rewritten, one number in every spelling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from adapters.bootstrap import build_read_side, build_service
from adapters.entrypoints.mistakes import OperatorError
from adapters.settings import Settings
from adapters.views.queries import ListFilters
from adapters.views.schema import CALLBACK_LIST, TABLES
from callback_domain.callback import Callback
from tests.factories import request
from tests.stored_rows import stored_events

if TYPE_CHECKING:
    from uuid import UUID

    from adapters.bootstrap import ReadSide
    from callback_domain.application import CallbackService

pytestmark = pytest.mark.integration
OLD_LOG = Path(__file__).parents[1] / "data" / "old_log_7603b0e.json"  # make_old_log.py


def old_id(request_id: str) -> UUID:
    return Callback.create_id(request_id)


def load_old_log(service: CallbackService) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(OLD_LOG.read_text(encoding="utf-8"))["events"]
    service.recorder.insert_events(stored_events(events))
    return events


def stored(service: CallbackService) -> list[tuple[str, int, str, str]]:
    return [
        (str(n.originator_id), n.originator_version, n.topic, n.state.decode())
        for n in service.recorder.select_notifications(start=1, limit=1000)
    ]


def ids(side: ReadSide, **filters: Any) -> set[UUID]:
    return {r.callback_id for r in side.queries.iter_rows(ListFilters(**filters))}


def test_an_old_log_rebuilt_finds_one_number_in_every_spelling(database_url: str) -> None:
    settings = Settings.load(database_url=database_url, timezone="Asia/Seoul")
    service = build_service(settings)
    events = load_old_log(service)
    side = build_read_side(settings, service)
    try:
        side.runner.catch_up(list(side.store.active().values()))

        # The list: E.164 and the national form, whatever the old event holds.
        national = side.queries.get(old_id("old-1"))
        assert national is not None
        assert (national.phone, national.phone_national) == ("+821033334444", "010-3333-4444")
        both = {old_id("old-1"), old_id("old-5")}  # the old check let a second one in
        for spelling in ("010-3333-4444", "+82 10-3333-4444", "821033334444"):
            assert ids(side, phone=spelling) == both
        assert ids(side, phone_suffix="77778888") == {old_id("old-3")}
        released = side.queries.get(old_id("old-4"))
        assert released is not None and released.assigner is None

        # The duplicate check: each old number, given in another spelling.
        for spelling, first in (
            ("+82 10-3333-4444", "old-1"),  # old-1 keyed as 01033334444, the oldest open
            ("010-5555-6666", "old-2"),  # keyed as +821055556666
            ("+82 10 7777 8888", "old-3"),  # keyed as 821077778888
            ("02-2222-1111", None),  # another number: a new callback
        ):
            answer = service.execute(request(phone=spelling, route="billing"))
            if first is None:
                assert not answer.duplicate
            else:
                assert answer.duplicate and answer.callback_id == old_id(first), spelling

        # Nothing stored was rewritten.
        old = [
            (e["originator_id"], e["originator_version"], e["topic"], e["state"]) for e in events
        ]
        assert stored(service)[: len(old)] == old
    finally:
        side.close()
        service.close()


def test_views_made_by_an_older_version_are_rebuilt_at_start(database_url: str) -> None:
    settings = Settings.load(database_url=database_url, timezone="Asia/Seoul")
    service = build_service(settings)
    load_old_log(service)
    side = build_read_side(settings, service)
    store = side.store
    old = store.active()[CALLBACK_LIST]
    side.runner.catch_up([old])
    with store.tx(commit=True) as cur:  # as the previous version made the table
        table = store.table(CALLBACK_LIST, old.tag)
        store.run(cur, f"ALTER TABLE {table} DROP COLUMN phone_national")
    side.close()
    try:
        with pytest.raises(OperatorError) as refused:  # a report does not read them as they are
            build_read_side(settings, service, read_only=True)
        assert "older version" in refused.value.problem

        side = build_read_side(settings, service)  # what `callbacks serve` does at start
        now = side.store.active()[CALLBACK_LIST]
        assert now.tag != old.tag and not side.store.missing_columns(now)
        row = side.queries.get(old_id("old-2"))
        assert row is not None and row.phone_national == "010-5555-6666"
        assert len(ids(side)) == 5
        assert set(TABLES[CALLBACK_LIST].columns) >= {"phone_national", "routing_team"}
        side.close()
    finally:
        service.close()
