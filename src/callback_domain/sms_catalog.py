"""The SMS set-up of a deployment: sender numbers, two levels of template categories and
the templates, as one aggregate (NHN Online Contact "SMS 발송 → 템플릿 관리").

One aggregate, so the rules that span them (a template's category is a second-level one
and its sender is registered; a category that holds templates stays second-level; one
with sub-categories stays first-level) are decided against one consistent state, and two
concurrent changes conflict rather than break them. Images are not kept here: a template
names each by its SHA-256, and the bytes are an `SmsImage` of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from callback_domain.values import Caller

SMS_CATALOG_ID: UUID = uuid5(NAMESPACE_URL, "urn:callbacks:sms-catalog")


class SmsCatalog(Aggregate):
    """State is plain JSON-ready data (dicts of str, bool, lists), so a snapshot of it
    needs no transcoding:

    - `senders`: number (digits) → label
    - `categories`: category_id → {name, parent_id, in_use}
    - `templates`: template_id → {category_id, type, in_use, editable, name, description,
      sender, subject, body, images: [{name, size, sha256}]}; a deleted one is gone.
    """

    TOPIC = "callbacks:SmsCatalog"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:SmsCatalog.Created"

    class Event(AuditedEvent, Aggregate.Event):
        actor: str
        role: str
        channel: str
        issuer: str

    class Opened(Aggregate.Created, Event):
        TOPIC = "callbacks:SmsCatalog.Opened"

        def apply(self, agg: SmsCatalog) -> None:
            agg.senders = {}
            agg.categories = {}
            agg.templates = {}

    class SenderRegistered(Event):
        TOPIC = "callbacks:SmsCatalog.SenderRegistered"
        number: str
        label: str

        def apply(self, agg: SmsCatalog) -> None:
            agg.senders[self.number] = self.label

    class SenderChanged(SenderRegistered):
        TOPIC = "callbacks:SmsCatalog.SenderChanged"

    class CategoryAdded(Event):
        TOPIC = "callbacks:SmsCatalog.CategoryAdded"
        category_id: str
        name: str
        parent_id: str | None
        in_use: bool

        def apply(self, agg: SmsCatalog) -> None:
            agg.categories[self.category_id] = {
                "name": self.name,
                "parent_id": self.parent_id,
                "in_use": self.in_use,
            }

    class CategoryChanged(CategoryAdded):
        TOPIC = "callbacks:SmsCatalog.CategoryChanged"

    class TemplateAdded(Event):
        TOPIC = "callbacks:SmsCatalog.TemplateAdded"
        template_id: str
        template: dict[str, Any]

        def apply(self, agg: SmsCatalog) -> None:
            agg.templates[self.template_id] = dict(self.template)

    class TemplateChanged(TemplateAdded):
        TOPIC = "callbacks:SmsCatalog.TemplateChanged"

    class TemplatesDeleted(Event):
        TOPIC = "callbacks:SmsCatalog.TemplatesDeleted"
        template_ids: list[str]

        def apply(self, agg: SmsCatalog) -> None:
            for template_id in self.template_ids:
                agg.templates.pop(template_id, None)

    if TYPE_CHECKING:  # set by Opened.apply
        senders: dict[str, str]
        categories: dict[str, dict[str, Any]]
        templates: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, *, by: Caller, at: datetime) -> SmsCatalog:
        return cls._create(cls.Opened, id=SMS_CATALOG_ID, timestamp=at, **by.audit())

    # Reads the handlers decide with ----------------------------------------------

    def is_first_level(self, category_id: str) -> bool:
        found = self.categories.get(category_id)
        return found is not None and found["parent_id"] is None

    def children(self, category_id: str) -> list[str]:
        return [c for c, v in self.categories.items() if v["parent_id"] == category_id]

    def templates_in(self, category_id: str) -> list[str]:
        return [t for t, v in self.templates.items() if v["category_id"] == category_id]

    def category_in_use(self, category_id: str) -> bool:
        """In use, and so is its parent: a category not in use hides all below it."""
        found = self.categories.get(category_id)
        if found is None or not found["in_use"]:
            return False
        parent = found["parent_id"]
        return parent is None or self.category_in_use(parent)

    def usable(self, template_id: str) -> bool:
        """A template a sender may choose: in use, under categories in use."""
        found = self.templates.get(template_id)
        return bool(found and found["in_use"] and self.category_in_use(found["category_id"]))

    # Changes: each records an event only if something differs; True if it did --------

    def set_sender(self, number: str, label: str, *, by: Caller, at: datetime) -> bool:
        known = self.senders.get(number)
        if known == label:
            return False
        kind = self.SenderRegistered if known is None else self.SenderChanged
        self.trigger_event(kind, timestamp=at, number=number, label=label, **by.audit())
        return True

    def set_category(
        self,
        category_id: str,
        *,
        name: str,
        parent_id: str | None,
        in_use: bool,
        by: Caller,
        at: datetime,
    ) -> bool:
        wanted = {"name": name, "parent_id": parent_id, "in_use": in_use}
        known = self.categories.get(category_id)
        if known == wanted:
            return False
        kind = self.CategoryAdded if known is None else self.CategoryChanged
        self.trigger_event(kind, timestamp=at, category_id=category_id, **wanted, **by.audit())
        return True

    def set_template(
        self, template_id: str, template: dict[str, Any], *, by: Caller, at: datetime
    ) -> bool:
        known = self.templates.get(template_id)
        if known == template:
            return False
        kind = self.TemplateAdded if known is None else self.TemplateChanged
        self.trigger_event(
            kind, timestamp=at, template_id=template_id, template=template, **by.audit()
        )
        return True

    def delete_templates(self, template_ids: Iterable[str], *, by: Caller, at: datetime) -> None:
        self.trigger_event(
            self.TemplatesDeleted, timestamp=at, template_ids=list(template_ids), **by.audit()
        )
