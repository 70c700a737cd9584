"""The sms_messages view follows each message: its row agrees with the aggregate (state,
attempts, reason, and when the dispatcher should next act), whatever the batching."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain.sms_message import SmsMessage
from projections.batch import Positioned, ViewBatch
from projections.sms_messages import SmsMessageRow, SmsMessagesProjection
from tests.factories import SUPERVISOR, SYSTEM, T0

if TYPE_CHECKING:
    from datetime import datetime


def _message(reserve_at: datetime | None = None) -> SmsMessage:
    return SmsMessage.request(
        send_id="s",
        template_id="t",
        message_type="SMS",
        sender="15881234",
        recipient="01012345678",
        subject="",
        body="안녕하세요",
        images=[],
        reserve_at=reserve_at,
        callback_id=None,
        by=SUPERVISOR,
        at=T0,
    )


def _scenarios() -> dict[str, SmsMessage]:
    sent = _message()
    sent.start_hand_over(by=SYSTEM, at=T0)
    sent.record_answer(
        attempt=1,
        delivery="ACCEPTED",
        reason=None,
        retryable=False,
        provider="p",
        provider_id="x",
        by=SYSTEM,
        at=T0,
    )
    sent.report_status(sent.state.__class__("SENT"), None, by=SYSTEM, at=T0)
    retrying = _message()
    retrying.start_hand_over(by=SYSTEM, at=T0)
    retrying.record_answer(
        attempt=1,
        delivery="FAILED",
        reason="timeout",
        retryable=True,
        provider="p",
        provider_id=None,
        by=SYSTEM,
        at=T0,
    )
    cancelled = _message(T0 + timedelta(hours=1))
    cancelled.cancel(by=SUPERVISOR, at=T0)
    pending = _message()
    pending.start_hand_over(by=SYSTEM, at=T0 + timedelta(seconds=3))
    return {
        "sent": sent,
        "retrying": retrying,
        "cancelled": cancelled,
        "pending": pending,
        "reserved": _message(T0 + timedelta(hours=2)),
    }


@pytest.mark.parametrize("per_batch", [1, 2, 100])
@pytest.mark.parametrize("name", list(_scenarios()))
def test_the_row_agrees_with_the_aggregate(name: str, per_batch: int) -> None:
    aggregate = _scenarios()[name]
    events = [Positioned(n + 1, e) for n, e in enumerate(aggregate.collect_events())]
    sut = SmsMessagesProjection()
    rows: dict[object, SmsMessageRow] = {}

    for start in range(0, len(events), per_batch):
        chunk = events[start : start + per_batch]
        batch = ViewBatch({k: rows[k] for k in sut.keys(chunk) if k in rows})
        for item in chunk:
            sut.apply(batch, item)
        rows.update({k: batch.rows[k] for k in batch.changed})

    row = rows[aggregate.id]
    assert (row.state, row.attempts, row.reason, row.due_at) == (
        aggregate.state.value,
        aggregate.attempts,
        aggregate.reason,
        aggregate.due_at,
    )
    assert row.position == len(events)
