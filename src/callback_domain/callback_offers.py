"""A callback's AUTO distribution: offered, accepted, rejected, withdrawn, released.

Mixed into the Callback aggregate (its events live in `callback.py`). Each command
guards first and triggers after, so a refused one records nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain.errors import InvalidRequestError, InvalidTransitionError
from callback_domain.lifecycle import Trigger

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.values import Caller


class CallbackOffers:
    """The offer commands of a Callback."""

    if TYPE_CHECKING:
        Offered: Any
        OfferAccepted: Any
        OfferRejected: Any
        OfferWithdrawn: Any
        OwnershipExpired: Any
        offered: bool
        offer_expires_at: datetime | None
        owned_until: datetime | None
        agent_id: str | None
        id: Any

        def ensure(self, trigger: Trigger) -> Any: ...
        def ensure_agent(self, agent_id: str, action: str) -> None: ...
        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...

    def offer(
        self,
        agent_id: str,
        *,
        agent_teams: tuple[str, ...],
        expires_at: datetime,
        by: Caller,
        at: datetime,
    ) -> None:
        self.ensure(Trigger.OFFER)
        self.trigger_event(
            self.Offered,
            timestamp=at,
            agent_id=agent_id,
            agent_teams=list(agent_teams),
            expires_at=expires_at,
            **by.audit(),
        )

    def accept_offer(self, *, owned_until: datetime | None, by: Caller, at: datetime) -> None:
        self._ensure_offered(Trigger.ACCEPT, by)
        self.trigger_event(
            self.OfferAccepted,
            timestamp=at,
            agent_id=self.agent_id,
            owned_until=owned_until,
            **by.audit(),
        )

    def reject_offer(self, *, by: Caller, at: datetime) -> None:
        self._ensure_offered(Trigger.REJECT, by)
        self.trigger_event(self.OfferRejected, timestamp=at, agent_id=self.agent_id, **by.audit())

    def withdraw_offer(self, *, by: Caller, at: datetime) -> None:
        """The service withdraws an offer whose time has run out."""
        self.ensure(Trigger.WITHDRAW)
        if not self.offered:
            raise InvalidTransitionError(state="ROUTING (accepted)", command=Trigger.WITHDRAW.value)
        assert self.offer_expires_at is not None
        if self.offer_expires_at > at:
            raise InvalidRequestError.single(
                "callback_id",
                f"the offer of callback {self.id} runs until {self.offer_expires_at.isoformat()}",
            )
        self.trigger_event(self.OfferWithdrawn, timestamp=at, agent_id=self.agent_id, **by.audit())

    def expire_ownership(self, *, by: Caller, at: datetime) -> None:
        """The service takes back an accepted callback not dialled in time."""
        self.ensure(Trigger.RELEASE)
        if self.owned_until is None or self.owned_until > at:
            raise InvalidRequestError.single(
                "callback_id", f"the ownership of callback {self.id} has not expired"
            )
        self.trigger_event(
            self.OwnershipExpired, timestamp=at, agent_id=self.agent_id, **by.audit()
        )

    def _ensure_offered(self, trigger: Trigger, by: Caller) -> None:
        """An agent answers only an open offer, made to them."""
        self.ensure(trigger)
        if not self.offered:
            raise InvalidTransitionError(state="ROUTING (not offered)", command=trigger.value)
        self.ensure_agent(by.actor, trigger.value)
