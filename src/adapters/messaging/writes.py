"""The command handlers of the subject table: intake, agent verbs, admin verbs, CTI presence.

Each takes a `Call` (the parsed payload and its caller) and returns its reply model."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from adapters.messaging.grants import within_grants
from adapters.messaging.messages import replies
from adapters.observability.logs import correlate
from adapters.views.line_board import is_fresh
from adapters.views.places import NOT_QUEUED, Place, PlaceLookups
from callback_domain import commands as c
from callback_domain.callback import Callback
from callback_domain.lifecycle import CallbackState

PLACE_WAIT = 0.25
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from adapters.messaging.context import Call, ServiceContext
    from adapters.messaging.messages import admin as a
    from adapters.messaging.messages import agent as g
    from adapters.messaging.messages import intake as i
    from callback_domain.results import Outcome


async def accepted_reply(ctx: ServiceContext, outcome: Outcome) -> replies.IntakeReply:
    """A request's reply, with its place in line and estimated wait when QUEUED; a
    refused request raises its error."""
    outcome.unwrap()
    (answer,) = await accepted_models(ctx, [outcome])
    assert answer is not None
    return answer


async def accepted_models(
    ctx: ServiceContext, outcomes: Sequence[Outcome]
) -> list[replies.IntakeReply | None]:
    """The replies of accepted requests (None for a refused outcome), with their places
    in line when QUEUED. A fresh request's place comes from the line board (no wait for
    the views, views/line_board.py); the others', and a fresh one's when the board
    cannot tell, from the views: one wait for them, then one read shared with whatever
    other requests ask meanwhile (`PlaceLookups`). If that read fails, the replies go
    without the place in line: answering `unavailable` would say "nothing was recorded",
    which is false."""
    ok = [(n, o.unwrap()) for n, o in enumerate(outcomes) if o.error is None]
    queued = [(n, v) for n, v in ok if v.state is CallbackState.QUEUED]
    places: dict[int, Place] = {}
    try:
        places = await _board_places(ctx, outcomes, queued)
        rest = [(n, v) for n, v in queued if n not in places]
        if rest:
            places.update(await _view_places(ctx, outcomes, rest))
    except Exception as e:
        log.warning("places in line unavailable (%s); replying without them", type(e).__name__)
    answers: list[replies.IntakeReply | None] = [None] * len(outcomes)
    for n, value in ok:
        answers[n] = replies.intake_reply(
            value, place=places.get(n, NOT_QUEUED), log_position=outcomes[n].log_position
        )
    return answers


async def _board_places(
    ctx: ServiceContext, outcomes: Sequence[Outcome], queued: list[tuple[int, Any]]
) -> dict[int, Place]:
    fresh = [(n, v) for n, v in queued if is_fresh(outcomes[n])]
    if ctx.lines is None or not fresh:
        return {}
    asked = [(v.route, outcomes[n].log_position or 0) for n, v in fresh]
    try:
        found = await ctx.lines.places(ctx, asked)
    except Exception as e:  # the views' path below tries again, and logs if it fails too
        log.debug("the line board could not be read (%s)", type(e).__name__)
        return {}
    return {n: p for (n, _), p in zip(fresh, found, strict=True) if p is not None}


async def _view_places(
    ctx: ServiceContext, outcomes: Sequence[Outcome], queued: list[tuple[int, Any]]
) -> dict[int, Place]:
    # The line as of these requests: the views have (almost always) applied them
    # within milliseconds; past a short wait the answer is an estimate anyway.
    await ctx.caught_up(max(outcomes[n].log_position or 0 for n, _ in queued), timeout=PLACE_WAIT)
    if ctx.places is None:
        ctx.places = PlaceLookups(ctx)
    found = await ctx.places.places([(v.route, v.queue_since, v.callback_id) for _, v in queued])
    return {n: place for (n, _), place in zip(queued, found, strict=True)}


async def accepted_replies(
    ctx: ServiceContext, outcomes: Sequence[Outcome]
) -> list[dict[str, Any] | None]:
    """`accepted_models` as JSON-ready data (for the outcomes of `intake.submit`)."""
    return [
        None if m is None else m.model_dump(mode="json", by_alias=True)
        for m in await accepted_models(ctx, outcomes)
    ]


async def request(
    call: Call[i.IntakeRequest] | Call[g.SchedulePayload] | Call[a.CreatePayload],
) -> replies.IntakeReply:
    """`intake.request`, `agent.{id}.schedule`, `admin.create`: a new callback."""
    ctx, payload = call.ctx, call.payload
    correlate(payload.request_id)  # the client's idempotency key names the request in the logs
    outcome = await ctx.command(payload.to_command(call.caller, ctx.clock()))
    return await accepted_reply(ctx, outcome)


def _callback_id(payload: i.IntakeCancel | i.IntakeAbandon) -> UUID:
    """intake.cancel / abandon name a callback by its id or by the request id that made it."""
    if payload.callback_id is not None:
        return payload.callback_id
    assert payload.request_id is not None  # the payload names one of the two
    return Callback.create_id(payload.request_id)


async def intake_cancel(call: Call[i.IntakeCancel]) -> replies.CancelReply:
    ctx = call.ctx
    outcome = await ctx.command(
        c.CancelCallbacks(
            caller=call.caller, at=ctx.clock(), callback_ids=(_callback_id(call.payload),)
        )
    )
    return replies.cancel_reply(outcome.unwrap(), log_position=outcome.log_position)


async def intake_abandon(call: Call[i.IntakeAbandon]) -> replies.CompletionReply:
    ctx = call.ctx
    outcome = await ctx.command(
        c.AbandonCallback(
            caller=call.caller, at=ctx.clock(), callback_id=_callback_id(call.payload)
        )
    )
    return replies.completion_reply(outcome.unwrap(), log_position=outcome.log_position)


async def _decided(call: Call[Any]) -> Outcome:
    """The outcome of a payload that makes its own command."""
    return await call.ctx.command(call.payload.to_command(call.caller, call.ctx.clock()))


async def dial(call: Call[g.DialPayload] | Call[g.DialResultPayload]) -> replies.AttemptsReply:
    """`agent.{id}.dial` and `agent.{id}.dial-result`: the subject says who the agent is."""
    outcome = await _decided(call)
    return replies.attempts_reply(outcome.unwrap(), log_position=outcome.log_position)


async def complete(
    call: Call[g.CompletePayload] | Call[g.FinishPayload],
) -> replies.CompletionReply:
    """`agent.{id}.complete` and `agent.{id}.finish`."""
    outcome = await _decided(call)
    return replies.completion_reply(outcome.unwrap(), log_position=outcome.log_position)


async def call_now(call: Call[g.CallNowPayload]) -> replies.AttemptsReply:
    """`agent.{id}.call-now`: the agent's own scheduled callback, now ROUTING to them."""
    outcome = await _decided(call)
    return replies.attempts_reply(outcome.unwrap(), log_position=outcome.log_position)


async def answer_offer(
    call: Call[g.AcceptPayload] | Call[g.RejectPayload],
) -> replies.OfferAnswerReply:
    """`agent.{id}.accept` and `agent.{id}.reject`: the agent answers an offer."""
    outcome = await _decided(call)
    return replies.offer_answer_reply(outcome.unwrap(), log_position=outcome.log_position)


async def agent_cancel(call: Call[g.AgentCancelPayload]) -> replies.CancelReply:
    """`agent.{id}.cancel`: the agent's own scheduled callbacks."""
    outcome = await _decided(call)
    return replies.cancel_reply(outcome.unwrap(), log_position=outcome.log_position)


async def assign(call: Call[a.AssignPayload] | Call[a.UnassignPayload]) -> replies.BulkReply:
    """`admin.assign` and `admin.unassign`."""
    outcome = await _decided(call)
    return replies.bulk_reply(outcome.unwrap(), log_position=outcome.log_position)


async def reschedule(call: Call[a.ReschedulePayload]) -> replies.RescheduleReply:
    outcome = await _decided(call)
    return replies.reschedule_reply(outcome.unwrap(), log_position=outcome.log_position)


async def recreate(call: Call[a.RecreatePayload]) -> replies.RecreateReply:
    outcome = await _decided(call)
    return replies.recreate_reply(outcome.unwrap(), log_position=outcome.log_position)


async def upsert_agent(call: Call[a.AgentUpsertPayload]) -> replies.AgentSavedReply:
    outcome = await _decided(call)
    return replies.agent_saved_reply(outcome.unwrap(), log_position=outcome.log_position)


async def cancel(call: Call[a.CancelPayload]) -> replies.CancelReply:
    """`admin.cancel`: by ids, or everything a list query selects in a period (the range
    cancel of the service, `CallbackService.cancel_selected`)."""
    ctx, payload = call.ctx, call.payload
    if payload.callback_ids is not None:
        outcome = await _decided(call)
        return replies.cancel_reply(outcome.unwrap(), log_position=outcome.log_position)
    await ctx.caught_up(ctx.service.recorder.max_notification_id())  # what was just recorded
    # Within the caller's routes: the reply never names another route's callback.
    filters = within_grants(call.caller, payload.range_filters())
    selected = await ctx.read(lambda: [r.callback_id for r in ctx.queries.iter_rows(filters)])
    outcomes = [
        await ctx.command(command)
        for command in ctx.service.cancel_selected(call.caller, ctx.clock(), selected)
    ]
    result = ctx.service.cancelled_together([o.unwrap() for o in outcomes])
    position = outcomes[-1].log_position if outcomes else None
    return replies.cancel_reply(result, log_position=position)


async def presence(call: Call[g.PresencePayload]) -> replies.AgentSavedReply:
    """`cti.presence.{agent_id}`: the CTI system reports an agent logged in or out."""
    ctx = call.ctx
    command = call.payload.to_command(call.params["agent_id"], call.caller, ctx.clock())
    outcome = await ctx.command(command)
    return replies.agent_saved_reply(outcome.unwrap(), log_position=outcome.log_position)
