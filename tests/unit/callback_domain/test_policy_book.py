"""The policies in force are recorded as events, once per change."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from callback_domain.errors import ForbiddenError
from callback_domain.policy_book import POLICY_BOOK_ID, PolicyBook
from callback_domain.values import Policies, Policy
from tests.factories import ADMIN, IVR, SYSTEM, T0

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


def record(sut: CallbackService, policies: Policies, at_minutes: int = 0) -> bool:
    return sut.execute(
        c.RecordPolicies(caller=SYSTEM, at=T0 + timedelta(minutes=at_minutes), policies=policies)
    ).changed


def test_policies_are_recorded_once_per_change(sut: CallbackService) -> None:
    first = Policies(default=Policy(), by_route={"vip": Policy(max_attempts=5)})
    assert record(sut, first) is True
    assert record(sut, first, 1) is False  # a restart with the same settings records nothing
    assert record(sut, Policies(default=Policy(expiry_days=7)), 2) is True

    events = list(sut.events.get(POLICY_BOOK_ID))
    assert [type(e).__name__ for e in events] == ["PoliciesSet", "PoliciesChanged"]
    assert events[0].by_route == {"vip": {**Policy().as_dict(), "max_attempts": 5}}
    assert (events[1].default["expiry_days"], events[1].by_route, events[1].actor) == (
        7,
        {},
        SYSTEM.actor,
    )
    book = sut.repository.get(POLICY_BOOK_ID)
    assert isinstance(book, PolicyBook) and book.policies["default"]["expiry_days"] == 7


def test_only_the_system_or_an_administrator_records_policies(sut: CallbackService) -> None:
    with pytest.raises(ForbiddenError):
        sut.execute(c.RecordPolicies(caller=IVR, at=T0, policies=Policies()))
    assert sut.execute(c.RecordPolicies(caller=ADMIN, at=T0, policies=Policies())).changed
