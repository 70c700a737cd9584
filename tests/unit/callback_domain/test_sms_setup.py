"""The SMS set-up through the service: senders, two-level categories, templates and their
deletion; who and when on every event; refusals record nothing."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from callback_domain import commands as c
from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.sms_catalog import SMS_CATALOG_ID, SmsCatalog
from callback_domain.sms_image import SmsImage
from callback_domain.sms_tree import template_tree
from projections.event_record import EventRecord
from tests.factories import ADMIN, SUPERVISOR, T0

if TYPE_CHECKING:
    from callback_domain.application import CallbackService

JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9").decode()
AT = {"caller": ADMIN, "at": T0}


def sender(number: str = "1588-1234", label: str = "main") -> c.UpsertSmsSender:
    return c.UpsertSmsSender(number=number, label=label, **AT)


def category(category_id: str, parent_id: str | None = None, **kw: Any) -> c.UpsertSmsCategory:
    return c.UpsertSmsCategory(
        category_id=category_id, name=kw.pop("name", category_id), parent_id=parent_id, **AT, **kw
    )


def template(template_id: str = "t1", **kw: Any) -> c.UpsertSmsTemplate:
    fields: dict[str, Any] = {
        "template_id": template_id,
        "category_id": "notice",
        "message_type": "SMS",
        "name": "Reminder",
        "sender": "15881234",
        "body": "고객님, 곧 연락드리겠습니다.",
    }
    return c.UpsertSmsTemplate(**(fields | AT | kw))


def set_up(sut: CallbackService) -> None:
    for command in (sender(), category("callbacks"), category("notice", "callbacks")):
        sut.execute(command)


def refused(sut: CallbackService, command: c.Command) -> list[tuple[str, str | None]]:
    before = sut.recorder.max_notification_id()
    with pytest.raises(InvalidRequestError) as e:
        sut.execute(command)
    assert sut.recorder.max_notification_id() == before
    return [(x.field, x.reason) for x in e.value.errors]


def catalog(sut: CallbackService) -> SmsCatalog:
    found = sut.get_sms_catalog()
    assert found is not None
    return found


class TestSenders:
    def test_a_sender_is_registered_once_by_its_digits_and_relabelled(
        self, sut: CallbackService
    ) -> None:
        first = sut.execute(sender("1588-1234", "main"))
        again = sut.execute(sender("15881234", "main"))
        relabelled = sut.execute(sender("1588 1234", "front desk"))

        assert (first.key, first.created, first.changed) == ("15881234", True, True)
        assert (again.created, again.changed) == (False, False)
        assert (relabelled.created, relabelled.changed) == (False, True)
        assert catalog(sut).senders == {"15881234": "front desk"}

    def test_a_malformed_number_is_refused(self, sut: CallbackService) -> None:
        assert refused(sut, sender("12-34")) == [("number", "wrong_length")]


class TestCategories:
    def test_two_levels_only(self, sut: CallbackService) -> None:
        set_up(sut)

        assert refused(sut, category("deep", "notice")) == [("parent_id", "too_deep")]
        assert refused(sut, category("orphan", "nowhere")) == [("parent_id", "not_found")]
        assert refused(sut, category("self", "self")) == [("parent_id", "self")]

    def test_a_category_with_sub_categories_stays_first_level(self, sut: CallbackService) -> None:
        set_up(sut)
        sut.execute(category("other"))

        assert refused(sut, category("callbacks", "other")) == [("parent_id", "has_children")]

    def test_a_category_holding_templates_stays_second_level(self, sut: CallbackService) -> None:
        set_up(sut)
        sut.execute(template())

        assert refused(sut, category("notice", None)) == [("parent_id", "has_templates")]

    def test_an_empty_second_level_category_may_move_to_another_parent(
        self, sut: CallbackService
    ) -> None:
        set_up(sut)
        sut.execute(category("other"))

        moved = sut.execute(category("notice", "other"))

        assert moved.changed and catalog(sut).categories["notice"]["parent_id"] == "other"


class TestTemplates:
    def test_a_template_lives_under_a_second_level_category_with_a_registered_sender(
        self, sut: CallbackService
    ) -> None:
        set_up(sut)

        assert refused(sut, template(category_id="callbacks")) == [("category_id", "first_level")]
        assert refused(sut, template(category_id="none")) == [("category_id", "not_found")]
        assert refused(sut, template(sender="0212345678")) == [("sender", "not_registered")]

    def test_the_limits_refuse_naming_each_field(self, sut: CallbackService) -> None:
        set_up(sut)

        assert refused(sut, template(body="가" * 46)) == [("body", "too_long")]
        assert refused(sut, template(subject="hi")) == [("subject", "not_allowed")]
        assert refused(sut, template(message_type="MMS", subject="가" * 21)) == [
            ("subject", "too_long")
        ]
        assert refused(sut, template(message_type="LMS")) == [("type", "invalid")]
        assert refused(sut, template(body="😀")) == [("body", "not_encodable")]

    def test_an_mms_stores_each_image_once_and_names_it_by_its_hash(
        self, sut: CallbackService
    ) -> None:
        set_up(sut)
        mms = {"message_type": "MMS", "subject": "안내", "images": (("a.jpg", JPEG),) * 2}

        saved = sut.execute(template(**mms))
        sut.execute(template("t2", **mms))

        kept = catalog(sut).templates["t1"]["images"]
        assert saved.created and [i["name"] for i in kept] == ["a.jpg", "a.jpg"]
        image = sut.repository.get(SmsImage.create_id(kept[0]["sha256"]))
        assert image.size == 106 and image.jpeg_base64 == JPEG
        assert len(list(sut.events.get(image.id))) == 1

    def test_an_unchanged_template_records_nothing(self, sut: CallbackService) -> None:
        set_up(sut)
        sut.execute(template())
        before = sut.recorder.max_notification_id()

        again = sut.execute(template())

        assert (again.created, again.changed) == (False, False)
        assert sut.recorder.max_notification_id() == before

    def test_deleting_names_what_was_deleted_and_what_was_not_there(
        self, sut: CallbackService
    ) -> None:
        set_up(sut)
        sut.execute(template("t1"))
        sut.execute(template("t2"))

        gone = sut.execute(c.DeleteSmsTemplates(template_ids=("t1", "nope"), **AT))

        assert (gone.deleted, gone.not_found) == (("t1",), ("nope",))
        assert set(catalog(sut).templates) == {"t2"}

    def test_only_an_administrator_sets_up(self, sut: CallbackService) -> None:
        with pytest.raises(ForbiddenError):
            sut.execute(c.UpsertSmsSender(number="15881234", caller=SUPERVISOR, at=T0))


def test_every_event_records_who_and_when(sut: CallbackService) -> None:
    set_up(sut)
    sut.execute(
        template(message_type="MMS", subject="s", images=(("a.jpg", JPEG),), at=T0 + timedelta(1))
    )

    records = [EventRecord.of(e, 0) for e in sut.events.get(SMS_CATALOG_ID)]
    assert [r.type for r in records] == [
        "Opened",
        "SenderRegistered",
        "CategoryAdded",
        "CategoryAdded",
        "TemplateAdded",
    ]
    assert {(r.actor, r.role, r.data["issuer"]) for r in records} == {
        ("admin-1", "ADMIN", "callbacks")
    }
    assert records[-1].at == T0 + timedelta(1)


class TestTree:
    def test_a_category_not_in_use_hides_its_templates_whatever_their_flag(
        self, sut: CallbackService
    ) -> None:
        set_up(sut)
        sut.execute(category("hidden", "callbacks", in_use=False))
        sut.execute(category("off"))
        sut.execute(category("below-off", "off"))
        sut.execute(template("shown"))
        sut.execute(template("unused", in_use=False))
        sut.execute(template("in-hidden", category_id="hidden"))
        sut.execute(template("below-off", category_id="below-off"))
        sut.execute(category("off", in_use=False))

        everything = template_tree(catalog(sut), usable_only=False)
        usable = template_tree(catalog(sut), usable_only=True)

        assert _templates(everything) == {
            "shown": True,
            "unused": False,
            "in-hidden": False,
            "below-off": False,
        }
        assert _templates(usable) == {"shown": True}
        assert [c["category_id"] for c in usable["categories"]] == ["callbacks"]
        assert [c["category_id"] for c in usable["categories"][0]["children"]] == ["notice"]
        assert everything["senders"] == [{"number": "15881234", "label": "main"}]

    def test_an_empty_deployment_has_an_empty_tree(self, sut: CallbackService) -> None:
        assert template_tree(sut.get_sms_catalog(), usable_only=True) == {
            "senders": [],
            "categories": [],
        }


def _templates(tree: dict[str, Any]) -> dict[str, bool]:
    return {
        t["template_id"]: t["usable"]
        for first in tree["categories"]
        for child in first["children"]
        for t in child["templates"]
    }


def test_the_catalog_loads_from_a_snapshot(sut: CallbackService) -> None:
    set_up(sut)
    for n in range(60):
        sut.execute(sender(f"0212345{n:03d}", f"line {n}"))
    sut.take_snapshot(SMS_CATALOG_ID)
    sut.repository.cache = None  # type: ignore[assignment]

    loaded = sut.repository.get(SMS_CATALOG_ID)

    assert len(loaded.senders) == 61 and "notice" in loaded.categories
