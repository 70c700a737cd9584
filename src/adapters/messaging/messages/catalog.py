"""Every subject's payload and reply data model, by name (`schemas/json/<name>.v1.json`)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from adapters.messaging.messages import (
    admin,
    agent,
    intake,
    published,
    queries,
    read_replies,
    replies,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

# Names are subjects without the configurable prefix; `{agent_id}` tokens dropped.
PAYLOADS: Mapping[str, type[BaseModel]] = MappingProxyType(
    {
        "intake.request": intake.IntakeRequest,
        "intake.submit": intake.IntakeRequest,
        "intake.cancel": intake.IntakeCancel,
        "intake.abandon": intake.IntakeAbandon,
        "agent.schedule": agent.SchedulePayload,
        "agent.dial": agent.DialPayload,
        "agent.dial-result": agent.DialResultPayload,
        "agent.complete": agent.CompletePayload,
        "agent.finish": agent.FinishPayload,
        "agent.list": queries.AgentListQuery,
        "agent.pending": queries.PendingQuery,
        "admin.create": admin.CreatePayload,
        "admin.assign": admin.AssignPayload,
        "admin.unassign": admin.UnassignPayload,
        "admin.reschedule": admin.ReschedulePayload,
        "admin.cancel": admin.CancelPayload,
        "admin.recreate": admin.RecreatePayload,
        "admin.agent-upsert": admin.AgentUpsertPayload,
        "query.health": queries.HealthQuery,
        "query.get": queries.GetQuery,
        "query.list": queries.ListQuery,
        "query.search": queries.SearchQuery,
        "query.history": queries.HistoryQuery,
        "query.assignment-summary": queries.AssignmentSummaryQuery,
        "query.agent-counts": queries.AgentCountsQuery,
        "query.treatment-rate": queries.TreatmentRateQuery,
        "cti.presence": agent.PresencePayload,
    }
)

REPLIES: Mapping[str, type[BaseModel]] = MappingProxyType(
    {
        "intake.request": replies.IntakeReply,
        "intake.cancel": replies.CancelReply,
        "intake.abandon": replies.CompletionReply,
        "agent.schedule": replies.IntakeReply,
        "agent.dial": replies.AttemptsReply,
        "agent.dial-result": replies.AttemptsReply,
        "agent.complete": replies.CompletionReply,
        "agent.finish": replies.CompletionReply,
        "agent.list": read_replies.ListPageReply,
        "agent.pending": read_replies.PendingReply,
        "admin.create": replies.IntakeReply,
        "admin.assign": replies.BulkReply,
        "admin.unassign": replies.BulkReply,
        "admin.reschedule": replies.RescheduleReply,
        "admin.cancel": replies.CancelReply,
        "admin.recreate": replies.RecreateReply,
        "admin.agent-upsert": replies.AgentSavedReply,
        "query.health": read_replies.HealthReply,
        "query.get": read_replies.CallbackDetail,
        "query.list": read_replies.ListPageReply,
        "query.search": read_replies.SearchReply,
        "query.history": read_replies.HistoryReply,
        "query.assignment-summary": read_replies.SummaryReply,
        "query.agent-counts": read_replies.AgentCountsReply,
        "query.treatment-rate": read_replies.TreatmentRateReply,
        "cti.presence": replies.AgentSavedReply,
    }
)

# What the service publishes, by subject name (without the prefix; `{...}` tokens dropped).
PUBLISHED: Mapping[str, type[BaseModel]] = MappingProxyType(
    {
        "notify.agent": published.AgentNotification,
        "notify.received": published.ReceivedNotification,
        "notify.intake": published.IntakeOutcome,
        "events": published.EventMessage,
    }
)
