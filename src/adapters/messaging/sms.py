"""The SMS set-up's handlers of the subject table: `admin.sms.*` and `query.sms.templates`.

The templates are read from the write model (the catalog is one small aggregate, loaded
from its latest snapshot), so an answer includes everything recorded before it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.messaging.messages import sms as m
from callback_domain.permissions import Action, authorize
from callback_domain.sms_tree import template_tree

if TYPE_CHECKING:
    from adapters.messaging.context import Call
    from callback_domain.results import Outcome, SmsSaved


async def _decided(call: Call[Any]) -> Outcome:
    return await call.ctx.command(call.payload.to_command(call.caller, call.ctx.clock()))


async def _saved(call: Call[Any]) -> tuple[SmsSaved, int | None]:
    outcome = await _decided(call)
    return outcome.unwrap(), outcome.log_position


async def sender_upsert(call: Call[m.SenderUpsertPayload]) -> m.SenderSavedReply:
    saved, position = await _saved(call)
    return m.SenderSavedReply(
        number=saved.key, created=saved.created, changed=saved.changed, log_position=position
    )


async def category_upsert(call: Call[m.CategoryUpsertPayload]) -> m.CategorySavedReply:
    saved, position = await _saved(call)
    return m.CategorySavedReply(
        category_id=saved.key, created=saved.created, changed=saved.changed, log_position=position
    )


async def template_upsert(call: Call[m.TemplateUpsertPayload]) -> m.TemplateSavedReply:
    saved, position = await _saved(call)
    return m.TemplateSavedReply(
        template_id=saved.key, created=saved.created, changed=saved.changed, log_position=position
    )


async def template_delete(call: Call[m.TemplateDeletePayload]) -> m.TemplatesDeletedReply:
    outcome = await _decided(call)
    result = outcome.unwrap()
    return m.TemplatesDeletedReply(
        deleted=list(result.deleted),
        not_found=list(result.not_found),
        log_position=outcome.log_position,
    )


async def templates(call: Call[m.TemplatesQuery]) -> m.TemplatesReply:
    authorize(call.caller, Action.READ_SMS_TEMPLATES)
    service = call.ctx.service

    def read() -> tuple[int | None, Any]:
        position = service.recorder.max_notification_id()  # before: the answer includes it
        return position, service.get_sms_catalog()

    position, catalog = await call.ctx.read(read)
    tree = template_tree(catalog, usable_only=call.payload.usable_only)
    return m.TemplatesReply.model_validate({**tree, "log_position": position})
