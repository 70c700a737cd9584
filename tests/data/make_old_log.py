"""Writes `old_log_7603b0e.json`: a log as the service at git commit 7603b0e (main before
issue 13: phone numbers stored as typed) wrote it. Kept to show how the file was made:

    git worktree add /tmp/old 7603b0e
    PYTHONPATH=/tmp/old/src .venv/bin/python tests/data/make_old_log.py OUT.json DB.sqlite
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.bootstrap import build_service
from adapters.settings import Settings
from callback_domain import commands as c
from callback_domain.values import AssignMethod, Caller, Permission, Role

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IVR = Caller(actor="ivr-1", role=Role.IVR, channel="test")
ADMIN = Caller(actor="admin-1", role=Role.ADMIN, channel="test")
SUPERVISOR = Caller(actor="sv-1", role=Role.SUPERVISOR, channel="test")


def main(out: Path, db: Path) -> None:
    s = build_service(Settings.load(database_url=f"sqlite:///{db}", timezone="Asia/Seoul"))
    s.execute(
        c.UpsertAgent(
            caller=ADMIN,
            at=T0,
            agent_id="kim",
            name="Kim",
            teams=("team-a",),
            permissions=(Permission.CALL,),
        )
    )

    def ask(request_id: str, phone: str, minute: int = 0) -> Any:
        at = T0 + timedelta(minutes=minute)
        command = c.RequestCallback(
            caller=IVR, at=at, request_id=request_id, phone=phone, route="billing"
        )
        return s.execute(command).callback_id

    ask("old-1", "010-3333-4444")  # open, typed nationally
    ask("old-2", "+82 10-5555-6666")  # open, typed internationally
    ask("old-3", "8210 7777 8888")  # open, the country code without its +
    held = ask("old-4", "010-2222-1111", 1)
    at = T0 + timedelta(minutes=2)
    s.execute(
        c.AssignCallbacks(
            caller=SUPERVISOR,
            at=at,
            callback_ids=(held,),
            agent_ids=("kim",),
            method=AssignMethod.MANUAL,
        )
    )
    s.execute(c.UnassignCallbacks(caller=SUPERVISOR, at=at, callback_ids=(held,)))
    ask("old-5", "+82 10 3333 4444", 4)  # the old duplicate check missed it: a second one
    events = s.recorder.select_notifications(start=1, limit=1000)
    document = {
        "written_by": "callbacks at git commit 7603b0e (main before issue 13)",
        "events": [
            {
                "originator_id": str(n.originator_id),
                "originator_version": n.originator_version,
                "topic": n.topic,
                "state": n.state.decode(),
            }
            for n in events
        ],
    }
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
