"""The command service on the real stores: the embedded SQLite file and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from adapters.bootstrap import build_service, prepare_database
from adapters.database import Database
from adapters.settings import Settings
from callback_domain import commands as c
from callback_domain.application import CallbackService
from callback_domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    InvalidTransitionError,
)
from callback_domain.values import AssignMethod, DialOutcome
from tests.factories import ADMIN, IVR, SUPERVISOR, T0, add_agents, agent, assigned, queued, request

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.domain import Aggregate

pytestmark = pytest.mark.integration


def open_service(
    database_url: str, cls: type[CallbackService] = CallbackService, **kw: Any
) -> CallbackService:
    settings = Settings.load(database_url=database_url)
    db = Database.parse(settings.resolved_database_url())
    prepare_database(db)
    return cls(env=db.eventsourcing_env(), policies=settings.policies(), **kw)


class BeforeSave(CallbackService):
    """Runs `hook` before each save: a stand-in for a second process racing this one."""

    hook: Callable[[], None] = staticmethod(lambda: None)

    def _save(self, aggregates: list[Aggregate]) -> dict[Any, int]:
        if aggregates:
            self.hook()
        return super()._save(aggregates)


def test_a_day_of_work_survives_a_restart(service: CallbackService, database_url: str) -> None:
    add_agents(service, "kim", "lee")
    calls = [queued(service) for _ in range(4)]
    later = service.execute(request(desired_time=T0 + timedelta(hours=2))).callback_id
    service.execute(
        c.AssignCallbacks(
            caller=SUPERVISOR,
            at=T0,
            callback_ids=tuple(calls),
            agent_ids=("kim", "lee"),
            method=AssignMethod.EQUAL,
        )
    )
    kims = [i for i in calls if service.get_callback(i).agent_id == "kim"]
    service.execute(c.DialCallback(caller=agent("kim"), at=T0, callback_id=kims[0]))
    service.execute(
        c.RecordDialResult(
            caller=agent("kim"), at=T0, callback_id=kims[0], outcome=DialOutcome.BUSY
        )
    )
    service.execute(c.FinishCallback(caller=agent("kim"), at=T0, callback_id=kims[1]))
    service.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(later,)))
    seen = {
        i: (service.get_callback(i).state, service.get_callback(i).reason) for i in [*calls, later]
    }

    reopened = open_service(database_url)

    assert {
        i: (reopened.get_callback(i).state, reopened.get_callback(i).reason) for i in seen
    } == seen
    assert [type(e).__name__ for e in reopened.history(kims[0])] == [
        "Requested",
        "Assigned",
        "DialAttempted",
        "DialFailed",
    ]
    reopened.close()


def test_a_batch_of_1000_requests_is_one_transaction(service: CallbackService) -> None:
    commands = [request() for _ in range(1000)]

    outcomes = service.execute_batch(commands)

    assert all(o.ok for o in outcomes)
    assert service.stats.transactions == 1
    positions = [o.log_position for o in outcomes]
    assert len(set(positions)) == 1000, "each request answers with its own log position"
    assert service.recorder.max_notification_id() == max(positions)  # type: ignore[type-var]
    assert all(service.get_callback(o.value.callback_id).state == "QUEUED" for o in outcomes[::97])


def test_a_batch_answers_each_bad_command_and_keeps_every_good_one(
    service: CallbackService,
) -> None:
    add_agents(service, "kim")
    held = assigned(service, "kim")
    service.stats.transactions = 0
    good = [request() for _ in range(5)]
    batch: list[c.Command] = [
        good[0],
        request(phone="12"),  # invalid
        good[1],
        c.DialCallback(caller=agent("kim"), at=T0, callback_id=uuid4()),  # unknown
        good[2],
        c.DialCallback(caller=agent("lee"), at=T0, callback_id=held),  # not in the directory
        c.CompleteCallback(caller=agent("kim"), at=T0, callback_id=held),  # not dialled yet
        good[3],
        c.DialCallback(caller=agent("kim"), at=T0, callback_id=held),
        c.DialCallback(caller=agent("kim"), at=T0, callback_id=held),  # already dialling
        good[4],
    ]

    outcomes = service.execute_batch(batch)

    errors = [type(o.error).__name__ if o.error else None for o in outcomes]
    assert errors == [
        None,
        "InvalidRequestError",
        None,
        "CallbackNotFoundError",
        None,
        "ForbiddenError",
        "InvalidTransitionError",
        None,
        None,
        "InvalidTransitionError",
        None,
    ]
    assert outcomes[1].error.details == [{"field": "phone", "message": "must have 7 to 15 digits"}]  # type: ignore[union-attr]
    assert service.stats.transactions == 1
    for o in (outcomes[i] for i in (0, 2, 4, 7, 10)):
        assert service.get_callback(o.value.callback_id).state == "QUEUED"
    assert service.get_callback(held).state == "PROCESSING"


def test_a_conflicting_batch_is_redone_command_by_command(database_url: str) -> None:
    racer = open_service(database_url)
    sut = open_service(database_url, BeforeSave)
    add_agents(sut, "kim")
    contested = queued(sut)
    sut.hook = lambda: (  # another process cancels the callback first, once
        racer.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(contested,))),
        setattr(sut, "hook", lambda: None),
    )
    good = [request() for _ in range(3)]

    outcomes = sut.execute_batch(
        [
            good[0],
            c.AssignCallbacks(
                caller=SUPERVISOR, at=T0, callback_ids=(contested,), agent_ids=("kim",)
            ),
            good[1],
            request(route=""),
            good[2],
        ]
    )

    assert sut.stats.conflicts == 1 and sut.stats.fallbacks == 1
    assert [o.ok for o in outcomes] == [True, True, True, False, True]
    (item,) = outcomes[1].value.results
    assert isinstance(item.error, InvalidTransitionError)  # redone against the cancelled callback
    assert isinstance(outcomes[3].error, InvalidRequestError)
    assert all(sut.get_callback(outcomes[i].value.callback_id).state == "QUEUED" for i in (0, 2, 4))
    assert sut.get_callback(contested).reason == "CANCELLED_BY_ADMIN"
    racer.close(), sut.close()


def test_two_concurrent_commands_on_one_callback_one_wins(database_url: str) -> None:
    first, second = open_service(database_url, BeforeSave), open_service(database_url, BeforeSave)
    add_agents(first, "kim", "lee")
    contested = queued(first)
    both_decided = threading.Barrier(2, timeout=10)
    for svc in (first, second):
        svc.hook = lambda svc=svc: (both_decided.wait(), setattr(svc, "hook", lambda: None))

    def assign_to(svc: CallbackService, who: str) -> Any:
        return svc.execute(
            c.AssignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(contested,), agent_ids=(who,))
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(assign_to, (first, second), ("kim", "lee")))

    items = [r.results[0] for r in results]
    winners = [i for i in items if i.ok]
    assert len(winners) == 1
    loser = next(i for i in items if not i.ok)
    assert isinstance(loser.error, InvalidTransitionError)  # retried: it is ROUTING now
    history = first.history(contested)
    assert [type(e).__name__ for e in history] == ["Requested", "Assigned"]
    assert history[1].agent_id == winners[0].agent_id
    assert first.stats.conflicts + second.stats.conflicts == 1
    first.close(), second.close()


def test_a_command_that_keeps_conflicting_is_answered_conflict(database_url: str) -> None:
    racer = open_service(database_url)
    sut = open_service(database_url, BeforeSave, max_retries=2)
    add_agents(sut, "kim")
    contested = assigned(sut, "kim")

    def race() -> None:  # before every save, another process takes it back and gives it again
        racer.execute(c.UnassignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=(contested,)))
        racer.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR, at=T0, callback_ids=(contested,), agent_ids=("kim",)
            )
        )

    sut.hook = race
    before = len(sut.history(contested))

    outcome = sut.execute_batch(
        [c.FinishCallback(caller=agent("kim"), at=T0, callback_id=contested)]
    )[0]

    assert isinstance(outcome.error, ConflictError)
    assert sut.stats.conflicts == 1 + 3  # the batch, then three tries (1 + max_retries)
    assert all(type(e).__name__ != "Completed" for e in sut.history(contested)[before:])
    racer.close(), sut.close()


def test_the_embedded_default_keeps_events_under_the_data_dir(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLBACKS_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    svc = build_service(Settings.load())
    svc.execute(request())
    svc.close()

    assert (tmp_path / ".callbacks" / "events.sqlite").stat().st_size > 0


def test_refusals_from_the_store_path_are_typed(service: CallbackService) -> None:
    with pytest.raises(ForbiddenError):
        service.execute(request(caller=agent("ghost")))
    with pytest.raises(InvalidRequestError):
        service.execute(request(phone="x"))
    assert service.execute(request(caller=IVR)).state == "QUEUED"


def test_a_busy_agent_and_phone_line_load_from_their_latest_snapshot(
    service: CallbackService,
) -> None:
    """After 130 assignments, loading the agent reads one snapshot and the few events
    after it, and gives exactly the state a replay of every event gives."""
    from eventsourcing.domain import Snapshot
    from eventsourcing.utils import get_topic

    from callback_domain.agent import Agent
    from callback_domain.application import SNAPSHOT_INTERVAL
    from callback_domain.phone_line import PhoneLine

    add_agents(service, "kim")
    calls = [queued(service) for _ in range(130)]
    for start in range(0, 130, 40):  # several commands, so snapshots fall mid-batch too
        service.execute(
            c.AssignCallbacks(
                caller=SUPERVISOR,
                at=T0,
                callback_ids=tuple(calls[start : start + 40]),
                agent_ids=("kim",),
                method=AssignMethod.MANUAL,
            )
        )
    for callback_id in calls[:70]:
        service.execute(c.FinishCallback(caller=agent("kim"), at=T0, callback_id=callback_id))
    phone = "+82 10-5555-0000"
    for _ in range(SNAPSHOT_INTERVAL + 5):  # the same caller, again and again: one line
        made = service.execute(request(phone=phone)).callback_id
        service.execute(c.CancelCallbacks(caller=ADMIN, at=T0, callback_ids=(made,)))
    extra = queued(service)
    service.execute(
        c.AssignCallbacks(
            caller=SUPERVISOR,
            at=T0,
            callback_ids=(extra,),
            agent_ids=("kim",),
            method=AssignMethod.MANUAL,
        )
    )  # prunes the finished ones

    for aggregate_id, cls in (
        (Agent.create_id("kim"), Agent),
        (PhoneLine.create_id("+821055550000", "billing"), PhoneLine),
    ):
        assert service._read_many is not None
        stored = service._read_many([aggregate_id, aggregate_id])[aggregate_id]
        assert service.mapper.to_domain_event(stored[0]).__class__ is cls.Snapshot
        assert len(stored) <= SNAPSHOT_INTERVAL + 1
        loaded = service._load_many([aggregate_id])[aggregate_id]
        replayed: Any = None
        for event in service.events.get(aggregate_id):
            replayed = event.mutate(replayed)
        assert loaded is not None and vars(loaded) == vars(replayed)
        assert isinstance(service.mapper.to_domain_event(stored[0]), Snapshot)
        assert get_topic(type(loaded)) == f"callbacks:{cls.__name__}"
    kim = service._load_many([Agent.create_id("kim")])[Agent.create_id("kim")]
    assert isinstance(kim, Agent) and kim.assignments == 131 and len(kim.held) == 61


def test_services_starting_together_on_an_empty_store_all_start(database_url: str) -> None:
    """Two `callbacks serve` on a fresh PostgreSQL schema race to create the tables."""
    settings = Settings.load(database_url=database_url)
    with ThreadPoolExecutor(3) as pool:
        services = list(pool.map(lambda _: build_service(settings), range(3)))
    try:
        assert all(isinstance(s, CallbackService) for s in services)
    finally:
        for s in services:
            s.close()
