"""Sending SMS through the service: the send's rules (each refusal names its field), who
may send and cancel, placeholders from a callback, and a message's way out (hand-over,
the provider's answer, retries with backoff, the gateway's status)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import (
    CallbackNotFoundError,
    ForbiddenError,
    InvalidRequestError,
    InvalidTransitionError,
)
from callback_domain.sms_message import MAX_HAND_OVERS, SmsMessage, SmsState
from tests.factories import ADMIN, MONITOR, SUPERVISOR, SYSTEM, T0, add_agents, agent, assigned
from tests.unit.callback_domain.test_sms_setup import category, sender, set_up, template

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService


def send(**kw: Any) -> c.SendSms:
    fields: dict[str, Any] = {
        "caller": SUPERVISOR,
        "at": T0,
        "send_id": "s-1",
        "template_id": "t1",
        "message_type": "SMS",
        "sender": "1588-1234",
        "recipients": "010-1234-5678, 01098765432",
        "body": "고객님, 곧 연락드리겠습니다.",
    }
    return c.SendSms(**(fields | kw))


@pytest.fixture
def ready(sut: CallbackService) -> CallbackService:
    set_up(sut)
    sut.execute(template())
    return sut


def refused(sut: CallbackService, command: c.Command) -> list[tuple[str, str | None]]:
    before = sut.recorder.max_notification_id()
    with pytest.raises(InvalidRequestError) as e:
        sut.execute(command)
    assert sut.recorder.max_notification_id() == before
    return [(x.field, x.reason) for x in e.value.errors]


def message(sut: CallbackService, message_id: UUID) -> SmsMessage:
    found = sut.repository.get(message_id)
    assert isinstance(found, SmsMessage)
    return found


class TestSend:
    def test_one_reserved_message_per_recipient_with_who_and_when(
        self, ready: CallbackService
    ) -> None:
        queued = ready.execute(send(recipients="010-1234-5678,01098765432,01012345678"))

        assert [(q.recipient, q.state) for q in queued] == [
            ("01012345678", "RESERVED"),
            ("01098765432", "RESERVED"),
        ]
        first = message(ready, queued[0].message_id)
        assert (first.sent_by, first.due_at, first.body) == ("sv-1", T0, send().body)
        (event,) = ready.events.get(first.id)
        assert (event.actor, event.role, event.timestamp) == ("sv-1", "SUPERVISOR", T0)

    def test_the_same_send_id_records_its_messages_once(self, ready: CallbackService) -> None:
        first = ready.execute(send())
        position = ready.recorder.max_notification_id()

        again = ready.execute(send())

        assert [q.message_id for q in again] == [q.message_id for q in first]
        assert ready.recorder.max_notification_id() == position

    def test_a_reserved_message_is_due_at_its_time(self, ready: CallbackService) -> None:
        at = T0 + timedelta(hours=2)

        (queued, _) = ready.execute(send(reserve_at=at))

        assert message(ready, queued.message_id).due_at == at

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"template_id": "nope"}, [("template_id", "not_found")]),
            ({"message_type": "MMS", "subject": "안내"}, [("type", "mismatch")]),
            ({"message_type": "LMS"}, [("type", "invalid")]),
            ({"sender": "0212345678"}, [("sender", "not_registered")]),
            ({"sender": "12ab"}, [("sender", "not_digits")]),
            ({"recipients": "0101234,01098765432"}, [("recipients.0", "wrong_length")]),
            ({"recipients": ""}, [("recipients", "required")]),
            ({"body": "가" * 46}, [("body", "too_long")]),
            ({"body": "  "}, [("body", "required")]),
            ({"subject": "제목"}, [("subject", "not_allowed")]),
            ({"body": "{phone}님 안녕하세요"}, [("body", "needs_callback")]),
            ({"reserve_at": T0 + timedelta(minutes=29)}, [("reserve_at", "too_soon")]),
            ({"reserve_at": T0 + timedelta(days=1, seconds=1)}, [("reserve_at", "too_late")]),
        ],
    )
    def test_refusals_name_their_field_and_record_nothing(
        self, ready: CallbackService, changes: dict[str, Any], expected: list[Any]
    ) -> None:
        assert refused(ready, send(**changes)) == expected

    def test_a_template_not_in_use_or_under_a_category_not_in_use_is_refused(
        self, ready: CallbackService
    ) -> None:
        ready.execute(template("t2", in_use=False))
        assert refused(ready, send(template_id="t2")) == [("template_id", "not_in_use")]
        ready.execute(category("callbacks", in_use=False))
        assert refused(ready, send()) == [("template_id", "not_in_use")]

    def test_the_text_of_a_template_not_editable_cannot_change(
        self, ready: CallbackService
    ) -> None:
        ready.execute(template("fixed", editable=False))

        assert refused(ready, send(template_id="fixed", body="다른 말")) == [
            ("body", "not_editable")
        ]
        assert ready.execute(send(template_id="fixed"))

    def test_any_registered_sender_may_send(self, ready: CallbackService) -> None:
        ready.execute(sender("02-123-4567"))

        assert ready.execute(send(sender="021234567"))

    def test_placeholders_are_filled_from_the_callback(self, ready: CallbackService) -> None:
        add_agents(ready, "kim")
        callback_id = assigned(ready, "kim")
        body = "{route}: {phone}"

        (queued,) = ready.execute(
            send(recipients="01012345678", body=body, callback_id=callback_id)
        )

        text = message(ready, queued.message_id).body
        assert text.startswith("billing: 010-")


class TestWhoMaySend:
    def test_an_agent_sends_for_their_own_callback_only(self, ready: CallbackService) -> None:
        add_agents(ready, "kim", "lee")
        own, other = assigned(ready, "kim"), assigned(ready, "lee")

        assert ready.execute(send(caller=agent("kim"), callback_id=own))
        with pytest.raises(CallbackNotFoundError):
            ready.execute(send(caller=agent("kim"), callback_id=other, send_id="s-2"))
        with pytest.raises(ForbiddenError):
            ready.execute(send(caller=agent("kim"), send_id="s-3"))

    def test_a_monitor_may_not_send(self, ready: CallbackService) -> None:
        with pytest.raises(ForbiddenError):
            ready.execute(send(caller=MONITOR))


class TestCancel:
    def test_only_reserved_messages_are_cancelled_by_their_sender_or_a_supervisor(
        self, ready: CallbackService
    ) -> None:
        add_agents(ready, "kim", "lee")
        own = assigned(ready, "kim")
        by_kim = ready.execute(send(caller=agent("kim"), callback_id=own))
        handed = ready.execute(send(send_id="s-2", recipients="01055556666"))
        ready.execute(c.StartSmsHandOver(caller=SYSTEM, at=T0, message_id=handed[0].message_id))

        by_lee = ready.execute(
            c.CancelSms(caller=agent("lee"), at=T0, message_ids=(by_kim[0].message_id,))
        )
        by_sv = ready.execute(
            c.CancelSms(
                caller=ADMIN,
                at=T0,
                message_ids=(by_kim[0].message_id, handed[0].message_id),
            )
        )

        assert by_lee.cancelled == ()
        assert by_lee.skipped[0].reason == "not_found"
        assert by_sv.cancelled == (by_kim[0].message_id,)
        assert [(s.reason, s.state) for s in by_sv.skipped] == [("invalid_transition", "SENDING")]
        assert message(ready, by_kim[0].message_id).state is SmsState.CANCELLED


def start(sut: CallbackService, message_id: UUID, at: Any = T0) -> int:
    return sut.execute(c.StartSmsHandOver(caller=SYSTEM, at=at, message_id=message_id)).attempt  # type: ignore[no-any-return]


def answer(sut: CallbackService, message_id: UUID, attempt: int, **kw: Any) -> str:
    return sut.execute(  # type: ignore[no-any-return]
        c.RecordSmsDelivery(
            caller=SYSTEM, at=kw.pop("at", T0), message_id=message_id, attempt=attempt, **kw
        )
    )


class TestWayOut:
    def test_sent_by_the_provider_is_sent_and_never_handed_over_again(
        self, ready: CallbackService
    ) -> None:
        (q, _) = ready.execute(send())

        attempt = start(ready, q.message_id)
        assert answer(ready, q.message_id, attempt, delivery="SENT") == "SENT"
        with pytest.raises(InvalidTransitionError):
            start(ready, q.message_id)

    def test_accepted_waits_sending_for_the_gateways_status(self, ready: CallbackService) -> None:
        (q, _) = ready.execute(send())
        attempt = start(ready, q.message_id)

        assert answer(ready, q.message_id, attempt, delivery="ACCEPTED") == "SENDING"
        with pytest.raises(InvalidTransitionError):
            start(ready, q.message_id, T0 + timedelta(hours=1))
        status = c.RecordSmsStatus(caller=SYSTEM, at=T0, message_id=q.message_id, state="FAILED")
        assert ready.execute(status) == "FAILED"
        position = ready.recorder.max_notification_id()
        assert ready.execute(status) == "FAILED"  # a redelivered report: recorded once
        assert ready.recorder.max_notification_id() == position
        assert message(ready, q.message_id).state is SmsState.FAILED

    def test_retryable_failures_back_off_then_fail_with_the_reason(
        self, ready: CallbackService
    ) -> None:
        (q, _) = ready.execute(send())
        at, waits = T0, []
        for n in range(1, MAX_HAND_OVERS + 1):
            assert start(ready, q.message_id, at) == n
            state = answer(
                ready, q.message_id, n, delivery="FAILED", reason="timeout", retryable=True, at=at
            )
            due = message(ready, q.message_id).due_at
            if due is not None:
                waits.append((due - at).total_seconds())
                with pytest.raises(InvalidTransitionError):  # not before its time
                    start(ready, q.message_id, at)
                at = due

        assert waits == [1, 2, 4, 8]
        assert state == "FAILED"
        assert message(ready, q.message_id).reason == "timeout"

    def test_a_hand_over_never_answered_is_resumed_as_the_same_attempt(
        self, ready: CallbackService
    ) -> None:
        (q, _) = ready.execute(send())
        first = start(ready, q.message_id)

        resumed = start(ready, q.message_id, T0 + timedelta(seconds=5))
        stale = answer(ready, q.message_id, first - 1, delivery="SENT")

        assert resumed == first == 1
        assert stale == "SENDING"
        assert answer(ready, q.message_id, resumed, delivery="SENT") == "SENT"

    def test_a_status_on_a_message_never_handed_over_is_refused(
        self, ready: CallbackService
    ) -> None:
        (q, _) = ready.execute(send())
        status = c.RecordSmsStatus(caller=SYSTEM, at=T0, message_id=q.message_id, state="SENT")

        with pytest.raises(InvalidTransitionError):
            ready.execute(status)

    def test_only_the_service_records_the_way_out(self, ready: CallbackService) -> None:
        (q, _) = ready.execute(send())

        with pytest.raises(ForbiddenError):
            ready.execute(c.StartSmsHandOver(caller=ADMIN, at=T0, message_id=q.message_id))
