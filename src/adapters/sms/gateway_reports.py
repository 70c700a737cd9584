"""A gateway's reports (`callbacks.sms.status`) recorded on their messages: the status
consumer's `record`, as the domain's `RecordSmsStatus` through the command batcher."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from adapters.sms.status import ReportRefused
from callback_domain.commands import RecordSmsStatus
from callback_domain.values import Caller, Role

if TYPE_CHECKING:
    from adapters.messaging.context import ServiceContext
    from adapters.sms.status import Record, ReportState

GATEWAY = Caller(actor="sms-status", role=Role.SYSTEM, channel="sms-status")
# Refusals a redelivery cannot change: the report is dead-lettered at once.
_FINAL = frozenset({"not_found", "invalid_transition", "invalid_request"})


def recorder(ctx: ServiceContext) -> Record:
    async def record(message_id: str, state: ReportState, reason: str | None) -> None:
        try:
            key = UUID(message_id)
        except ValueError:
            raise ReportRefused(f"{message_id!r} is no message id") from None
        command = RecordSmsStatus(
            caller=GATEWAY, at=ctx.clock(), message_id=key, state=state, reason=reason
        )
        outcome = await ctx.batcher.submit(command)
        if outcome.error is None:
            return
        if outcome.error.code in _FINAL:
            raise ReportRefused(f"{outcome.error.code}: {outcome.error}")
        raise outcome.error  # `unavailable`: delivered again with backoff

    return record
