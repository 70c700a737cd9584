"""Sending SMS, handlers of the subject table: `admin.sms.send`, `admin.sms.cancel` and
`query.sms.messages` (read from the `sms_messages` view)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from adapters.messaging.messages import sms_send as m
from adapters.views.schema import SMS_MESSAGES
from adapters.views.sms_queries import SmsFilters
from callback_domain.permissions import Action, authorize
from callback_domain.sms_rules import digits_of

if TYPE_CHECKING:
    from adapters.messaging.context import Call, ServiceContext


async def send(call: Call[m.SendPayload]) -> m.SendReply:
    outcome = await call.ctx.command(call.payload.to_command(call.caller, call.ctx.clock()))
    queued = outcome.unwrap()
    return m.SendReply(
        messages=[m.Queued.model_validate(asdict(q)) for q in queued],
        log_position=outcome.log_position,
    )


async def cancel(call: Call[m.CancelPayload]) -> m.CancelReply:
    outcome = await call.ctx.command(call.payload.to_command(call.caller, call.ctx.clock()))
    result = outcome.unwrap()
    return m.CancelReply(
        cancelled=list(result.cancelled),
        skipped=[m.SkippedMessage.model_validate(asdict(s)) for s in result.skipped],
        log_position=outcome.log_position,
    )


def _page(ctx: ServiceContext, filters: SmsFilters, size: int, cursor: str | None) -> Any:
    position = ctx.queries.position(SMS_MESSAGES)  # before: the answer includes it
    page = ctx.queries.sms_page(filters, page_size=size, cursor=cursor)
    return m.MessagesReply.model_validate(
        {
            "items": [asdict(row) for row in page.items],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "log_position": position,
        }
    )


async def messages(call: Call[m.MessagesQuery]) -> m.MessagesReply:
    authorize(call.caller, Action.READ_SMS)
    p = call.payload
    await call.ctx.caught_up(p.min_position)
    filters = SmsFilters(
        start=p.from_,
        end=p.to,
        recipient=None if p.recipient is None else digits_of(p.recipient),
        state=p.state,
        template_id=p.template_id,
    )
    reply: m.MessagesReply = await call.ctx.read(_page, call.ctx, filters, p.page_size, p.cursor)
    return reply
