"""The deployment's policies as data: each change is an event of the log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller, Policies

POLICY_BOOK_ID: UUID = uuid5(NAMESPACE_URL, "urn:callbacks:policies")


def policy_data(policies: Policies) -> dict[str, Any]:
    """The policies as JSON-ready data: the default and every route's override."""
    return {
        "default": policies.default.as_dict(),
        "by_route": {route: p.as_dict() for route, p in sorted(policies.by_route.items())},
    }


class PolicyBook(Aggregate):
    """One per event store. The service runs on the policies its settings give; when
    they differ from the ones last recorded, it records them (`PoliciesChanged`), so
    an audit can say which rules were in force at any moment. Each callback also
    carries the policy it was created under (`Requested.policy`)."""

    TOPIC = "callbacks:PolicyBook"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:PolicyBook.Created"

    class Event(AuditedEvent, Aggregate.Event):
        actor: str
        role: str
        channel: str
        issuer: str
        default: dict[str, Any]
        by_route: dict[str, dict[str, Any]]

        def apply(self, agg: PolicyBook) -> None:
            agg.policies = {"default": self.default, "by_route": self.by_route}

    class PoliciesSet(Aggregate.Created, Event):
        TOPIC = "callbacks:PolicyBook.PoliciesSet"

    class PoliciesChanged(Event):
        TOPIC = "callbacks:PolicyBook.PoliciesChanged"

    if TYPE_CHECKING:
        policies: dict[str, Any]

    @classmethod
    def open(cls, policies: Policies, *, by: Caller, at: datetime) -> PolicyBook:
        return cls._create(
            cls.PoliciesSet,
            id=POLICY_BOOK_ID,
            timestamp=at,
            **by.audit(),
            **policy_data(policies),
        )

    def record(self, policies: Policies, *, by: Caller, at: datetime) -> bool:
        """Records `policies` if they differ from the last recorded; True if they did."""
        data = policy_data(policies)
        if data == self.policies:
            return False
        self.trigger_event(
            self.PoliciesChanged,
            timestamp=at,
            **by.audit(),
            **data,
        )
        return True
