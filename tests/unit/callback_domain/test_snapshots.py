"""Snapshots of agents and phone lines: stored under the topics they always had."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

from callback_domain.agent import Agent
from callback_domain.application import CallbackService
from callback_domain.phone_line import PhoneLine
from tests.factories import add_agents, assigned, request

if TYPE_CHECKING:
    from pathlib import Path

# The topics the snapshot classes had when they were both named `Snapshot`, nested in
# their aggregate: every snapshot stored since then carries them.
OLD_TOPICS = {Agent: "callbacks:Agent.Snapshot", PhoneLine: "callbacks:PhoneLine.Snapshot"}

# A fresh interpreter: nothing registered by writing a snapshot first.
LOAD = """
import json, sys
from callback_domain.agent import Agent
from callback_domain.application import CallbackService
from callback_domain.phone_line import PhoneLine

service = CallbackService(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": sys.argv[1]})
agent_id, line_id = Agent.create_id("kim"), PhoneLine.create_id(sys.argv[2], "billing")
agent, line = service.repository.get(agent_id), service.repository.get(line_id)
snapshots = [type(next(iter(service.snapshots.get(i, desc=True, limit=1)))).__name__
             for i in (agent_id, line_id)]
print(json.dumps({"snapshots": snapshots, "teams": list(agent.teams),
                  "held": len(agent.held), "permissions": sorted(agent.permissions),
                  "candidates": len(line.candidates), "version": agent.version}))
"""


def test_snapshots_keep_their_old_topic_and_load_in_a_fresh_process(tmp_path: Path) -> None:
    dbname = str(tmp_path / "events.sqlite")
    service = CallbackService(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": dbname}
    )
    add_agents(service, "kim")
    assigned(service, "kim")
    phone = "+82 10-7777-0000"
    service.execute(request(phone=phone))
    line_id = PhoneLine.create_id("+821077770000", "billing")
    for aggregate_id in (Agent.create_id("kim"), line_id):
        service.take_snapshot(aggregate_id)
    assert service.snapshots is not None
    for cls, aggregate_id in ((Agent, Agent.create_id("kim")), (PhoneLine, line_id)):
        (stored,) = service.snapshots.recorder.select_events(aggregate_id)
        assert stored.topic == OLD_TOPICS[cls]
    service.close()

    loaded = subprocess.run(
        [sys.executable, "-c", LOAD, dbname, "+821077770000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert json.loads(loaded.stdout) == {
        "snapshots": ["AgentSnapshot", "PhoneLineSnapshot"],
        "teams": ["team-a"],
        "held": 1,
        "permissions": ["call"],
        "candidates": 1,
        "version": 2,
    }
