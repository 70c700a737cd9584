"""A log written before tokens (tests/data/pre-identity-log.sqlite, by the previous
main) still reads: its events are never rewritten, they read with `issuer` =
"unverified", the agent loads from its old snapshot, and new work goes on top."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.bootstrap import build_service
from adapters.settings import Settings
from callback_domain import commands as c
from callback_domain.audit import UNVERIFIED
from callback_domain.callback import Callback
from callback_domain.values import Caller, Role
from callback_domain.visibility import may_see
from projections.event_record import EventRecord

if TYPE_CHECKING:
    from collections.abc import Iterator

    from callback_domain.application import CallbackService

import pytest

OLD_LOG = Path(__file__).resolve().parents[1] / "data" / "pre-identity-log.sqlite"


@pytest.fixture
def old(tmp_path: Path) -> Iterator[CallbackService]:
    copy = tmp_path / "events.sqlite"
    shutil.copy(OLD_LOG, copy)
    service = build_service(Settings.load(database_url=f"sqlite:///{copy}", data_dir=tmp_path))
    yield service
    service.close()


def test_old_events_read_as_unverified_and_are_never_rewritten(old: CallbackService) -> None:
    before = OLD_LOG.read_bytes()
    first = Callback.create_id("old-0")
    records = [EventRecord.of(e, 0) for e in old.events.get(first)]
    assert [r.type for r in records][:2] == ["Requested", "Assigned"]
    assert {r.data["issuer"] for r in records} == {UNVERIFIED}
    assert (records[1].actor, records[1].role) == ("sv-han", "SUPERVISOR")
    callback = old.get_callback(first)
    assert callback.state.value == "COMPLETED"
    # The IVR that submitted it (role IVR, actor `ivr`) still sees it; another does not.
    assert may_see(Caller(actor="ivr", role=Role.IVR), callback)
    assert not may_see(Caller(actor="ivr-2", role=Role.IVR), callback)
    assert OLD_LOG.read_bytes() == before


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
