"""What the service publishes: each subject (after the prefix) and its message's model, for
the schemas, the AsyncAPI document and the contract tests (beside the subject table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.messaging.messages import published
from adapters.messaging.streams import EVENT_ADDRESSES

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Published:
    """A subject the service publishes on (after the prefix), and its message's model."""

    name: str  # the AsyncAPI channel
    address: str
    model: type[BaseModel]
    schema: str  # its schema: `schemas/json/published.<schema>.v1.json`
    summary: str


_EVENTS_SUMMARY = (
    "Every domain event, in log order, durably on JetStream stream CALLBACK_EVENTS; "
    "header Nats-Msg-Id = {aggregate_id}:{version}."
)
PUBLISHED: tuple[Published, ...] = (
    Published(
        "notify.agent",
        "notify.agent.{agent_id}",
        published.AgentNotification,
        "notify.agent",
        "To that agent's desktop: assigned / unassigned / completed, with pending_count.",
    ),
    Published(
        "notify.received",
        "notify.received",
        published.ReceivedNotification,
        "notify.received",
        "To supervisors' screens: a new callback, summarised.",
    ),
    Published(
        "notify.intake",
        "notify.intake",
        published.IntakeOutcome,
        "notify.intake",
        "To submitters of intake.submit: the outcome of each submitted request.",
    ),
    # One rule for every aggregate kind (streams.EVENT_ADDRESSES): a callback's events under
    # its id, every other kind's under `{kind}.{key}`; then the event's name.
    *(
        Published(
            "events" if kind == "Callback" else address.rsplit(".", 1)[0],
            f"{address}.{{event_name}}",
            published.EventMessage,
            "events",
            f"{kind} events. {_EVENTS_SUMMARY}",
        )
        for kind, address in EVENT_ADDRESSES.items()
    ),
)
