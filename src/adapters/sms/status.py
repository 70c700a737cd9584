"""The gateway's reports on `{prefix}.sms.status`, recorded through an injected `record`.

The SMS_STATUS stream captures the subject (jetstream.py), and one durable pull consumer,
shared by every instance, reads it: a report sent while no instance runs is recorded
when one starts. A report is acknowledged only after `record` returned.

- A report that is not `{"message_id", "state": "SENT" / "FAILED", "reason"}` is
  dead-lettered on `{prefix}.dead.sms-status` with the reason (CALLBACK_DEAD_LETTERS keeps
  it, as it keeps `dead.intake`), never retried.
- `record` raising `ReportRefused` (e.g. an unknown message id): dead-lettered likewise.
- `record` raising anything else (the store is down): delivered again with backoff, and
  dead-lettered after MAX_DELIVER deliveries so it never blocks the reports behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.messaging.streams import stream_name
from adapters.sms.jetstream import STATUS, ensure_sms_streams, status_subject

if TYPE_CHECKING:
    from collections.abc import Sequence

    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

log = logging.getLogger(__name__)
DURABLE = "callbacks-sms-status"
MAX_DELIVER = 8
ACK_WAIT = 30.0
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)

ReportState = Literal["SENT", "FAILED"]
Record = Callable[[str, ReportState, str | None], Awaitable[None]]


class ReportRefused(Exception):  # noqa: N818 - a refusal, not an error of ours
    """Raised by `record` for a report that will never be recorded (dead-lettered)."""


class StatusReport(BaseModel):
    """One gateway report (fields a gateway adds beyond these are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: str = Field(min_length=1, max_length=200)
    state: ReportState
    reason: str | None = Field(default=None, max_length=2000)


class StatusConsumer:
    """Reads SMS_STATUS with a durable consumer and calls `record` once per report."""

    def __init__(
        self,
        js: JetStreamContext,
        prefix: str,
        record: Record,
        *,
        replicas: int = 1,
        batch: int = 50,
        max_deliver: int = MAX_DELIVER,
        backoff: Sequence[float] = BACKOFF,
    ) -> None:
        self.js, self.prefix, self.record, self.replicas = js, prefix, record, replicas
        self.batch, self.max_deliver, self.backoff = batch, max_deliver, list(backoff)
        self.stream = stream_name(STATUS, prefix)
        self.recorded = self.dead = 0

    async def ensure_consumer(self) -> None:
        await ensure_sms_streams(self.js, self.prefix, replicas=self.replicas)
        await self.js.add_consumer(
            self.stream,
            ConsumerConfig(
                durable_name=DURABLE,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                filter_subject=status_subject(self.prefix),
                ack_wait=ACK_WAIT,
                max_deliver=self.max_deliver,
            ),
        )

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_consumer()
        sub = await self.js.pull_subscribe_bind(DURABLE, stream=self.stream)
        try:
            while not stop.is_set():
                try:
                    messages = await sub.fetch(self.batch, timeout=0.5)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except Exception:
                    log.exception("sms status: fetch failed; retrying")
                    await asyncio.sleep(1)
                    continue
                for msg in messages:  # in order: one message's reports stay in order
                    await self.handle(msg)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def handle(self, msg: Msg) -> None:
        try:
            report = StatusReport.model_validate_json(msg.data)
        except ValidationError as e:
            first = e.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "the report"
            await self._dead(msg, f"invalid_request: {where}: {first['msg']}")
            return
        try:
            await self.record(report.message_id, report.state, report.reason)
        except ReportRefused as e:
            await self._dead(msg, f"refused: {e}")
            return
        except Exception as e:
            await self._retry(msg, f"{type(e).__name__}: {e}")
            return
        self.recorded += 1
        await msg.ack()

    async def _retry(self, msg: Msg, reason: str) -> None:
        delivered = _deliveries(msg)
        if delivered < self.max_deliver:
            log.warning("sms status: not recorded (%s); delivered again later", reason)
            await msg.nak(delay=self.backoff[min(delivered, len(self.backoff)) - 1])
            return
        await self._dead(msg, reason)

    async def _dead(self, msg: Msg, reason: str) -> None:
        self.dead += 1
        log.warning("sms status: report dead-lettered (%s)", reason)
        headers = {
            **dict(msg.headers or {}),
            "Callbacks-Dead-Reason": reason[:500],
            "Callbacks-Deliveries": str(_deliveries(msg)),
        }
        await self.js.publish(f"{self.prefix}.dead.sms-status", msg.data, headers=headers)
        await msg.term()


def _deliveries(msg: Msg) -> int:
    return msg.metadata.num_delivered if msg.metadata and msg.metadata.num_delivered else 1
