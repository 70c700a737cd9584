"""Pydantic wire contracts of CONTRACT.md: payloads, reply data and the envelope."""

from __future__ import annotations

from adapters.messaging.messages.admin import (
    AgentUpsertPayload,
    AssignPayload,
    CancelPayload,
    CreatePayload,
    RecreatePayload,
    ReschedulePayload,
    UnassignPayload,
)
from adapters.messaging.messages.agent import (
    CompletePayload,
    DialPayload,
    DialResultPayload,
    FinishPayload,
    PresencePayload,
    SchedulePayload,
)
from adapters.messaging.messages.envelope import error, error_reply, ok, parse
from adapters.messaging.messages.intake import IntakeAbandon, IntakeCancel, IntakeRequest
from adapters.messaging.messages.queries import (
    AgentCountsQuery,
    AgentListQuery,
    AssignmentSummaryQuery,
    GetQuery,
    HealthQuery,
    HistoryQuery,
    ListQuery,
    PendingQuery,
    SearchQuery,
    TreatmentRateQuery,
)
from adapters.messaging.messages.replies import (
    agent_saved_reply,
    attempts_reply,
    bulk_reply,
    cancel_reply,
    completion_reply,
    intake_reply,
    recreate_reply,
    reschedule_reply,
)

__all__ = [
    "AgentCountsQuery",
    "AgentListQuery",
    "AgentUpsertPayload",
    "AssignPayload",
    "AssignmentSummaryQuery",
    "CancelPayload",
    "CompletePayload",
    "CreatePayload",
    "DialPayload",
    "DialResultPayload",
    "FinishPayload",
    "GetQuery",
    "HealthQuery",
    "HistoryQuery",
    "IntakeAbandon",
    "IntakeCancel",
    "IntakeRequest",
    "ListQuery",
    "PendingQuery",
    "PresencePayload",
    "RecreatePayload",
    "ReschedulePayload",
    "SchedulePayload",
    "SearchQuery",
    "TreatmentRateQuery",
    "UnassignPayload",
    "agent_saved_reply",
    "attempts_reply",
    "bulk_reply",
    "cancel_reply",
    "completion_reply",
    "error",
    "error_reply",
    "intake_reply",
    "ok",
    "parse",
    "recreate_reply",
    "reschedule_reply",
]
