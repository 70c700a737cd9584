"""One process's readiness, for `GET /health` on the metrics port and `GET /healthz` on HTTP.

`callbacks health` asks `query.health` over NATS, which any instance of the queue group
may answer: it says the deployment answers. An orchestrator restarting or routing to one
replica needs to know about that replica: its event loop turns, its NATS connections are
up, its event store answers, and it is not stopping.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

    # (ready?, what each check found): this process's readiness (see ProcessHealth).
    HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]

OK = "ok"


def report(check: HealthCheck) -> tuple[int, bytes]:
    """The HTTP status (200 ready, 503 not) and JSON body of a readiness check. Blocks
    (up to the checks' timeouts): call it from a thread, not the event loop."""
    ready, checks = check()
    body = {"status": OK if ready else "unavailable", "checks": checks}
    return (200 if ready else 503), json.dumps(body).encode()


class ProcessHealth:
    """Called from the metrics server's thread; each check waits at most `timeout`."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        nats_connected: Callable[[], Awaitable[bool]],
        database: Callable[[], object],
        stopping: Callable[[], bool],
        timeout: float = 2.0,
    ) -> None:
        self.loop, self.nats_connected, self.database, self.stopping = (
            loop,
            nats_connected,
            database,
            stopping,
        )
        self.timeout = timeout
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-db")
        self._db_check: Future[object] | None = None

    def __call__(self) -> tuple[bool, dict[str, str]]:
        checks = {"accepting": "stopping" if self.stopping() else OK}
        checks.update(self._loop_and_nats())
        checks["database"] = self._database()
        return all(v == OK for v in checks.values()), checks

    def _loop_and_nats(self) -> dict[str, str]:
        asking = self.nats_connected()
        assert asyncio.iscoroutine(asking)
        try:
            future: Future[bool] = asyncio.run_coroutine_threadsafe(asking, self.loop)
        except RuntimeError:  # the loop is closed
            asking.close()
            return {"event_loop": "stopped"}
        try:
            connected = future.result(self.timeout)
        except TimeoutError:
            future.cancel()
            return {"event_loop": f"no answer within {self.timeout:g} s"}
        except Exception as e:
            return {"event_loop": OK, "nats": f"{type(e).__name__}: {e}"}
        return {"event_loop": OK, "nats": OK if connected else "disconnected"}

    def _database(self) -> str:
        # One check at a time: a hung one is waited for again, not joined by more.
        if self._db_check is None or self._db_check.done():
            self._db_check = self._db.submit(self.database)
        try:
            self._db_check.result(self.timeout)
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as e:
            return f"{type(e).__name__}: {e}"
        return OK

    def close(self, wait: float = 0.5) -> None:
        """No more checks; one still asking the store is waited for (within `wait`
        seconds), as the stores are closed next."""
        self._db.shutdown(wait=False, cancel_futures=True)
        if self._db_check is not None:
            concurrent.futures.wait([self._db_check], timeout=wait)
