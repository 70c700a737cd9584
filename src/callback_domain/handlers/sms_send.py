"""Sending SMS and MMS: the send (one message per recipient) and the cancel of reserved
ones. DOMAIN.md "SMS and MMS": an in-use template, its type, a registered sender, the
text changeable only when the template is editable, now or reserved 30 minutes to 1 day
ahead; supervisors and above send, an agent only for their own callback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain import sms_placeholders as ph
from callback_domain import sms_rules as rules
from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.handlers.access import authorize_caller
from callback_domain.permissions import Action
from callback_domain.results import SmsCancelResult, SmsQueued, SmsSkipped
from callback_domain.sms_catalog import SMS_CATALOG_ID, SmsCatalog
from callback_domain.sms_message import SmsMessage, SmsState
from callback_domain.values import Role, Validator
from callback_domain.visibility import visible

if TYPE_CHECKING:
    from callback_domain.callback import Callback
    from callback_domain.commands import CancelSms, SendSms
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace

# Who may cancel any message; anyone else only those they sent.
_CANCEL_ANY = frozenset({Role.ADMIN, Role.SUPERVISOR})


def send(cmd: SendSms, ws: Workspace, p: Policies) -> tuple[SmsQueued, ...]:
    authorize_caller(ws, cmd.caller, Action.SEND_SMS)
    callback: Callback | None = None
    if cmd.callback_id is not None:
        callback = visible(ws, cmd.caller, cmd.callback_id)
    elif cmd.caller.role is Role.AGENT:
        msg = "an agent sends SMS only for their own callback: name it in callback_id"
        raise ForbiddenError(msg)
    if not cmd.send_id.strip():
        raise InvalidRequestError.single("send_id", "must not be empty", "required")
    v = Validator()
    template_id = v.token("template_id", cmd.template_id)
    kind = rules.message_type(v, "type", cmd.message_type)
    sender = rules.sender_number(v, "sender", cmd.sender)
    recipients = rules.recipients(v, "recipients", cmd.recipients)
    rules.reservation(v, "reserve_at", cmd.reserve_at, now=cmd.at)
    v.raise_if_any()
    assert template_id is not None and kind is not None
    catalog = ws.get(SmsCatalog, SMS_CATALOG_ID)
    template = _template(v, catalog, template_id, kind, sender)
    v.raise_if_any()
    assert template is not None
    subject, body = _text(v, cmd, template, kind, callback, p)
    v.raise_if_any()
    queued = []
    for recipient in recipients:
        message_id = SmsMessage.create_id(cmd.send_id, recipient)
        message = ws.get(SmsMessage, message_id)
        if message is None:
            message = SmsMessage.request(
                send_id=cmd.send_id,
                template_id=template_id,
                message_type=kind.value,
                sender=sender or "",
                recipient=recipient,
                subject=subject,
                body=body,
                images=list(template["images"]) if kind is rules.MessageType.MMS else [],
                reserve_at=cmd.reserve_at,
                callback_id=cmd.callback_id,
                by=cmd.caller,
                at=cmd.at,
            )
            ws.add(message)
        queued.append(SmsQueued(message_id=message_id, recipient=recipient, state=message.state))
    return tuple(queued)


def _template(
    v: Validator,
    catalog: SmsCatalog | None,
    template_id: str,
    kind: rules.MessageType,
    sender: str | None,
) -> dict[str, Any] | None:
    """The usable template named, its type and a registered sender; refusals in `v`."""
    template = None if catalog is None else catalog.templates.get(template_id)
    if catalog is None or template is None:
        v.refuse("template_id", f"no template '{template_id}'", "not_found")
        return None
    if not catalog.usable(template_id):
        v.refuse("template_id", "is not in use (or its category is not)", "not_in_use")
    if template["type"] != kind.value:
        v.refuse("type", f"the template is an {template['type']}", "mismatch")
    if sender is not None and sender not in catalog.senders:
        v.refuse("sender", "is not a registered sender number (sender-upsert)", "not_registered")
    return template


def _text(  # noqa: PLR0917 - one call site
    v: Validator,
    cmd: SendSms,
    template: dict[str, Any],
    kind: rules.MessageType,
    callback: Callback | None,
    p: Policies,
) -> tuple[str, str]:
    """The subject and body to send: as given (equal to the template's unless it is
    editable), placeholders filled from the callback, then held to the limits."""
    subject, body = cmd.subject or "", cmd.body
    if not template["editable"]:
        if body != template["body"]:
            v.refuse("body", "the template is not editable: send its body as it is", "not_editable")
        if subject != (template["subject"] or ""):
            v.refuse(
                "subject", "the template is not editable: send its subject as it is", "not_editable"
            )
    if callback is not None:
        values = ph.values_of(callback, p.phones, p.timezone)
        subject, body = ph.fill(subject, values), ph.fill(body, values)
    else:
        for name, text in (("subject", subject), ("body", body)):
            if ph.held(text):
                v.refuse(
                    name,
                    f"holds {', '.join(ph.held(text))}: name the callback (callback_id) "
                    "they are filled from",
                    "needs_callback",
                )
    return rules.subject_text(v, "subject", kind, subject), rules.body_text(v, "body", kind, body)


def cancel(cmd: CancelSms, ws: Workspace, _p: Policies) -> SmsCancelResult:
    authorize_caller(ws, cmd.caller, Action.CANCEL_SMS)
    if not cmd.message_ids:
        raise InvalidRequestError.single("message_ids", "name at least one message", "required")
    cancelled, skipped = [], []
    for message_id in dict.fromkeys(cmd.message_ids):
        message = ws.get(SmsMessage, message_id)
        if message is None or not (
            cmd.caller.role in _CANCEL_ANY or message.sent_by == cmd.caller.actor
        ):
            skipped.append(
                SmsSkipped(
                    message_id=message_id,
                    state=None,
                    reason="not_found",
                    message=f"no SMS message {message_id}",
                )
            )
        elif message.state is not SmsState.RESERVED:
            skipped.append(
                SmsSkipped(
                    message_id=message_id,
                    state=message.state.value,
                    reason="invalid_transition",
                    message=f"only a RESERVED message can be cancelled; this one is "
                    f"{message.state.value}",
                )
            )
        else:
            message.cancel(by=cmd.caller, at=cmd.at)
            cancelled.append(message_id)
    return SmsCancelResult(cancelled=tuple(cancelled), skipped=tuple(skipped))
