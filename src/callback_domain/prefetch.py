"""Which aggregates a batch of commands will read, so they load in one round trip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain import commands as c
from callback_domain.agent import Agent
from callback_domain.callback import Callback
from callback_domain.permissions import AGENT_ROLES
from callback_domain.phone_line import PhoneLine
from callback_domain.route_book import ROUTE_BOOK_ID
from callback_domain.slot_seats import SlotSeats
from callback_domain.sms_catalog import SMS_CATALOG_ID
from callback_domain.user import User

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from uuid import UUID

    from callback_domain.phones import PhoneNumbers


def first_round(commands: Sequence[c.Command], phones: PhoneNumbers) -> list[UUID]:
    """The ids named by the commands themselves (a guess where fields are not yet
    validated: a wrong guess costs one extra query later, nothing more)."""
    ids: list[UUID] = []
    for command in commands:
        if command.caller.role in AGENT_ROLES:
            ids.append(Agent.create_id(command.caller.actor))
        if isinstance(command, (c.RequestCallback, c.RecreateCallback, c.UpsertRoute, c.SetHours)):
            ids.append(ROUTE_BOOK_ID)
        if isinstance(command, c.RequestCallback):
            ids.append(Callback.create_id(command.request_id.strip()))
            if isinstance(command.route, str):
                ids.append(SlotSeats.create_id(command.route.strip()))
            if isinstance(command.phone, str) and isinstance(command.route, str):
                e164 = phones.e164(command.phone)
                if e164 is not None:
                    ids.extend(PhoneLine.ids_for(e164, command.route.strip(), phones))
            if command.routing_agent:
                ids.append(Agent.create_id(command.routing_agent))
        if isinstance(command, c.SendSms):
            ids.append(SMS_CATALOG_ID)
        for name in ("callback_id", "message_id"):
            value = getattr(command, name, None)
            if value is not None:
                ids.append(value)
        ids.extend(getattr(command, "callback_ids", ()))
        if getattr(command, "callback_id", None) or getattr(command, "callback_ids", None):
            ids.append(ROUTE_BOOK_ID)  # its hours and seats (handlers/seats.py)
        ids.extend(getattr(command, "message_ids", ()))
        ids.extend(
            Agent.create_id(a) for a in getattr(command, "agent_ids", ()) if isinstance(a, str)
        )
        user = getattr(command, "user", None)
        if isinstance(user, str):
            ids.extend((User.create_id(user), Agent.create_id(user)))
        agent_id = getattr(command, "agent_id", None)
        if isinstance(agent_id, str):
            ids.append(Agent.create_id(agent_id))
    return ids


def second_round(found: Iterable[Any], phones: PhoneNumbers) -> list[UUID]:
    """What the loaded aggregates point at: a line's open candidates, an agent's held
    callbacks, and the lines of callbacks about to be recreated."""
    ids: list[UUID] = []
    for aggregate in found:
        if isinstance(aggregate, PhoneLine):
            ids.extend(aggregate.candidates)
        elif isinstance(aggregate, Agent):
            ids.extend(aggregate.held)
        elif isinstance(aggregate, Callback):
            ids.extend(
                PhoneLine.ids_for(phones.canonical(aggregate.phone), aggregate.route, phones)
            )
            ids.append(SlotSeats.create_id(aggregate.route))  # its seat, if it moves
    return ids
