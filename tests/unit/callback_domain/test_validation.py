"""Every refusal of a callback request names its field, and records nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain.errors import InvalidRequestError
from callback_domain.values import CallbackType
from tests.factories import T0, add_agents, request

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


def refused_fields(sut: CallbackService, **fields: Any) -> set[str]:
    before = sut.recorder.max_notification_id()
    with pytest.raises(InvalidRequestError) as refused:
        sut.execute(request(**fields))
    assert sut.recorder.max_notification_id() == before, "a refused request recorded events"
    assert refused.value.details, "a refusal must name its fields"
    return {d["field"] for d in refused.value.details}


class TestPhone:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("+82 10-1234-5678", "+821012345678"),
            ("010-1234-5678", "+821012345678"),
            ("8210 1234 5678", "+821012345678"),
            ("(02) 555.1234", "+8225551234"),
            ("1234567", "+821234567"),
            ("+1 650 253 0000", "+16502530000"),
        ],
    )
    def test_stores_e164_read_in_the_default_region(
        self, sut: CallbackService, given: str, stored: str
    ) -> None:
        callback_id = sut.execute(request(phone=given)).callback_id

        assert sut.get_callback(callback_id).phone == stored

    @pytest.mark.parametrize(
        "given",
        [
            "123456",
            "1234567890123456",
            "",
            "   ",
            "+82 10 CALL ME",
            "++821012345678",
            "82#10",
            "٠١٢٣٤٥٦٧",
            "+123456789012345",  # 15 digits, but no country's possible length
            "+82 10",
        ],
    )
    def test_refuses_malformed_and_impossible_numbers(
        self, sut: CallbackService, given: str
    ) -> None:
        assert refused_fields(sut, phone=given) == {"phone"}


class TestRoute:
    def test_refuses_empty_and_overlong_routes(self, sut: CallbackService) -> None:
        assert refused_fields(sut, route="  ") == {"route"}
        assert refused_fields(sut, route="r" * 101) == {"route"}

    def test_accepts_a_route_of_100_characters(self, sut: CallbackService) -> None:
        sut.execute(request(route="r" * 100))

    def test_refuses_control_characters(self, sut: CallbackService) -> None:
        assert refused_fields(sut, route="bill\x00ing") == {"route"}


class TestDesiredTime:
    def test_requires_an_offset(self, sut: CallbackService) -> None:
        naive = datetime(2026, 11, 23, 14, 30)

        assert refused_fields(sut, desired_time=naive) == {"desired_time"}

    def test_refuses_the_past(self, sut: CallbackService) -> None:
        assert refused_fields(sut, desired_time=T0 - timedelta(minutes=3)) == {"desired_time"}

    def test_tolerates_a_desired_time_within_one_window_ago(self, sut: CallbackService) -> None:
        reply = sut.execute(request(desired_time=T0 - timedelta(minutes=1)))

        assert reply.state == "QUEUED"

    def test_refuses_more_than_30_days_ahead(self, sut: CallbackService) -> None:
        assert refused_fields(sut, desired_time=T0 + timedelta(days=30, seconds=1)) == {
            "desired_time"
        }
        sut.execute(request(desired_time=T0 + timedelta(days=30)))

    def test_scheduled_requires_a_desired_time(self, sut: CallbackService) -> None:
        assert refused_fields(sut, callback_type=CallbackType.SCHEDULED) == {"desired_time"}

    def test_immediate_refuses_a_desired_time(self, sut: CallbackService) -> None:
        fields = refused_fields(
            sut, callback_type=CallbackType.IMMEDIATE, desired_time=T0 + timedelta(hours=1)
        )
        assert fields == {"desired_time"}

    def test_within_the_window_is_queued_at_once(self, sut: CallbackService) -> None:
        reply = sut.execute(request(desired_time=T0 + timedelta(minutes=2)))

        assert (reply.state, sut.get_callback(reply.callback_id).callback_type) == (
            "QUEUED",
            "SCHEDULED",
        )

    def test_beyond_the_window_is_scheduled(self, sut: CallbackService) -> None:
        reply = sut.execute(request(desired_time=T0 + timedelta(minutes=2, seconds=1)))

        assert reply.state == "SCHEDULED"


class TestOtherFields:
    def test_remark_of_at_most_500_characters(self, sut: CallbackService) -> None:
        sut.execute(request(remark="x" * 500))
        assert refused_fields(sut, remark="x" * 501) == {"remark"}

    def test_time_zone_must_be_an_iana_name(self, sut: CallbackService) -> None:
        sut.execute(request(customer_timezone="Asia/Seoul"))
        assert refused_fields(sut, customer_timezone="Mars/Olympus") == {"customer_timezone"}
        assert refused_fields(sut, customer_timezone="../../etc/passwd") == {"customer_timezone"}

    def test_request_id_is_required_and_bounded(self, sut: CallbackService) -> None:
        assert refused_fields(sut, request_id="") == {"request_id"}
        assert refused_fields(sut, request_id="r" * 201) == {"request_id"}

    def test_routing_agent_must_exist_and_be_a_subject_token(self, sut: CallbackService) -> None:
        assert refused_fields(sut, routing_agent="nobody") == {"routing.agent"}
        assert refused_fields(sut, routing_agent="a.b") == {"routing.agent"}
        add_agents(sut, "kim")
        assert sut.execute(request(routing_agent="kim")).state == "ROUTING"

    def test_every_refused_field_is_named_at_once(self, sut: CallbackService) -> None:
        fields = refused_fields(
            sut,
            phone="12",
            route="",
            remark="x" * 600,
            customer_timezone="Nowhere/City",
            desired_time=T0 - timedelta(days=1),
        )
        assert fields == {"phone", "route", "remark", "customer_timezone", "desired_time"}
