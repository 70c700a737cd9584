"""Command handlers: each decides one command against a workspace of aggregates.

A handler checks everything (role, lifecycle, fields) before it triggers the first
event, so a refused command leaves its aggregates as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain import commands as c
from callback_domain.handlers import (
    assignment,
    directory,
    intake,
    offers,
    people,
    routes,
    sms,
    sms_dispatch,
    sms_send,
    work,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace


HANDLERS: dict[type[c.Command], Callable[[Any, Workspace, Policies], Any]] = {
    c.RequestCallback: intake.request,
    c.RecreateCallback: intake.recreate,
    c.RescheduleCallback: work.reschedule,
    c.QueueDueCallback: work.queue_due,
    c.AssignCallbacks: assignment.assign,
    c.UnassignCallbacks: assignment.unassign,
    c.DialCallback: work.dial,
    c.CallNow: work.call_now,
    c.RecordDialResult: work.dial_result,
    c.CompleteCallback: work.complete,
    c.FinishCallback: work.finish,
    c.CancelCallbacks: work.cancel,
    c.AbandonCallback: work.abandon,
    c.ExpireCallback: work.expire,
    c.UpsertAgent: directory.upsert_agent,
    c.SetPresence: directory.set_presence,
    c.UpsertUser: people.upsert_user,
    c.SetPassword: people.set_password,
    c.RecordPolicies: directory.record_policies,
    c.UpsertSmsSender: sms.upsert_sender,
    c.UpsertSmsCategory: sms.upsert_category,
    c.UpsertSmsTemplate: sms.upsert_template,
    c.DeleteSmsTemplates: sms.delete_templates,
    c.SendSms: sms_send.send,
    c.CancelSms: sms_send.cancel,
    c.StartSmsHandOver: sms_dispatch.start_hand_over,
    c.RecordSmsDelivery: sms_dispatch.record_delivery,
    c.RecordSmsStatus: sms_dispatch.record_status,
    c.UpsertRoute: routes.upsert_route,
    c.SetHours: routes.set_hours,
    c.OfferCallbacks: offers.offer,
    c.AcceptOffer: offers.accept,
    c.RejectOffer: offers.reject,
    c.WithdrawOffer: offers.withdraw,
    c.ExpireOwnership: offers.expire_ownership,
}
