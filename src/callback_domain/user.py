"""The User aggregate: a person of the directory who is not an agent (an administrator,
a supervisor, a monitor), with the routes they are limited to and their password hash.

Agents are the Agent aggregate (their password hash is recorded there)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from callback_domain.values import Caller

USER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:user")
USER_ROLES = ("ADMIN", "SUPERVISOR", "MONITOR")


class User(Aggregate):
    TOPIC = "callbacks:User"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:User.Created"

    class Event(AuditedEvent, Aggregate.Event):
        user: str  # on every event, so a consumer of one event knows whose it is
        actor: str
        role: str
        channel: str
        issuer: str

    class Registered(Aggregate.Created, Event):
        TOPIC = "callbacks:User.Registered"
        user_role: str
        routes: list[str] | None

        def apply(self, agg: User) -> None:
            agg.user = self.user
            agg.user_role = self.user_role
            agg.routes = None if self.routes is None else tuple(self.routes)
            agg.password_hash = None

    class ProfileChanged(Event):
        TOPIC = "callbacks:User.ProfileChanged"
        user_role: str
        routes: list[str] | None

        def apply(self, agg: User) -> None:
            agg.user_role = self.user_role
            agg.routes = None if self.routes is None else tuple(self.routes)

    class PasswordSet(Event):
        """Only the argon2 hash is recorded, never the password."""

        TOPIC = "callbacks:User.PasswordSet"
        password_hash: str

        def apply(self, agg: User) -> None:
            agg.password_hash = self.password_hash

    if TYPE_CHECKING:  # set by Registered.apply
        user: str
        user_role: str
        routes: tuple[str, ...] | None
        password_hash: str | None

    @staticmethod
    def create_id(user: str) -> UUID:
        return uuid5(USER_NAMESPACE, user)

    @classmethod
    def register(
        cls, user: str, *, role: str, routes: Iterable[str] | None, by: Caller, at: datetime
    ) -> User:
        return cls._create(
            cls.Registered,
            id=cls.create_id(user),
            timestamp=at,
            user=user,
            user_role=role,
            routes=None if routes is None else list(routes),
            **by.audit(),
        )

    def change_profile(
        self, *, role: str, routes: Iterable[str] | None, by: Caller, at: datetime
    ) -> bool:
        kept = None if routes is None else tuple(routes)
        if (role, kept) == (self.user_role, self.routes):
            return False
        self.trigger_event(
            self.ProfileChanged,
            timestamp=at,
            user=self.user,
            user_role=role,
            routes=None if kept is None else list(kept),
            **by.audit(),
        )
        return True

    def set_password(self, password_hash: str, *, by: Caller, at: datetime) -> None:
        self.trigger_event(
            self.PasswordSet,
            timestamp=at,
            user=self.user,
            password_hash=password_hash,
            **by.audit(),
        )
