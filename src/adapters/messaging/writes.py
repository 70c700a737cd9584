"""The command subjects over NATS: intake, agent verbs, admin verbs, CTI presence."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from adapters.messaging import identity, reads
from adapters.messaging.messages import admin as a
from adapters.messaging.messages import agent as g
from adapters.messaging.messages import envelope, replies
from adapters.messaging.messages import intake as i
from adapters.messaging.subjects import ADMIN_VERBS, AGENT_VERBS, INTAKE_VERBS, verb
from adapters.observability.logs import correlate
from adapters.views.places import NOT_QUEUED, Place, PlaceLookups
from callback_domain import commands as c
from callback_domain.callback import Callback
from callback_domain.handlers.assignment import MAX_BULK
from callback_domain.lifecycle import CallbackState
from callback_domain.results import CancelResult

PLACE_WAIT = 0.25
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from adapters.messaging.context import ServiceContext
    from callback_domain.results import Outcome
    from callback_domain.values import Caller


async def accepted_reply(ctx: ServiceContext, outcome: Outcome) -> dict[str, Any]:
    """A request's reply, with its place in line and estimated wait when QUEUED; a
    refused request raises its error."""
    outcome.unwrap()
    (answer,) = await accepted_replies(ctx, [outcome])
    assert answer is not None
    return answer


async def accepted_replies(
    ctx: ServiceContext, outcomes: Sequence[Outcome]
) -> list[dict[str, Any] | None]:
    """The replies of accepted requests (None for a refused outcome), with their places
    in line when QUEUED: one wait for the views, then one read shared with whatever
    other requests ask meanwhile (`PlaceLookups`). If that read fails, the replies go
    without the place in line: answering `unavailable` would say "nothing was
    recorded", which is false."""
    ok = [(n, o.unwrap()) for n, o in enumerate(outcomes) if o.error is None]
    queued = [(n, v) for n, v in ok if v.state is CallbackState.QUEUED]
    places: dict[int, Place] = {}
    if queued:
        # The line as of these requests: the views have (almost always) applied them
        # within milliseconds; past a short wait the answer is an estimate anyway.
        try:
            await ctx.caught_up(
                max(outcomes[n].log_position or 0 for n, _ in queued), timeout=PLACE_WAIT
            )
            if ctx.places is None:
                ctx.places = PlaceLookups(ctx)
            found = await ctx.places.places(
                [(v.route, v.queue_since, v.callback_id) for _, v in queued]
            )
            places = {n: place for (n, _), place in zip(queued, found, strict=True)}
        except Exception as e:
            log.warning("places in line unavailable (%s); replying without them", type(e).__name__)
    answers: list[dict[str, Any] | None] = [None] * len(outcomes)
    for n, value in ok:
        answers[n] = replies.intake_reply(
            value, place=places.get(n, NOT_QUEUED), log_position=outcomes[n].log_position
        )
    return answers


async def request(ctx: ServiceContext, caller: Caller, payload: Any) -> dict[str, Any]:
    correlate(
        getattr(payload, "request_id", None)
    )  # the client's idempotency key names the request in the logs
    return await accepted_reply(ctx, await ctx.command(payload.to_command(caller, ctx.clock())))


def _callback_id(payload: Any) -> Any:
    """intake.cancel / abandon name a callback by its id or by the request id that made it."""
    return payload.callback_id or Callback.create_id(payload.request_id)


async def intake(
    ctx: ServiceContext, tail: list[str], body: bytes, headers: Mapping[str, str]
) -> dict[str, Any]:
    name = verb(tail, 1, INTAKE_VERBS)
    caller = identity.ivr(headers, f"nats:intake.{name}")
    if name == "request":
        return await request(ctx, caller, envelope.parse(i.IntakeRequest, body))
    if name == "cancel":
        p = envelope.parse(i.IntakeCancel, body)
        outcome = await ctx.command(
            c.CancelCallbacks(caller=caller, at=ctx.clock(), callback_ids=(_callback_id(p),))
        )
        return replies.cancel_reply(outcome.unwrap(), log_position=outcome.log_position)
    p = envelope.parse(i.IntakeAbandon, body)
    outcome = await ctx.command(
        c.AbandonCallback(caller=caller, at=ctx.clock(), callback_id=_callback_id(p))
    )
    return replies.completion_reply(outcome.unwrap(), log_position=outcome.log_position)


_AGENT_COMMANDS: dict[str, tuple[type[Any], Any]] = {
    "dial": (g.DialPayload, replies.attempts_reply),
    "dial-result": (g.DialResultPayload, replies.attempts_reply),
    "complete": (g.CompletePayload, replies.completion_reply),
    "finish": (g.FinishPayload, replies.completion_reply),
}


async def agent(ctx: ServiceContext, tail: list[str], body: bytes) -> dict[str, Any]:
    """`agent.{agent_id}.{verb}`: the subject says who the agent is."""
    name = verb(tail, 2, AGENT_VERBS)
    agent_id = tail[1]
    if name == "list":
        return await reads.agent_list(ctx, agent_id, body)
    if name == "pending":
        return await reads.agent_pending(ctx, agent_id, body)
    caller = identity.agent(agent_id, f"nats:agent.{name}")
    if name == "schedule":
        return await request(ctx, caller, envelope.parse(g.SchedulePayload, body))
    model, reply = _AGENT_COMMANDS[name]
    outcome = await ctx.command(envelope.parse(model, body).to_command(caller, ctx.clock()))
    return reply(outcome.unwrap(), log_position=outcome.log_position)  # type: ignore[no-any-return]


_ADMIN_COMMANDS: dict[str, tuple[type[Any], Any]] = {
    "assign": (a.AssignPayload, replies.bulk_reply),
    "unassign": (a.UnassignPayload, replies.bulk_reply),
    "reschedule": (a.ReschedulePayload, replies.reschedule_reply),
    "recreate": (a.RecreatePayload, replies.recreate_reply),
    "agent-upsert": (a.AgentUpsertPayload, replies.agent_saved_reply),
}


async def administration(
    ctx: ServiceContext, tail: list[str], body: bytes, headers: Mapping[str, str]
) -> dict[str, Any]:
    name = verb(tail, 1, ADMIN_VERBS)
    actor = (headers.get(identity.ACTOR_HEADER) or "").strip()
    is_agent = bool(actor) and (await ctx.read(ctx.service.get_agent, actor)) is not None
    caller = identity.administrator(headers, f"nats:admin.{name}", is_agent=is_agent)
    if name == "create":
        return await request(ctx, caller, envelope.parse(a.CreatePayload, body))
    if name == "cancel":
        return await cancel(ctx, caller, envelope.parse(a.CancelPayload, body))
    model, reply = _ADMIN_COMMANDS[name]
    outcome = await ctx.command(envelope.parse(model, body).to_command(caller, ctx.clock()))
    return reply(outcome.unwrap(), log_position=outcome.log_position)  # type: ignore[no-any-return]


async def cancel(ctx: ServiceContext, caller: Caller, payload: a.CancelPayload) -> dict[str, Any]:
    """By ids, or everything a list query selects in a period (in chunks of the bulk limit)."""
    if payload.callback_ids is not None:
        outcome = await ctx.command(payload.to_command(caller, ctx.clock()))
        return replies.cancel_reply(outcome.unwrap(), log_position=outcome.log_position)
    await ctx.caught_up(
        ctx.service.recorder.max_notification_id()
    )  # include what was just recorded
    rows = await ctx.read(
        lambda: [r.callback_id for r in ctx.queries.iter_rows(payload.range_filters())]
    )
    if not rows:
        return replies.cancel_reply(CancelResult(cancelled=(), skipped=()), log_position=None)
    cancelled: list[Any] = []
    skipped: list[Any] = []
    position = None
    for start in range(0, len(rows), MAX_BULK):
        outcome = await ctx.command(
            payload.to_command(caller, ctx.clock(), selected=rows[start : start + MAX_BULK])
        )
        result = outcome.unwrap()
        cancelled.extend(result.cancelled)
        skipped.extend(result.skipped)
        position = outcome.log_position
    return replies.cancel_reply(
        CancelResult(cancelled=tuple(cancelled), skipped=tuple(skipped)), log_position=position
    )


async def presence(ctx: ServiceContext, tail: list[str], body: bytes) -> dict[str, Any]:
    """`cti.presence.{agent_id}`: the CTI system reports an agent logged in or out."""
    agent_id = tail[2] if len(tail) > 2 else ""
    p = envelope.parse(g.PresencePayload, body)
    outcome = await ctx.command(
        p.to_command(agent_id, identity.cti("nats:cti.presence"), ctx.clock())
    )
    return replies.agent_saved_reply(outcome.unwrap(), log_position=outcome.log_position)
