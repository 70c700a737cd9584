"""The scheduler: SCHEDULED callbacks become QUEUED when due; open ones expire."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.pauses import pause
from callback_domain import commands as c
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    import asyncio
    from datetime import datetime

    from adapters.messaging.context import ServiceContext

log = logging.getLogger(__name__)
SCHEDULER = Caller(actor="scheduler", role=Role.SYSTEM, channel="scheduler")
# The views trailed a change already made, or the route closed since the round began.
_QUIET = {"invalid_transition", "not_found", "outside_hours"}


def closed_routes(ctx: ServiceContext, now: datetime) -> list[str]:
    """The routes closed now: their due callbacks wait (the domain refuses them too)."""
    book = ctx.service.route_book()
    found = [] if book is None else book.all()
    return [s.route for s in found if s.hours is not None and not s.calendar().is_open(now)]


class Scheduler:
    """Polls the views for due and expired callbacks and sends the commands.

    Everything overdue at start is queued in the first round, so downtime only
    delays; a due callback whose route is closed waits until it opens. After each
    round it waits for the views to show its own changes, so a callback is never sent
    twice because the views had not caught up.
    """

    def __init__(self, ctx: ServiceContext, *, interval: float = 0.5, batch: int = 500) -> None:
        self.ctx, self.interval, self.batch = ctx, interval, batch
        self.queued = self.expired = self.refused = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:
                log.exception("scheduler round failed; retrying")
                busy = False
            if not busy:
                await pause(stop, self.interval)

    async def round(self) -> bool:
        """One pass; True if there may be more to do at once."""
        ctx, now = self.ctx, self.ctx.clock()
        closed = await ctx.read(closed_routes, ctx, now)
        due = await ctx.read(ctx.queries.due_scheduled, now, self.batch, closed)
        expired = await ctx.read(ctx.queries.expired, now, self.batch)
        commands: list[c.Command] = [
            c.QueueDueCallback(caller=SCHEDULER, at=now, callback_id=i) for i in due
        ]
        commands += [c.ExpireCallback(caller=SCHEDULER, at=now, callback_id=i) for i in expired]
        if not commands:
            return False
        outcomes = await ctx.batcher.submit_many(commands)
        for command, outcome in zip(commands, outcomes, strict=True):
            if outcome.error is None:
                if isinstance(command, c.QueueDueCallback):
                    self.queued += 1
                else:
                    self.expired += 1
            else:
                self.refused += 1
                level = logging.DEBUG if outcome.error.code in _QUIET else logging.WARNING
                log.log(
                    level,
                    "scheduler: %s refused: %s",
                    type(command).__name__,
                    outcome.error.message,
                )
        positions = [o.log_position for o in outcomes if o.log_position]
        if positions:
            await ctx.caught_up(max(positions))
        return len(due) == self.batch or len(expired) == self.batch
