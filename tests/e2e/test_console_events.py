"""`GET /console/events`: each signed-in user hears what they may see and nothing else: a
route-limited supervisor nothing of another route, an agent only their own callbacks."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import ServiceProcess
from tests.serve_support import service_environment
from tests.tokens import Tokens

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from adapters.messaging.nats_server import EmbeddedNatsServer

pytestmark = pytest.mark.e2e


class Served:
    def __init__(self, base: str, tokens: Tokens) -> None:
        self.base, self.tokens = base, tokens

    def ok(self, subject: str, payload: dict[str, Any], actor: str, role: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens.token(actor, role)}"}
        url = f"{self.base}/api/{subject.replace('.', '/')}"
        body = httpx.post(url, json=payload, headers=headers, timeout=10).json()
        assert body["ok"], (subject, body)
        return body["data"]


class Listener:
    """One browser's event stream, read in a thread: (event, data) as they come."""

    def __init__(self, base: str, token: str) -> None:
        self.heard: list[tuple[str, dict[str, Any]]] = []
        self.ready = threading.Event()
        self.client = httpx.Client(
            base_url=base, cookies={"callbacks_session": token}, timeout=None
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the service stops at the test's end
            self._events()

    def _events(self) -> None:
        event = None
        with self.client.stream("GET", "/console/events") as response:
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event is not None:
                    if event == "ready":
                        self.ready.set()
                    else:
                        self.heard.append((event, json.loads(line.split(":", 1)[1])))
                    event = None

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.heard]


@pytest.fixture
def served(nats_server: EmbeddedNatsServer, tmp_path: Path) -> Iterator[Served]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = service_environment(
        database_url=f"sqlite:///{tmp_path / 'events.sqlite'}",
        nats_url=nats_server.url,
        prefix=f"ev{uuid.uuid4().hex[:10]}",
        data_dir=str(tmp_path / "data"),
        timezone="Asia/Seoul",
        http_port=str(port),
    )
    tokens = Tokens(tmp_path / "data")
    service = ServiceProcess(env, tmp_path).start()
    try:
        yield Served(f"http://127.0.0.1:{port}", tokens)
    finally:
        service.kill()


def test_each_stream_carries_only_what_its_user_may_see(served: Served) -> None:
    admin = ("admin", "ADMIN")
    served.ok(
        "admin.user-upsert",
        {"user": "sales-sup", "role": "SUPERVISOR", "routes": ["sales"]},
        *admin,
    )
    served.ok("admin.user-upsert", {"user": "all-sup", "role": "SUPERVISOR"}, *admin)
    for agent_id in ("kim", "lee"):
        served.ok("admin.agent-upsert", {"agent_id": agent_id, "name": agent_id}, *admin)

    none_yet = httpx.get(f"{served.base}/console/events", timeout=5)
    assert none_yet.status_code == 401
    limited = Listener(served.base, served.tokens.token("sales-sup", "SUPERVISOR"))
    everything = Listener(served.base, served.tokens.token("all-sup", "SUPERVISOR"))
    kim = Listener(served.base, served.tokens.token("kim", "AGENT"))
    lee = Listener(served.base, served.tokens.token("lee", "AGENT"))
    for listener in (limited, everything, kim, lee):
        assert listener.ready.wait(10)

    ivr = ("ivr", "IVR")
    billing = served.ok(
        "intake.request", {"request_id": "b1", "phone": "010-5555-0001", "route": "billing"}, *ivr
    )
    sales = served.ok(
        "intake.request", {"request_id": "s1", "phone": "010-5555-0002", "route": "sales"}, *ivr
    )
    served.ok(
        "admin.assign", {"callback_ids": [billing["callback_id"]], "agent_ids": ["kim"]}, *admin
    )

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
        kim.heard
        and everything.kinds().count("received") == 2
        and everything.kinds().count("changed") >= 3
    ):
        time.sleep(0.05)
    time.sleep(0.5)  # anything that should not come has had its chance

    received = {
        kind: [d for k, d in listener.heard if k == "received"]
        for kind, listener in (("limited", limited), ("everything", everything))
    }
    assert [d["callback_id"] for d in received["everything"]] == [
        billing["callback_id"],
        sales["callback_id"],
    ]
    assert [d["callback_id"] for d in received["limited"]] == [sales["callback_id"]]
    # The assignment on billing: a change the unlimited supervisor sees, the limited not.
    assert limited.kinds().count("changed") == 1  # its own route's new callback only
    assert [(k, d["type"], d["callback"]["callback_id"]) for k, d in kim.heard] == [
        ("notify", "assigned", billing["callback_id"])
    ]
    assert lee.heard == []
