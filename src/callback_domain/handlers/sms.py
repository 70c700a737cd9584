"""The SMS set-up (ADMIN): sender numbers, template categories, templates, their deletion.

Every field is checked, then every rule that spans the catalog, before the first event;
the catalog is opened by the first change of a deployment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callback_domain import sms_rules as rules
from callback_domain.handlers.access import authorize_caller
from callback_domain.permissions import Action
from callback_domain.results import SmsSaved, SmsTemplatesDeleted
from callback_domain.sms_catalog import SMS_CATALOG_ID, SmsCatalog
from callback_domain.sms_image import SmsImage
from callback_domain.values import Validator

if TYPE_CHECKING:
    from callback_domain.commands import (
        Command,
        DeleteSmsTemplates,
        UpsertSmsCategory,
        UpsertSmsSender,
        UpsertSmsTemplate,
    )
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace

MAX_SMS_NAME = 100  # a label, a category's or a template's or an image's name
MAX_DESCRIPTION = 500


def _known(ws: Workspace) -> SmsCatalog | None:
    return ws.get(SmsCatalog, SMS_CATALOG_ID)


def _for_change(ws: Workspace, known: SmsCatalog | None, cmd: Command) -> SmsCatalog:
    """The catalog to record in; the first change of a deployment opens it."""
    if known is not None:
        return known
    opened = SmsCatalog.open(by=cmd.caller, at=cmd.at)
    ws.add(opened)
    return opened


def upsert_sender(cmd: UpsertSmsSender, ws: Workspace, _p: Policies) -> SmsSaved:
    authorize_caller(ws, cmd.caller, Action.MANAGE_SMS)
    v = Validator()
    number = rules.sender_number(v, "number", cmd.number)
    label = v.text("label", cmd.label, max_length=MAX_SMS_NAME, required=False) or ""
    v.raise_if_any()
    assert number is not None
    known = _known(ws)
    created = known is None or number not in known.senders
    catalog = _for_change(ws, known, cmd)
    changed = catalog.set_sender(number, label, by=cmd.caller, at=cmd.at)
    return SmsSaved(key=number, created=created, changed=changed)


def upsert_category(cmd: UpsertSmsCategory, ws: Workspace, _p: Policies) -> SmsSaved:
    authorize_caller(ws, cmd.caller, Action.MANAGE_SMS)
    v = Validator()
    category_id = v.token("category_id", cmd.category_id)
    name = v.text("name", cmd.name, max_length=MAX_SMS_NAME)
    parent_id = v.token("parent_id", cmd.parent_id, required=False)
    v.raise_if_any()
    assert category_id is not None and name is not None
    known = _known(ws)
    _check_level(v, known, category_id, parent_id)
    v.raise_if_any()
    created = known is None or category_id not in known.categories
    catalog = _for_change(ws, known, cmd)
    changed = catalog.set_category(
        category_id, name=name, parent_id=parent_id, in_use=cmd.in_use, by=cmd.caller, at=cmd.at
    )
    return SmsSaved(key=category_id, created=created, changed=changed)


def _check_level(
    v: Validator, known: SmsCatalog | None, category_id: str, parent_id: str | None
) -> None:
    """Two levels: a parent is a first-level category; a category with sub-categories
    stays first-level, one holding templates stays second-level."""
    field = "parent_id"
    if parent_id is not None:
        if parent_id == category_id:
            v.refuse(field, "a category cannot be its own parent", "self")
        elif known is None or parent_id not in known.categories:
            v.refuse(field, f"no category '{parent_id}'; add it first", "not_found")
        elif not known.is_first_level(parent_id):
            v.refuse(field, "categories have two levels: a parent must be first-level", "too_deep")
        elif known.children(category_id):
            v.refuse(
                field, "this category has sub-categories: it stays first-level", "has_children"
            )
    elif known is not None and known.templates_in(category_id):
        v.refuse(field, "this category holds templates: it stays second-level", "has_templates")


def upsert_template(cmd: UpsertSmsTemplate, ws: Workspace, _p: Policies) -> SmsSaved:
    authorize_caller(ws, cmd.caller, Action.MANAGE_SMS)
    v = Validator()
    template_id = v.token("template_id", cmd.template_id)
    category_id = v.token("category_id", cmd.category_id)
    name = v.text("name", cmd.name, max_length=MAX_SMS_NAME)
    description = v.text("description", cmd.description, max_length=MAX_DESCRIPTION, required=False)
    sender = rules.sender_number(v, "sender", cmd.sender)
    kind = rules.message_type(v, "type", cmd.message_type)
    subject = body = ""
    images: tuple[rules.Image, ...] = ()
    if kind is not None:
        subject = rules.subject_text(v, "subject", kind, cmd.subject)
        body = rules.body_text(v, "body", kind, cmd.body)
        images = rules.images(v, "images", kind, cmd.images)
    v.raise_if_any()
    assert template_id is not None and category_id is not None and kind is not None
    known = _known(ws)
    if known is None or category_id not in known.categories:
        v.refuse("category_id", f"no category '{category_id}'", "not_found")
    elif known.is_first_level(category_id):
        v.refuse("category_id", "templates live under second-level categories only", "first_level")
    if known is None or sender not in known.senders:
        v.refuse("sender", "is not a registered sender number (sender-upsert)", "not_registered")
    v.raise_if_any()
    assert known is not None
    template: dict[str, Any] = {
        "category_id": category_id,
        "type": kind.value,
        "in_use": cmd.in_use,
        "editable": cmd.editable,
        "name": name,
        "description": description or "",
        "sender": sender,
        "subject": subject,
        "body": body,
        "images": [{"name": i.name, "size": i.size, "sha256": i.sha256} for i in images],
    }
    created = template_id not in known.templates
    changed = known.set_template(template_id, template, by=cmd.caller, at=cmd.at)
    for image in {i.sha256: i for i in images}.values():
        if ws.get(SmsImage, SmsImage.create_id(image.sha256)) is None:
            ws.add(SmsImage.store(image, by=cmd.caller, at=cmd.at))
    return SmsSaved(key=template_id, created=created, changed=changed)


def delete_templates(cmd: DeleteSmsTemplates, ws: Workspace, _p: Policies) -> SmsTemplatesDeleted:
    authorize_caller(ws, cmd.caller, Action.MANAGE_SMS)
    v = Validator()
    if not cmd.template_ids:
        v.refuse("template_ids", "name at least one template", "required")
    wanted = v.tokens("template_ids", cmd.template_ids)
    v.raise_if_any()
    known = _known(ws)
    held = set() if known is None else set(known.templates)
    deleted = tuple(t for t in wanted if t in held)
    if deleted:
        assert known is not None
        known.delete_templates(deleted, by=cmd.caller, at=cmd.at)
    return SmsTemplatesDeleted(deleted=deleted, not_found=tuple(t for t in wanted if t not in held))
