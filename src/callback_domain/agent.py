"""The Agent aggregate: the directory entry and the assignments of one agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

from callback_domain.audit import AuditedEvent
from callback_domain.values import Caller, Permission

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

AGENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:agent")


class AgentSnapshot(Snapshot):
    """The agent as of one version, in JSON-safe types (restored on load), so a
    busy agent loads from its latest snapshot, not from every assignment ever."""

    TOPIC = "callbacks:Agent.Snapshot"

    @classmethod
    def take(cls, aggregate: Any) -> Any:
        snapshot = super().take(aggregate)
        snapshot.state.update(
            teams=list(aggregate.teams),
            held=list(aggregate.held),
            permissions=sorted(p.value for p in aggregate.permissions),
        )
        return snapshot

    def mutate(self, _: None) -> Any:
        agg: Any = super().mutate(None)
        agg.teams = tuple(agg.teams)
        agg.held = tuple(agg.held)
        agg.permissions = frozenset(Permission(p) for p in agg.permissions)
        agg.__dict__.setdefault("password_hash", None)  # snapshots taken before passwords
        return agg


register_topic(AgentSnapshot.TOPIC, AgentSnapshot)  # stored snapshots name it


class Agent(Aggregate):
    """An agent: name, teams, permissions, CTI presence, and what it was given.

    - Every assignment to the agent is recorded here too, in the same transaction
      as the callback's: two concurrent assignments to one agent conflict, so equal
      assignment always counts from a consistent view (no double-booking).
    - `held` lists callbacks that may still be incomplete; entries found completed
      or reassigned are pruned by the next assignment (`released`), never by a
      separate write on the completion path.
    """

    TOPIC = "callbacks:Agent"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:Agent.Created"

    class Event(AuditedEvent, Aggregate.Event):
        agent_id: str  # on every event, so a consumer of one event knows whose it is
        actor: str
        role: str
        channel: str
        issuer: str

    class Registered(Aggregate.Created, Event):
        TOPIC = "callbacks:Agent.Registered"
        name: str
        teams: list[str]
        permissions: list[str]

        def apply(self, agg: Agent) -> None:
            agg.agent_id = self.agent_id
            agg.name = self.name
            agg.teams = tuple(self.teams)
            agg.permissions = frozenset(Permission(p) for p in self.permissions)
            agg.logged_in = False
            agg.held = ()
            agg.last_assigned_at = None
            agg.assignments = 0
            agg.password_hash = None

    class ProfileChanged(Event):
        TOPIC = "callbacks:Agent.ProfileChanged"
        name: str
        teams: list[str]
        permissions: list[str]

        def apply(self, agg: Agent) -> None:
            agg.name = self.name
            agg.teams = tuple(self.teams)
            agg.permissions = frozenset(Permission(p) for p in self.permissions)

    class PresenceChanged(Event):
        TOPIC = "callbacks:Agent.PresenceChanged"
        logged_in: bool

        def apply(self, agg: Agent) -> None:
            agg.logged_in = self.logged_in

    class CallbackTaken(Event):
        TOPIC = "callbacks:Agent.CallbackTaken"
        callback_id: UUID
        released: list[UUID]

        def apply(self, agg: Agent) -> None:
            gone = set(self.released)
            agg.held = (*(c for c in agg.held if c not in gone), self.callback_id)
            agg.last_assigned_at = self.timestamp
            agg.assignments += 1

    class PasswordSet(Event):
        """The agent's login password: only its argon2 hash is recorded."""

        TOPIC = "callbacks:Agent.PasswordSet"
        password_hash: str

        def apply(self, agg: Agent) -> None:
            agg.password_hash = self.password_hash

    Snapshot = AgentSnapshot  # the name eventsourcing looks for

    if TYPE_CHECKING:  # set by Registered.apply; not dataclass fields
        agent_id: str
        name: str
        teams: tuple[str, ...]
        permissions: frozenset[Permission]
        logged_in: bool
        held: tuple[UUID, ...]
        last_assigned_at: datetime | None
        assignments: int
        password_hash: str | None

    @staticmethod
    def create_id(agent_id: str) -> UUID:
        return uuid5(AGENT_NAMESPACE, agent_id)

    @classmethod
    def register(
        cls,
        agent_id: str,
        *,
        name: str,
        teams: Iterable[str],
        permissions: Iterable[Permission],
        by: Caller,
        at: datetime,
    ) -> Agent:
        return cls._create(
            cls.Registered,
            id=cls.create_id(agent_id),
            timestamp=at,
            agent_id=agent_id,
            name=name,
            teams=list(teams),
            permissions=sorted(p.value for p in permissions),
            **by.audit(),
        )

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def change_profile(
        self,
        *,
        name: str,
        teams: Iterable[str],
        permissions: Iterable[Permission],
        by: Caller,
        at: datetime,
    ) -> bool:
        """Records the new profile if it differs; returns whether it did."""
        teams, perms = tuple(teams), frozenset(permissions)
        if (name, teams, perms) == (self.name, self.teams, self.permissions):
            return False
        self.trigger_event(
            self.ProfileChanged,
            timestamp=at,
            agent_id=self.agent_id,
            name=name,
            teams=list(teams),
            permissions=sorted(p.value for p in perms),
            **by.audit(),
        )
        return True

    def set_presence(self, *, logged_in: bool, by: Caller, at: datetime) -> bool:
        if logged_in == self.logged_in:
            return False
        self.trigger_event(
            self.PresenceChanged,
            timestamp=at,
            agent_id=self.agent_id,
            logged_in=logged_in,
            **by.audit(),
        )
        return True

    def take(
        self, callback_id: UUID, *, released: Iterable[UUID], by: Caller, at: datetime
    ) -> None:
        self.trigger_event(
            self.CallbackTaken,
            timestamp=at,
            agent_id=self.agent_id,
            callback_id=callback_id,
            released=list(released),
            **by.audit(),
        )

    def set_password(self, password_hash: str, *, by: Caller, at: datetime) -> None:
        self.trigger_event(
            self.PasswordSet,
            timestamp=at,
            agent_id=self.agent_id,
            password_hash=password_hash,
            **by.audit(),
        )
