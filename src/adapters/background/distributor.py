"""The distributor (AUTO routes): offers QUEUED callbacks to eligible agents, withdraws
lapsed offers and takes back accepted callbacks whose ownership expired."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.pauses import pause
from callback_domain import commands as c
from callback_domain.route_book import Distribution
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    import asyncio

    from adapters.messaging.context import ServiceContext

log = logging.getLogger(__name__)
# The service itself: every offer, withdrawal and expiry records this actor and role.
DISTRIBUTOR = Caller(actor="distributor", role=Role.SYSTEM, channel="distributor")


class Distributor:
    """Polls the views every `interval` (and at once after a round that did something):
    lapsed offers and expired ownership go back to the queue first, then each open AUTO
    route's QUEUED callbacks are offered, in queue order, in one command per route (the
    domain chooses the agents: `handlers/offers.py`). After each round it waits for the
    views to show its changes, so nothing is offered twice from a trailing view."""

    def __init__(self, ctx: ServiceContext, *, interval: float = 0.25, batch: int = 200) -> None:
        self.ctx, self.interval, self.batch = ctx, interval, batch
        self.offered = self.withdrawn = self.released = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:
                log.exception("distributor round failed; retrying")
                busy = False
            if not busy:
                await pause(stop, self.interval)

    async def round(self) -> bool:
        """One pass; True if it changed something (there may be more to do at once)."""
        ctx, now = self.ctx, self.ctx.clock()
        book = await ctx.read(ctx.service.route_book)
        auto = [
            s
            for s in (book.all() if book is not None else [])
            if s.distribution is Distribution.AUTO
        ]
        if not auto:
            return False
        lapsed = await ctx.read(ctx.queries.lapsed_offers, now, self.batch)
        expired = await ctx.read(ctx.queries.expired_ownership, now, self.batch)
        commands: list[c.Command] = [
            c.WithdrawOffer(caller=DISTRIBUTOR, at=now, callback_id=i) for i in lapsed
        ]
        commands += [c.ExpireOwnership(caller=DISTRIBUTOR, at=now, callback_id=i) for i in expired]
        agents = tuple(await ctx.read(ctx.queries.logged_in_callers))
        if agents:
            for settings in auto:
                if not settings.calendar().is_open(now):
                    continue
                queued = await ctx.read(ctx.queries.queued_on, settings.route, self.batch)
                if queued:
                    commands.append(
                        c.OfferCallbacks(
                            caller=DISTRIBUTOR, at=now, callback_ids=tuple(queued), agent_ids=agents
                        )
                    )
        if not commands:
            return False
        outcomes = await ctx.batcher.submit_many(commands)
        changed = False
        for command, outcome in zip(commands, outcomes, strict=True):
            if outcome.error is not None:
                log.debug("distributor: %s refused: %s", type(command).__name__, outcome.error)
                continue
            if isinstance(command, c.OfferCallbacks):
                made = sum(1 for r in outcome.value.results if r.ok)
                self.offered += made
                changed = changed or made > 0
            else:
                changed = True
                if isinstance(command, c.WithdrawOffer):
                    self.withdrawn += 1
                else:
                    self.released += 1
        positions = [o.log_position for o in outcomes if o.log_position]
        if changed and positions:
            await ctx.caught_up(max(positions))
        return changed
