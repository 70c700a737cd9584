"""The dispatcher's and the gateway's records of a message's way out: the hand-over
(before the provider is called), the provider's answer, and a gateway's later status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import InvalidRequestError, SmsMessageNotFoundError
from callback_domain.permissions import Action, authorize
from callback_domain.results import SmsHandOver
from callback_domain.sms_message import SmsMessage, SmsState

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.commands import RecordSmsDelivery, RecordSmsStatus, StartSmsHandOver
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace

_DELIVERIES = ("ACCEPTED", "SENT", "FAILED")
_REPORTED = (SmsState.SENT.value, SmsState.FAILED.value)


def _message(ws: Workspace, message_id: UUID) -> SmsMessage:
    found = ws.get(SmsMessage, message_id)
    if found is None:
        raise SmsMessageNotFoundError(message_id=message_id)
    return found


def start_hand_over(cmd: StartSmsHandOver, ws: Workspace, _p: Policies) -> SmsHandOver:
    authorize(cmd.caller, Action.DISPATCH_SMS)
    message = _message(ws, cmd.message_id)
    attempt = message.start_hand_over(by=cmd.caller, at=cmd.at)
    return SmsHandOver(
        attempt=attempt,
        type=message.type,
        sender=message.sender,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        images=tuple((i["name"], i["sha256"]) for i in message.images),
    )


def record_delivery(cmd: RecordSmsDelivery, ws: Workspace, _p: Policies) -> str:
    """The message's state after the answer (unchanged if the answer was stale)."""
    authorize(cmd.caller, Action.DISPATCH_SMS)
    if cmd.delivery not in _DELIVERIES:
        raise InvalidRequestError.single("delivery", "must be ACCEPTED, SENT or FAILED", "invalid")
    message = _message(ws, cmd.message_id)
    message.record_answer(
        attempt=cmd.attempt,
        delivery=cmd.delivery,
        reason=cmd.reason,
        retryable=cmd.retryable,
        provider=cmd.provider,
        provider_id=cmd.provider_id,
        by=cmd.caller,
        at=cmd.at,
    )
    return message.state.value


def record_status(cmd: RecordSmsStatus, ws: Workspace, _p: Policies) -> str:
    """A gateway's SENT / FAILED; the same report twice records it once."""
    authorize(cmd.caller, Action.DISPATCH_SMS)
    if cmd.state not in _REPORTED:
        raise InvalidRequestError.single("state", "must be SENT or FAILED", "invalid")
    message = _message(ws, cmd.message_id)
    message.report_status(SmsState(cmd.state), cmd.reason, by=cmd.caller, at=cmd.at)
    return message.state.value
