"""Registered routes: their settings and hours as events, the policy they override, and what a
request must respect of them (a registered route; a desired time within hours)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from callback_domain import commands as c
from callback_domain.application import CallbackService
from callback_domain.callback import Callback
from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.lifecycle import CallbackState
from callback_domain.route_book import ROUTE_BOOK_ID
from callback_domain.values import Policies, Policy
from tests.factories import ADMIN, IVR, SUPERVISOR, T0, request

WEEKDAYS_9_TO_6 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def service_with(policies: Policies) -> CallbackService:
    return CallbackService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, policies=policies)


def upsert(sut: CallbackService, route: str = "billing", **fields: Any) -> Any:
    return sut.execute(
        c.UpsertRoute(caller=ADMIN, at=T0, route=route, name=route.title(), **fields)
    )


def hours(sut: CallbackService, route: str = "billing", **fields: Any) -> Any:
    fields.setdefault("weekly", WEEKDAYS_9_TO_6)
    return sut.execute(c.SetHours(caller=ADMIN, at=T0, route=route, **fields))


def refused_fields(sut: CallbackService, command: c.Command) -> list[str]:
    with pytest.raises(InvalidRequestError) as refused:
        sut.execute(command)
    return [e.field for e in refused.value.errors]


class TestRegistry:
    def test_a_route_is_registered_changed_and_left_alone_when_the_same(
        self, sut: CallbackService
    ) -> None:
        first = upsert(sut, timezone="Asia/Seoul", policy={"max_attempts": 5})
        again = upsert(sut, timezone="Asia/Seoul", policy={"max_attempts": 5})
        changed = upsert(sut, timezone="Asia/Seoul", distribution="AUTO", slot_capacity=4)

        assert (first.created, first.changed) == (True, True)
        assert (again.created, again.changed) == (False, False)
        assert (changed.created, changed.changed) == (False, True)
        events = list(sut.events.get(ROUTE_BOOK_ID))
        assert [type(e).__name__ for e in events] == ["Opened", "RouteRegistered", "RouteChanged"]
        assert events[1].actor == ADMIN.actor and events[1].timestamp == T0
        book = sut.route_book()
        assert book is not None
        settings = book.settings("billing")
        assert settings is not None and settings.slot_capacity == 4 and settings.policy == {}

    def test_the_contact_centers_zone_is_a_routes_default(self) -> None:
        sut = service_with(Policies(timezone="Asia/Seoul"))
        upsert(sut)

        book = sut.route_book()
        assert book is not None and book.settings("billing").timezone == "Asia/Seoul"  # type: ignore[union-attr]

    def test_hours_are_recorded_for_a_registered_route_only(self, sut: CallbackService) -> None:
        assert refused_fields(sut, c.SetHours(caller=ADMIN, at=T0, route="x", weekly={})) == [
            "route"
        ]
        upsert(sut)

        assert hours(sut, holidays=["2026-12-25"]).changed is True
        assert hours(sut, holidays=["2026-12-25"]).changed is False
        assert upsert(sut, slot_minutes=30).changed is True  # settings change keeps the hours
        book = sut.route_book()
        assert book is not None and book.routes["billing"]["hours"]["holidays"] == ["2026-12-25"]

    @pytest.mark.parametrize(
        ("fields", "refused"),
        [
            ({"timezone": "Mars/Olympus"}, ["timezone"]),
            ({"distribution": "ROUND_ROBIN"}, ["distribution"]),
            ({"offer_timeout_seconds": 0}, ["offer_timeout_seconds"]),
            ({"ownership_minutes": 0}, ["ownership_minutes"]),
            ({"slot_minutes": 1}, ["slot_minutes"]),
            ({"slot_capacity": 0}, ["slot_capacity"]),
            ({"policy": {"max_attempts": 0}}, ["policy.max_attempts"]),
            ({"policy": {"nope": 1}}, ["policy.nope"]),
            ({"policy": {"duplicate_check": 1}}, ["policy.duplicate_check"]),
        ],
    )
    def test_bad_settings_are_refused_naming_the_field(
        self, sut: CallbackService, fields: dict[str, Any], refused: list[str]
    ) -> None:
        command = c.UpsertRoute(caller=ADMIN, at=T0, route="billing", name="B", **fields)

        assert refused_fields(sut, command) == refused
        assert sut.route_book() is None

    def test_bad_hours_are_refused_naming_the_field(self, sut: CallbackService) -> None:
        upsert(sut)
        command = c.SetHours(
            caller=ADMIN, at=T0, route="billing", weekly={"mon": [["10:00", "09:00"]]}
        )

        assert refused_fields(sut, command) == ["weekly.mon.0"]

    def test_only_an_administrator_registers_routes_or_sets_hours(
        self, sut: CallbackService
    ) -> None:
        with pytest.raises(ForbiddenError):
            sut.execute(c.UpsertRoute(caller=SUPERVISOR, at=T0, route="billing", name="B"))
        upsert(sut)
        with pytest.raises(ForbiddenError):
            sut.execute(c.SetHours(caller=SUPERVISOR, at=T0, route="billing", weekly={}))


class TestRequests:
    def test_any_route_is_accepted_until_one_is_registered(self, sut: CallbackService) -> None:
        sut.execute(request(route="anything"))
        upsert(sut, route="billing")

        assert refused_fields(sut, request(route="anything")) == ["route"]
        assert sut.execute(request(route="billing")).state is CallbackState.QUEUED

    def test_a_registered_routes_policy_overrides_the_deployments(self) -> None:
        deployment = Policies(by_route={"billing": Policy(max_attempts=4, expiry_days=7)})
        sut = service_with(deployment)
        upsert(sut, policy={"max_attempts": 6})

        made = sut.execute(request(route="billing"))

        callback = sut.repository.get(made.callback_id)
        assert isinstance(callback, Callback)
        assert (callback.policy.max_attempts, callback.policy.expiry_days) == (6, 7)
        assert sut.route_policies().for_route("billing").max_attempts == 6

    def test_a_scheduled_time_outside_hours_is_refused_with_the_next_slots(
        self, sut: CallbackService
    ) -> None:
        upsert(sut, timezone="Asia/Seoul", slot_minutes=30)
        hours(sut)
        saturday = T0 + timedelta(days=5)  # T0 is Monday 18:00 in Seoul: closed

        with pytest.raises(InvalidRequestError) as refused:
            sut.execute(request(desired_time=saturday))

        (detail,) = refused.value.details
        assert detail["field"] == "desired_time" and detail["reason"] == "closed"
        assert [s["start"] for s in detail["next_slots"]] == [
            "2026-11-30T09:00:00+09:00",
            "2026-11-30T09:30:00+09:00",
            "2026-11-30T10:00:00+09:00",
        ]

    def test_a_scheduled_time_within_hours_or_its_window_before_opening_is_accepted(
        self, sut: CallbackService
    ) -> None:
        upsert(sut, timezone="Asia/Seoul")
        hours(sut)
        tuesday_10 = T0 + timedelta(hours=16)  # Tuesday 10:00 in Seoul
        before_9 = T0 + timedelta(hours=14, minutes=59)  # Tuesday 08:59: due by 09:01

        assert sut.execute(request(desired_time=tuesday_10)).state is CallbackState.SCHEDULED
        assert sut.execute(request(desired_time=before_9)).state is CallbackState.SCHEDULED

    def test_an_immediate_request_while_closed_is_accepted(self, sut: CallbackService) -> None:
        upsert(sut, timezone="Asia/Seoul")
        hours(sut)

        assert sut.execute(request(caller=IVR)).state is CallbackState.QUEUED


def test_the_route_book_loads_from_its_snapshot(tmp_path: Any) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    writer = CallbackService(env=env)
    for n in range(60):  # past the snapshot interval
        upsert(writer, route=f"r{n % 3}", slot_capacity=n + 1)
    hours(writer, route="r0")
    writer.close()

    reader = CallbackService(env=env)
    assert reader.snapshots is not None
    assert list(reader.snapshots.get(ROUTE_BOOK_ID))  # one was taken
    book = reader.route_book()

    assert book is not None and sorted(book.routes) == ["r0", "r1", "r2"]
    r0 = book.settings("r0")
    assert r0 is not None and r0.slot_capacity == 58 and r0.calendar().hours_on(T0.date())
    assert sut_requests_route(reader, "r2") is CallbackState.QUEUED


def sut_requests_route(sut: CallbackService, route: str) -> CallbackState:
    return sut.execute(request(route=route)).state  # type: ignore[no-any-return]
