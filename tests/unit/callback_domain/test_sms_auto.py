"""Automatic messages per route: a confirmation when a SCHEDULED callback is booked, "we
tried to reach you" when one ends with MAX_ATTEMPTS; once per callback, none when off."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import InvalidRequestError
from callback_domain.sms_message import SmsMessage
from callback_domain.values import DialOutcome
from tests.factories import ADMIN, T0, add_agents, agent, assigned, request
from tests.unit.callback_domain.test_sms_setup import set_up, template

if TYPE_CHECKING:
    from callback_domain.application import CallbackService

AUTO = {"confirm_template_id": "confirm", "missed_template_id": "missed"}


def route(sut: CallbackService, **sms: Any) -> Any:
    settings: dict[str, Any] = {"name": "Billing", "policy": {"max_attempts": 1}, "sms": sms}
    return sut.execute(c.UpsertRoute(caller=ADMIN, at=T0, route="billing", **settings))


@pytest.fixture
def ready(sut: CallbackService) -> CallbackService:
    set_up(sut)
    sut.execute(template("confirm", body="{desired_time}에 연락드립니다"))
    sut.execute(template("missed", body="{route}: 연락드렸으나 닿지 않았습니다"))
    add_agents(sut, "a1")
    return sut


def messages(sut: CallbackService) -> list[SmsMessage]:
    found = []
    for n in sut.recorder.select_notifications(1, 10_000):
        if n.topic == "callbacks:SmsMessage.Requested":
            message = sut.repository.get(n.originator_id)
            assert isinstance(message, SmsMessage)
            found.append(message)
    return found


def scheduled(sut: CallbackService, request_id: str = "r-1") -> Any:
    return sut.execute(request(request_id=request_id, desired_time=T0 + timedelta(hours=2)))


def missed(sut: CallbackService) -> Any:
    callback_id = assigned(sut, "a1")
    sut.execute(c.DialCallback(caller=agent("a1"), at=T0, callback_id=callback_id))
    sut.execute(
        c.RecordDialResult(
            caller=agent("a1"), at=T0, callback_id=callback_id, outcome=DialOutcome.NO_ANSWER
        )
    )
    return callback_id


def test_off_by_default_nothing_is_sent(ready: CallbackService) -> None:
    route(ready)
    scheduled(ready)
    missed(ready)
    assert messages(ready) == []


def test_a_scheduled_callback_gets_one_confirmation(ready: CallbackService) -> None:
    route(ready, **AUTO)
    booked = scheduled(ready)
    again = scheduled(ready)  # the same request again: the same callback, no second message
    ready.execute(request())  # an immediate callback: no confirmation

    (sent,) = messages(ready)
    assert again.callback_id == booked.callback_id
    assert (sent.callback_id, sent.sent_by, sent.template_id) == (
        booked.callback_id,
        "sms-auto",
        "confirm",
    )
    assert sent.body == "2026-11-23 11:00에 연락드립니다"  # UTC: the test's contact center
    assert sent.recipient.startswith("010") and sent.due_at == T0
    assert sent.sender == "15881234"
    (event,) = ready.events.get(sent.id)
    assert (event.actor, event.role) == ("sms-auto", "SYSTEM")


def test_the_last_failed_attempt_sends_we_tried_to_reach_you(ready: CallbackService) -> None:
    route(ready, missed_template_id="missed", sender="1588-1234")
    callback_id = missed(ready)

    (sent,) = messages(ready)
    assert (sent.callback_id, sent.template_id, sent.body) == (
        callback_id,
        "missed",
        "billing: 연락드렸으나 닿지 않았습니다",
    )


def test_a_template_no_longer_usable_sends_nothing_and_refuses_nothing(
    ready: CallbackService,
) -> None:
    route(ready, confirm_template_id="nope")
    assert scheduled(ready).callback_id is not None
    assert messages(ready) == []


@pytest.mark.parametrize(
    ("sms", "field"),
    [
        ({"color": "red"}, "sms.color"),
        ({"sender": "1588-1234"}, "sms.sender"),
        ({"confirm_template_id": "has space"}, "sms.confirm_template_id"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    ready: CallbackService, sms: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidRequestError) as e:
        route(ready, **sms)
    assert [x.field for x in e.value.errors] == [field]


def test_a_route_without_sms_settings_stays_unchanged_by_an_equal_upsert(
    ready: CallbackService,
) -> None:
    route(ready)
    assert route(ready).changed is False
    assert route(ready, **AUTO).changed is True
    assert route(ready, **AUTO).changed is False
