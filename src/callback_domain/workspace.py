"""The aggregates one batch of commands reads and changes, each loaded once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.domain import Aggregate

from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.errors import CallbackNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from uuid import UUID

A = TypeVar("A", bound=Aggregate)


class Workspace:
    """A unit of work over many commands.

    Commands of one batch see each other's changes (a request and an assignment of
    the same callback may share a batch). Each command's new events are tracked, so
    the service can tell which log positions answer which command, and whether a
    refused command left anything behind.
    """

    def __init__(
        self,
        load: Callable[[UUID], Aggregate | None],
        load_many: Callable[[list[UUID]], dict[UUID, Aggregate | None]] | None = None,
    ) -> None:
        self._load = load
        self._load_many = load_many
        self._aggregates: dict[UUID, Aggregate | None] = {}
        self._marks: dict[UUID, int] = {}

    def prefetch(self, ids: Iterable[UUID]) -> list[Aggregate]:
        """Loads aggregates the commands will ask for, in one round trip; returns
        those found. Only an optimisation: `get` loads anything missed."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self._aggregates]
        if not wanted or self._load_many is None:
            return []
        loaded = self._load_many(wanted)
        for aggregate_id in wanted:
            self._aggregates[aggregate_id] = loaded.get(aggregate_id)
        return [a for a in loaded.values() if a is not None]

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate = self._aggregates[aggregate_id]
        except KeyError:
            aggregate = self._aggregates[aggregate_id] = self._load(aggregate_id)
        if aggregate is None:
            return None
        if not isinstance(aggregate, cls):
            return None
        self._mark(aggregate)
        return aggregate

    def find_callback(self, callback_id: UUID) -> Callback | None:
        return self.get(Callback, callback_id)

    def callback(self, callback_id: UUID) -> Callback:
        callback = self.get(Callback, callback_id)
        if callback is None:
            raise CallbackNotFoundError(callback_id=callback_id)
        return callback

    def agent(self, agent_id: str) -> Agent | None:
        return self.get(Agent, Agent.create_id(agent_id))

    def add(self, aggregate: Aggregate) -> None:
        self._aggregates[aggregate.id] = aggregate
        self._marks.setdefault(aggregate.id, 0)

    def begin(self) -> None:
        """Starts tracking the events of the next command."""
        self._marks = {}

    def new_events(self) -> list[Any]:
        """The events the current command triggered so far."""
        events: list[Any] = []
        for aggregate_id, start in self._marks.items():
            aggregate = self._aggregates[aggregate_id]
            assert aggregate is not None
            events.extend(aggregate.pending_events[start:])
        return events

    def changed(self) -> list[Aggregate]:
        return [a for a in self._aggregates.values() if a is not None and a.pending_events]

    def _mark(self, aggregate: Aggregate) -> None:
        self._marks.setdefault(aggregate.id, len(aggregate.pending_events))
