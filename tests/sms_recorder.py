"""An SMS provider for tests: a real class that records every hand-over to a JSON-lines
file and answers as the test asks. `callbacks serve` loads it with
`CALLBACKS_SMS_PROVIDER_FACTORY=tests.sms_recorder:factory`; the test names the file
(`SMS_RECORDER_FILE`) and the behaviour (`SMS_RECORDER_MODE`):

- `sent`: sends (once per message id, as the port requires: a repeated id is answered
  SENT without sending again) and answers SENT;
- `accepted`: as `sent`, but answers ACCEPTED (a gateway that reports later);
- `flaky`: the first hand-over of each message fails (retryable), later ones send;
- `refused`: FAILED, not retryable;
- `hang`: sends, then never answers (the test kills the process meanwhile).

Each line carries `at`, the host's time (Unix seconds) it was written."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.sms.port import Delivery

if TYPE_CHECKING:
    from adapters.sms.port import Outbound


class RecordingProvider:
    name = "recorder"

    def __init__(self, path: Path, mode: str) -> None:
        self.path, self.mode = path, mode

    def lines(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def _write(self, kind: str, message: Outbound) -> None:
        line = {"kind": kind, "message_id": message.message_id, "recipient": message.recipient}
        line |= {"body": message.body, "type": message.type, "images": len(message.images)}
        line |= {"sender": message.sender, "at": time.time(), "pid": os.getpid()}
        with self.path.open("a") as f:
            f.write(json.dumps(line) + "\n")
            f.flush()
            os.fsync(f.fileno())

    async def send(self, message: Outbound) -> Delivery:
        earlier = [x for x in self.lines() if x["message_id"] == message.message_id]
        self._write("call", message)
        if self.mode == "refused":
            return Delivery("FAILED", reason="invalid number", retryable=False)
        if self.mode == "flaky" and not earlier:
            return Delivery("FAILED", reason="timeout", retryable=True)
        if not any(x["kind"] == "sent" for x in earlier):  # the id is the idempotency key
            self._write("sent", message)
        if self.mode == "hang":
            await asyncio.Event().wait()
        state = "ACCEPTED" if self.mode == "accepted" else "SENT"
        return Delivery(state, provider_id=f"p-{message.message_id}")  # type: ignore[arg-type]

    async def close(self) -> None:
        pass


def factory(settings: Any, nc: Any) -> RecordingProvider:
    return RecordingProvider(
        Path(os.environ["SMS_RECORDER_FILE"]), os.environ.get("SMS_RECORDER_MODE", "sent")
    )
