"""Commands on one callback: scheduling, an agent's work on it, and its ending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain import commands as c
from callback_domain.errors import CallbackError, CallbackNotFoundError
from callback_domain.handlers.access import authorize_caller
from callback_domain.handlers.assignment import bulk_ids
from callback_domain.handlers.intake import route_to_agent
from callback_domain.handlers.own import is_own_scheduled, own_scheduled, take_now
from callback_domain.handlers.routes import ensure_open, refuse_if_closed
from callback_domain.handlers.seats import ensure_seat
from callback_domain.lifecycle import Trigger
from callback_domain.permissions import Action
from callback_domain.results import CallbackChanged, CancelResult, Skipped
from callback_domain.route_book import ROUTE_BOOK_ID, RouteBook
from callback_domain.values import Role, Validator
from callback_domain.visibility import find_visible, visible

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.callback import Callback
    from callback_domain.commands import (
        AbandonCallback,
        CallNow,
        CancelCallbacks,
        CompleteCallback,
        DialCallback,
        ExpireCallback,
        FinishCallback,
        QueueDueCallback,
        RecordDialResult,
        RescheduleCallback,
    )
    from callback_domain.values import Caller, Policies
    from callback_domain.workspace import Workspace


_AGENT_ACTIONS = {
    Trigger.DIAL: Action.DIAL,
    Trigger.RETRY: Action.DIAL,
    Trigger.COMPLETE: Action.COMPLETE,
    Trigger.FINISH: Action.FINISH,
}


def changed(callback: Callback) -> CallbackChanged:
    return CallbackChanged(
        callback_id=callback.id,
        state=callback.state,
        status=callback.status,
        reason=callback.reason,
        attempts=callback.attempts,
        agent_id=callback.agent_id,
        desired_time=callback.desired_time,
    )


def reschedule(cmd: RescheduleCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    if cmd.caller.role is Role.AGENT:
        callback = own_scheduled(ws, cmd.caller, cmd.callback_id, Action.RESCHEDULE)
    else:
        authorize_caller(ws, cmd.caller, Action.RESCHEDULE)
        callback = visible(ws, cmd.caller, cmd.callback_id)
    callback.ensure(Trigger.RESCHEDULE)
    v = Validator()
    desired_time = v.desired_time(
        "desired_time", cmd.desired_time, at=cmd.at, policy=callback.policy
    )
    v.raise_if_any()
    assert desired_time is not None
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    settings = None if book is None else book.settings(callback.route)
    window, horizon = callback.policy.window, callback.policy.horizon
    refuse_if_closed(
        v,
        "desired_time",
        desired_time,
        window=window,
        settings=settings,
        at=cmd.at,
        horizon=horizon,
    )
    v.raise_if_any()
    ensure_seat(
        ws,
        "desired_time",
        desired_time,
        settings=settings,
        window=window,
        at=cmd.at,
        horizon=horizon,
        callback_id=callback.id,
    )
    callback.reschedule(desired_time, by=cmd.caller, at=cmd.at)
    return changed(callback)


def queue_due(cmd: QueueDueCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    """A due callback is queued while its route is open; it waits while it is closed."""
    authorize_caller(ws, cmd.caller, Action.QUEUE)
    callback = ws.callback(cmd.callback_id)
    callback.ensure(Trigger.QUEUE)
    ensure_open(ws, callback.route, cmd.at)
    callback.queue(by=cmd.caller, at=cmd.at)
    route_to_agent(ws, callback, by=cmd.caller, at=cmd.at)
    return changed(callback)


def _own(ws: Workspace, caller: Caller, callback_id: UUID, trigger: Trigger) -> Callback:
    """The callback an agent works on: the lifecycle must allow it, and it must be theirs."""
    authorize_caller(ws, caller, _AGENT_ACTIONS[trigger])
    callback = visible(ws, caller, callback_id)
    callback.ensure(trigger)
    callback.ensure_agent(caller.actor, trigger.value)
    return callback


def call_now(cmd: CallNow, ws: Workspace, _p: Policies) -> CallbackChanged:
    """An agent's own scheduled callback, taken before its time (SCHEDULED → ROUTING)."""
    callback = own_scheduled(ws, cmd.caller, cmd.callback_id, Action.CALL_NOW)
    take_now(ws, callback, by=cmd.caller, at=cmd.at)
    return changed(callback)


def dial(cmd: DialCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    """A dial, while the callback's route is open; on the agent's own scheduled
    callback it calls it now first."""
    found = ws.find_callback(cmd.callback_id)
    if found is not None and is_own_scheduled(cmd.caller, found):
        ensure_open(ws, found.route, cmd.at)
        call_now(c.CallNow(caller=cmd.caller, at=cmd.at, callback_id=cmd.callback_id), ws, _p)
    callback = _own(ws, cmd.caller, cmd.callback_id, Trigger.DIAL)
    ensure_open(ws, callback.route, cmd.at)
    callback.dial(by=cmd.caller, at=cmd.at)
    return changed(callback)


def dial_result(cmd: RecordDialResult, ws: Workspace, _p: Policies) -> CallbackChanged:
    callback = _own(ws, cmd.caller, cmd.callback_id, Trigger.RETRY)
    callback.record_dial_failure(cmd.outcome, by=cmd.caller, at=cmd.at)
    return changed(callback)


def complete(cmd: CompleteCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    callback = _own(ws, cmd.caller, cmd.callback_id, Trigger.COMPLETE)
    callback.complete(by=cmd.caller, at=cmd.at)
    return changed(callback)


def finish(cmd: FinishCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    callback = _own(ws, cmd.caller, cmd.callback_id, Trigger.FINISH)
    callback.finish(by=cmd.caller, at=cmd.at)
    return changed(callback)


def cancel(cmd: CancelCallbacks, ws: Workspace, _p: Policies) -> CancelResult:
    """Cancels each callback it may; an agent, only their own scheduled ones."""
    own = cmd.caller.role is Role.AGENT
    authorize_caller(ws, cmd.caller, Action.CANCEL)
    v = Validator()
    callback_ids = bulk_ids(v, cmd.callback_ids)
    v.raise_if_any()
    cancelled, skipped = [], []
    for callback_id in callback_ids:
        callback = find_visible(ws, cmd.caller, callback_id)
        try:
            if callback is None:
                raise CallbackNotFoundError(callback_id=callback_id)
            if own:
                own_scheduled(ws, cmd.caller, callback_id, Action.CANCEL)
            callback.cancel(by=cmd.caller, at=cmd.at)
        except CallbackError as e:
            found = callback is not None and e.code != "not_found"
            skipped.append(
                Skipped(
                    callback_id=callback_id,
                    state=callback.state if found and callback is not None else None,
                    reason=e.code,
                    message=e.message,
                )
            )
        else:
            cancelled.append(callback_id)
    return CancelResult(cancelled=tuple(cancelled), skipped=tuple(skipped))


def abandon(cmd: AbandonCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    authorize_caller(ws, cmd.caller, Action.ABANDON)
    callback = visible(ws, cmd.caller, cmd.callback_id)
    callback.abandon(by=cmd.caller, at=cmd.at)
    return changed(callback)


def expire(cmd: ExpireCallback, ws: Workspace, _p: Policies) -> CallbackChanged:
    authorize_caller(ws, cmd.caller, Action.EXPIRE)
    callback = ws.callback(cmd.callback_id)
    callback.expire(by=cmd.caller, at=cmd.at)
    return changed(callback)
