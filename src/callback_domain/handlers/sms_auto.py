"""Automatic messages (DOMAIN.md "SMS and MMS"): per route, off by default, a confirmation
when a SCHEDULED callback is booked and "we tried to reach you" when a callback ends with
MAX_ATTEMPTS. The route's `sms` settings name the templates (admin.route-upsert).

One home: every command's new events pass through `send_automatic` inside the command's
own transaction (as the seat ledger's do), so the message is recorded with the callback
event that calls for it, or not at all. Its id derives from the callback and the kind
(send id `auto-confirm:{callback_id}`), so it is created at most once per callback and
kind whatever happens again. The service sends it (SYSTEM, actor `sms-auto`) to the
callback's phone, placeholders filled from the callback; the message names the callback.
A template that is not usable then (deleted, not in use, its text too long once filled)
sends nothing: an automatic message never refuses the callback's own command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain import sms_placeholders as ph
from callback_domain import sms_rules as rules
from callback_domain.callback import Callback
from callback_domain.lifecycle import CompletionReason
from callback_domain.route_book import ROUTE_BOOK_ID, RouteBook
from callback_domain.sms_catalog import SMS_CATALOG_ID, SmsCatalog
from callback_domain.sms_message import SmsMessage
from callback_domain.values import Caller, Role, Validator

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace

AUTO = Caller(actor="sms-auto", role=Role.SYSTEM, channel="sms-auto")
CONFIRM, MISSED = "confirm", "missed"
# The route's `sms` settings (admin.route-upsert): which template each kind sends.
TEMPLATE_OF = {CONFIRM: "confirm_template_id", MISSED: "missed_template_id"}
SMS_FIELDS = (*TEMPLATE_OF.values(), "sender")


def kind_of(event: object) -> str | None:
    """The automatic message a callback event calls for, if any."""
    if isinstance(event, Callback.Requested) and event.state == "SCHEDULED":
        return CONFIRM
    if (
        isinstance(event, Callback.DialFailed)
        and event.reason == CompletionReason.MAX_ATTEMPTS.value
    ):
        return MISSED
    return None


def send_id(kind: str, callback_id: object) -> str:
    return f"auto-{kind}:{callback_id}"


def send_automatic(ws: Workspace, events: Iterable[object], p: Policies, *, at: datetime) -> None:
    """Records the automatic message each of `events` calls for on its route, once."""
    wanted = [(e, kind) for e in events if (kind := kind_of(e)) is not None]
    if not wanted:
        return
    book = ws.get(RouteBook, ROUTE_BOOK_ID)
    if book is None or not any(settings.sms for settings in book.all()):
        return
    catalog = ws.get(SmsCatalog, SMS_CATALOG_ID)
    if catalog is None:
        return
    for event, kind in wanted:
        callback = ws.find_callback(getattr(event, "originator_id"))  # noqa: B009
        settings = None if callback is None else book.settings(callback.route)
        if callback is None or settings is None:
            continue
        template_id = settings.sms.get(TEMPLATE_OF[kind])
        if template_id:
            _send(ws, callback, kind, template_id, settings.sms.get("sender"), catalog, p, at)


def _send(  # noqa: PLR0917 - one call site
    ws: Workspace,
    callback: Callback,
    kind: str,
    template_id: str,
    sender: str | None,
    catalog: SmsCatalog,
    p: Policies,
    at: datetime,
) -> None:
    template: dict[str, Any] | None = catalog.templates.get(template_id)
    if template is None or not catalog.usable(template_id):
        return
    v = Validator()
    message_type = rules.MessageType(template["type"])
    values = ph.values_of(callback, p.phones, p.timezone)
    subject = rules.subject_text(
        v, "subject", message_type, ph.fill(template["subject"] or "", values)
    )
    body = rules.body_text(v, "body", message_type, ph.fill(template["body"], values))
    recipients = rules.recipients(v, "recipient", p.phones.national(callback.phone))
    if v.errors or len(recipients) != 1:
        return
    message_id = SmsMessage.create_id(send_id(kind, callback.id), recipients[0])
    if ws.get(SmsMessage, message_id) is not None:
        return
    images = list(template["images"]) if message_type is rules.MessageType.MMS else []
    ws.add(
        SmsMessage.request(
            send_id=send_id(kind, callback.id),
            template_id=template_id,
            message_type=message_type.value,
            sender=sender or template.get("sender") or "",
            recipient=recipients[0],
            subject=subject,
            body=body,
            images=images,
            reserve_at=None,
            callback_id=callback.id,
            by=AUTO,
            at=at,
        )
    )
