"""The aggregate's own guards: whoever calls it, a refused command records nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain.callback import Callback
from callback_domain.errors import InvalidRequestError
from callback_domain.lifecycle import CallbackState, CompletionReason
from callback_domain.values import CallbackType, Policy
from tests.factories import ADMIN, IVR, SUPERVISOR, SYSTEM, T0

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller


def requested(desired_time: datetime | None = None) -> Callback:
    return Callback.request(
        request_id="req-1",
        phone="+821012345678",
        route="billing",
        callback_type=CallbackType.SCHEDULED if desired_time else CallbackType.IMMEDIATE,
        desired_time=desired_time,
        customer_timezone=None,
        routing_agent=None,
        routing_team=None,
        remark=None,
        origin_interaction_id=None,
        policy=Policy(),
        by=IVR,
        at=T0,
    )


def test_a_scheduled_callback_is_not_queued_before_it_is_due() -> None:
    callback = requested(T0 + timedelta(hours=3))

    with pytest.raises(InvalidRequestError, match="not due before"):
        callback.queue(by=SYSTEM, at=T0 + timedelta(hours=2))

    refused = (callback.state, len(callback.collect_events()))
    callback.queue(by=SYSTEM, at=T0 + timedelta(hours=3))
    assert refused == (CallbackState.SCHEDULED, 1)  # the request's event only
    assert callback.state is CallbackState.QUEUED


def test_a_callback_does_not_expire_before_its_expiry() -> None:
    callback = requested()

    with pytest.raises(InvalidRequestError, match="does not expire before"):
        callback.expire(by=SYSTEM, at=T0 + timedelta(days=14) - timedelta(seconds=1))

    refused = (callback.state, len(callback.collect_events()))
    callback.expire(by=SYSTEM, at=T0 + timedelta(days=14))
    assert refused == (CallbackState.QUEUED, 1)
    assert callback.reason is CompletionReason.EXPIRED


@pytest.mark.parametrize(
    ("by", "reason"),
    [
        (IVR, CompletionReason.CANCELLED),  # the customer, through the IVR
        (ADMIN, CompletionReason.CANCELLED_BY_ADMIN),
        (SUPERVISOR, CompletionReason.CANCELLED_BY_ADMIN),
    ],
)
def test_the_cancel_reason_says_who_cancelled(by: Caller, reason: CompletionReason) -> None:
    callback = requested()

    callback.cancel(by=by, at=T0)

    assert (callback.state, callback.reason) == (CallbackState.COMPLETED, reason)
