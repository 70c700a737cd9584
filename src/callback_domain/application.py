"""CallbackService: the use cases, with group commit over the event store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import Environment

from callback_domain import commands as c
from callback_domain import prefetch
from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.errors import (
    CallbackError,
    CallbackNotFoundError,
    ConflictError,
    InternalError,
    StorageUnavailableError,
)
from callback_domain.handlers import HANDLERS
from callback_domain.handlers.assignment import MAX_BULK
from callback_domain.handlers.seats import keep_seats
from callback_domain.handlers.sms_auto import send_automatic
from callback_domain.phone_line import PhoneLine
from callback_domain.results import CancelResult, Outcome
from callback_domain.route_book import ROUTE_BOOK_ID, RouteBook, effective_policy
from callback_domain.slot_seats import SlotSeats
from callback_domain.sms_catalog import SMS_CATALOG_ID, SmsCatalog
from callback_domain.user import User
from callback_domain.values import Policies
from callback_domain.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from eventsourcing.domain import Aggregate
    from eventsourcing.persistence import Recording, StoredEvent
    from eventsourcing.utils import EnvType

    from callback_domain.values import Caller

    ReadMany = Callable[[Sequence[UUID]], dict[UUID, list[StoredEvent]]]

log = logging.getLogger(__name__)
SNAPSHOT_INTERVAL = 50


@dataclass(slots=True)
class WriteStats:
    """Counters of the write path (exported as metrics, checked by tests)."""

    batches: int = 0
    commands: int = 0
    transactions: int = 0
    events: int = 0
    conflicts: int = 0
    fallbacks: int = 0


class _Tainted(Exception):  # noqa: N818 - internal signal, never escapes
    """A refused command left events behind: the batch must be redone one by one."""

    def __init__(self, error: CallbackError) -> None:
        super().__init__(error.message)
        self.error = error


class CallbackService(Application[UUID]):
    """The callback use cases over one event store.

    - `execute_batch` decides many independent commands and saves all their events
      in ONE transaction; if that transaction conflicts, each command is redone in
      its own transaction, so one bad command never fails its neighbours.
    - A refused command records nothing; a storage failure records nothing and
      answers `unavailable`; a conflict is retried `max_retries` times, then
      answered `conflict`.
    - The environment is exactly what the caller passes: nothing is read from
      `os.environ` behind the composition root's back.
    """

    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "20000"}
    # Agents and phone lines gain an event per assignment / request for ever: they
    # load from a snapshot taken every so many events, plus the events after it.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Agent: SNAPSHOT_INTERVAL,
        PhoneLine: SNAPSHOT_INTERVAL,
        SmsCatalog: SNAPSHOT_INTERVAL,
        RouteBook: SNAPSHOT_INTERVAL,  # read by every request
        SlotSeats: SNAPSHOT_INTERVAL,  # an event per scheduled callback's change
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        policies: Policies | None = None,
        max_retries: int = 3,
        bulk_reader: Callable[[Any, Any], ReadMany | None] | None = None,
        name: str = "callbacks",
    ) -> None:
        """`bulk_reader(recorder, snapshot_recorder)` may give a function that reads
        many aggregates in one round trip (each one's latest snapshot, if any, then
        its later events); without one, they load one by one. `name` prefixes the
        tables and tracking keys: a subclass (a test double, a tool) reads and writes
        the same store unless it passes another."""
        self.name = name
        super().__init__(env)
        self.policies = policies or Policies()
        self.max_retries = max_retries
        self.stats = WriteStats()
        snapshots = self.snapshots.recorder if self.snapshots is not None else None
        self._read_many = bulk_reader(self.recorder, snapshots) if bulk_reader is not None else None

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        merged = dict(type(self).env)
        if type(self).snapshotting_intervals:
            merged["IS_SNAPSHOTTING_ENABLED"] = "y"
        merged.update(env or {})
        return Environment(name, merged)

    # The write path -----------------------------------------------------------

    def execute(self, command: c.Command) -> Any:
        """Runs one command; returns its value or raises its CallbackError."""
        return self.execute_batch([command])[0].unwrap()

    def execute_batch(self, commands: Sequence[c.Command]) -> list[Outcome]:
        if not commands:
            return []
        self.stats.batches += 1
        self.stats.commands += len(commands)
        ws = self._workspace()
        try:
            self._prefetch(ws, commands)
            decided = [self._decide(command, ws) for command in commands]
        except _Tainted:
            return self._one_by_one(commands)
        except PersistenceError as e:
            return self._unavailable(commands, e)
        try:
            positions = self._save(ws.changed())
        except IntegrityError:
            self.stats.conflicts += 1
            return self._one_by_one(commands)
        except PersistenceError as e:
            return self._unavailable(commands, e)
        fallback = max(positions.values(), default=None)
        return [self._outcome(value, events, positions, fallback) for value, events in decided]

    def _decide(self, command: c.Command, ws: Workspace) -> tuple[Any, list[Any]]:
        ws.begin()
        try:
            value = HANDLERS[type(command)](command, ws, self.policies)
            keep_seats(ws, ws.new_events(), at=command.at)
            send_automatic(ws, ws.new_events(), self.policies, at=command.at)
        except CallbackError as e:
            value = e
        except PersistenceError:
            raise
        except Exception as e:
            log.exception("command %s failed unexpectedly", type(command).__name__)
            value = InternalError(f"the service failed unexpectedly: {type(e).__name__}")
        events = ws.new_events()
        if isinstance(value, CallbackError) and events:
            raise _Tainted(value)
        return value, events

    def _one_by_one(self, commands: Sequence[c.Command]) -> list[Outcome]:
        self.stats.fallbacks += 1
        outcomes = []
        for index, command in enumerate(commands):
            try:
                outcomes.append(self._one(command))
            except PersistenceError as e:
                return outcomes + self._unavailable(commands[index:], e)
        return outcomes

    def _one(self, command: c.Command) -> Outcome:
        for _ in range(self.max_retries + 1):
            ws = self._workspace()
            try:
                self._prefetch(ws, [command])
                value, events = self._decide(command, ws)
            except _Tainted as e:
                return Outcome(error=e.error)
            if isinstance(value, CallbackError):
                return Outcome(error=value)
            try:
                positions = self._save(ws.changed())
            except IntegrityError:
                self.stats.conflicts += 1
                continue
            fallback = max(positions.values(), default=None)
            if fallback is None:
                fallback = self.recorder.max_notification_id()
            return self._outcome(value, events, positions, fallback)
        return Outcome(error=ConflictError())

    def _save(self, aggregates: list[Aggregate]) -> dict[tuple[UUID, int], int]:
        if not aggregates:
            return {}
        recordings: list[Recording[UUID]] = self.save(*aggregates)
        self.stats.transactions += 1
        self.stats.events += len(recordings)
        return {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }

    @staticmethod
    def _outcome(
        value: Any,
        events: list[Any],
        positions: dict[tuple[UUID, int], int],
        fallback: int | None,
    ) -> Outcome:
        if isinstance(value, CallbackError):
            return Outcome(error=value)
        own = [positions[(e.originator_id, e.originator_version)] for e in events]
        return Outcome(
            value=value,
            log_position=max(own, default=fallback),
            events=tuple(events),
            first_position=min(own, default=None),
        )

    @staticmethod
    def _unavailable(commands: Sequence[c.Command], error: Exception) -> list[Outcome]:
        log.warning("storage unavailable: %s", error)
        return [Outcome(error=StorageUnavailableError()) for _ in commands]

    def _workspace(self) -> Workspace:
        return Workspace(self._load, self._load_many if self._read_many is not None else None)

    def _prefetch(self, ws: Workspace, commands: Sequence[c.Command]) -> None:
        phones = self.policies.phones
        found = ws.prefetch(prefetch.first_round(commands, phones))
        ws.prefetch(prefetch.second_round(found, phones))

    def _load_many(self, ids: list[UUID]) -> dict[UUID, Aggregate | None]:
        assert self._read_many is not None
        stored = self._read_many(ids)
        return {
            aggregate_id: project_aggregate(None, map(self.mapper.to_domain_event, events))
            for aggregate_id, events in stored.items()
        }

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    # Reads of the write model -------------------------------------------------

    def get_callback(self, callback_id: UUID) -> Callback:
        found = self._load(callback_id)
        if not isinstance(found, Callback):
            raise CallbackNotFoundError(callback_id=callback_id)
        return found

    def get_agent(self, agent_id: str) -> Agent | None:
        found = self._load(Agent.create_id(agent_id))
        return found if isinstance(found, Agent) else None

    def get_user(self, user: str) -> User | None:
        found = self._load(User.create_id(user))
        return found if isinstance(found, User) else None

    def get_sms_catalog(self) -> SmsCatalog | None:
        """The SMS set-up as recorded; None before its first change."""
        found = self._load(SMS_CATALOG_ID)
        return found if isinstance(found, SmsCatalog) else None

    def route_book(self) -> RouteBook | None:
        found = self._load(ROUTE_BOOK_ID)
        return found if isinstance(found, RouteBook) else None

    def slot_seats(self, route: str) -> SlotSeats | None:
        """The seats the route's scheduled callbacks hold (None before the first)."""
        found = self._load(SlotSeats.create_id(route))
        return found if isinstance(found, SlotSeats) else None

    def route_policies(self, book: RouteBook | None = None) -> Policies:
        """The policies in force: the deployment's, with registered routes' fields (of
        `book`, the route book as recorded unless given)."""
        if book is None:
            book = self.route_book()
        if book is None or not book.routes:
            return self.policies
        registered = {s.route: effective_policy(self.policies, s.route, s) for s in book.all()}
        return replace(self.policies, by_route={**self.policies.by_route, **registered})

    def history(self, callback_id: UUID) -> list[Any]:
        events = list(self.events.get(callback_id))
        if not events or not isinstance(events[0], Callback.Requested):
            raise CallbackNotFoundError(callback_id=callback_id)
        return events

    # The range cancel: every callback a selection holds ----------------------

    @staticmethod
    def cancel_selected(
        caller: Caller, at: datetime, selected: Sequence[UUID]
    ) -> list[c.CancelCallbacks]:
        """The commands that cancel every selected callback, at most MAX_BULK each (a
        selection may be any size); `cancelled_together` merges their results."""
        return [
            c.CancelCallbacks(caller=caller, at=at, callback_ids=tuple(selected[n : n + MAX_BULK]))
            for n in range(0, len(selected), MAX_BULK)
        ]

    @staticmethod
    def cancelled_together(results: Sequence[CancelResult]) -> CancelResult:
        return CancelResult(
            cancelled=tuple(i for r in results for i in r.cancelled),
            skipped=tuple(s for r in results for s in r.skipped),
        )
