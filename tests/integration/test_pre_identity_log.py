"""A log written before tokens (tests/data/pre_identity_log_7603b0e.json: the stored
events and snapshot rows the previous main wrote) still reads: its events are never
rewritten, they read with `issuer` = "unverified", the agent loads from its old
snapshot, and new work goes on top."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.bootstrap import build_service
from adapters.settings import Settings
from callback_domain import commands as c
from callback_domain.audit import UNVERIFIED
from callback_domain.callback import Callback
from callback_domain.values import Caller, Role
from callback_domain.visibility import sees
from projections.event_record import EventRecord
from tests.stored_rows import stored_events

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from callback_domain.application import CallbackService

import pytest

OLD_LOG = Path(__file__).resolve().parents[1] / "data" / "pre_identity_log_7603b0e.json"
ROWS = json.loads(OLD_LOG.read_text(encoding="utf-8"))


@pytest.fixture
def old(tmp_path: Path) -> Iterator[CallbackService]:
    """A store holding exactly the rows the previous main wrote."""
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    service = build_service(Settings.load(database_url=url, data_dir=tmp_path))
    service.recorder.insert_events(stored_events(ROWS["events"]))
    assert service.snapshots is not None
    service.snapshots.recorder.insert_events(stored_events(ROWS["snapshots"]))
    yield service
    service.close()


def _rows_of(service: CallbackService, originator_id: UUID) -> list[tuple[int, str, bytes]]:
    return [
        (e.originator_version, e.topic, e.state)
        for e in service.recorder.select_events(originator_id)
    ]


def test_old_events_read_as_unverified_and_are_never_rewritten(old: CallbackService) -> None:
    first = Callback.create_id("old-0")
    before = _rows_of(old, first)
    records = [EventRecord.of(e, 0) for e in old.events.get(first)]
    assert [r.type for r in records][:2] == ["Requested", "Assigned"]
    assert {r.data["issuer"] for r in records} == {UNVERIFIED}
    assert (records[1].actor, records[1].role) == ("sv-han", "SUPERVISOR")
    callback = old.get_callback(first)
    assert callback.state.value == "COMPLETED"
    # The IVR that submitted it (role IVR, actor `ivr`) still sees it; another does not.
    assert sees(Caller(actor="ivr", role=Role.IVR), None, callback)
    assert not sees(Caller(actor="ivr-2", role=Role.IVR), None, callback)
    assert _rows_of(old, first) == before  # read, upcast in memory, never rewritten


def test_the_old_agent_snapshot_loads_and_takes_a_password(old: CallbackService) -> None:
    kim = old.get_agent("kim")
    assert kim is not None and kim.version > 50 and kim.password_hash is None
    admin = Caller(actor="admin", role=Role.ADMIN, issuer="callbacks")
    old.execute(c.SetPassword(caller=admin, at=datetime.now(UTC), user="kim", password_hash="h"))
    kim = old.get_agent("kim")
    assert kim is not None and kim.password_hash == "h"
    last = EventRecord.of(list(old.events.get(kim.id))[-1], 0)
    assert (last.type, last.actor, last.data["issuer"]) == ("PasswordSet", "admin", "callbacks")
    assert "password_hash" not in last.data  # kept in the log, never shown
