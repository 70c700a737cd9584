"""Sending SMS in a real browser against a running serve (no SMS provider: messages stay
RESERVED): an administrator sets up a sender, a category tree and two templates through
`/api`; a supervisor refused for an empty recipient list, an over-long body and a too-early
reservation (each refusal next to its field), sends two reserved messages, a third from a
template that is not editable, and cancels that one on the message list, which shows both
states (a monitor reads it, without cancelling); both screens pass axe-core in English and
Korean."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import assert_accessible, screenshot, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow

SEOUL = ZoneInfo("Asia/Seoul")


def _local(ahead: timedelta) -> str:
    """A datetime-local value on the contact center's clock."""
    return (datetime.now(SEOUL) + ahead).strftime("%Y-%m-%dT%H:%M")


def _set_up(console: Console) -> None:
    console.ok("admin.sms.sender-upsert", {"number": "1588-1234", "label": "Main line"})
    console.ok("admin.sms.category-upsert", {"category_id": "notice", "name": "Notices"})
    console.ok(
        "admin.sms.category-upsert",
        {"category_id": "callback", "name": "Callback replies", "parent_id": "notice"},
    )
    template = {"category_id": "callback", "type": "SMS", "sender": "15881234"}
    console.ok(
        "admin.sms.template-upsert",
        {**template, "template_id": "missed", "name": "Missed call", "body": "안녕하세요 ABC"},
    )
    console.ok(
        "admin.sms.template-upsert",
        {
            **template,
            "template_id": "fixed",
            "name": "Fixed notice",
            "editable": False,
            "body": "We will call you back.",
        },
    )


def _rows(page: Page, count: int) -> None:
    """Until the list shows `count` messages (the view follows the log), refreshing."""
    deadline = time.monotonic() + 15
    while page.locator("#sms-messages-rows tr[data-message]").count() != count:
        assert time.monotonic() < deadline, "the message list did not catch up"
        page.get_by_role("button", name="Refresh").click()
        time.sleep(0.3)


def test_send_reserve_refuse_and_cancel(console: Console) -> None:
    from playwright.sync_api import expect

    _set_up(console)
    console.user("sup", "SUPERVISOR")
    page = console.page("sup")
    page.goto("/sms/send")
    expect(page.get_by_role("heading", level=1)).to_have_text("Send SMS")
    wait_for(page, "document.querySelectorAll('#sms-send-template option').length === 3")
    assert_accessible(page)

    page.get_by_label("Template", exact=True).select_option("missed")
    body = page.get_by_label("Message", exact=True)
    expect(body).to_have_value("안녕하세요 ABC")
    expect(body).not_to_have_attribute("readonly", "")
    expect(page.locator("#sms-send-type")).to_have_text("SMS")
    expect(page.locator("#sms-send-body-bytes")).to_have_text("14 / 90 bytes")
    expect(page.get_by_label("Sender number")).to_have_value("15881234")

    send = page.get_by_role("button", name="Send", exact=True)
    send.click()  # no recipient
    recipients = page.get_by_label("Recipient numbers")
    expect(recipients).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sms-send-form .field-error")).to_contain_text("recipients")
    expect(page.locator("#sms-send-error")).to_contain_text("invalid_request")

    recipients.fill("010-1234-5678, 01098765432")
    expect(page.locator("#sms-send-count")).to_have_text("2 recipients")
    page.get_by_label("Reserve", exact=True).check()
    when = page.get_by_label("Reservation time")
    when.fill(_local(timedelta(minutes=10)))  # too soon: the server refuses
    send.click()
    expect(when).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sms-send-form .field-error")).to_contain_text("reserve_at")
    expect(recipients).not_to_have_attribute("aria-invalid", "true")

    body.fill("가" * 46)  # 92 bytes: the counter warns, the server refuses
    expect(page.locator("#sms-send-body-bytes")).to_have_text("92 / 90 bytes")
    when.fill(_local(timedelta(hours=2)))
    send.click()
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sms-send-form .field-error")).to_contain_text("body")

    body.fill("안녕하세요 ABC")
    send.click()
    expect(page.locator("#sms-send-result")).to_have_text("2 messages recorded.")
    results = page.locator("#sms-send-rows tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("01012345678")
    expect(results.first).to_contain_text("Reserved")
    expect(page.locator("#sms-send-error")).to_be_hidden()

    page.get_by_label("Template", exact=True).select_option("fixed")
    expect(body).to_have_value("We will call you back.")
    expect(body).to_have_attribute("readonly", "")
    expect(page.locator("#sms-send-locked")).to_be_visible()
    recipients.fill("01055556666")
    expect(page.locator("#sms-send-count")).to_have_text("1 recipients")
    when.fill(_local(timedelta(hours=3)))
    send.click()
    expect(page.locator("#sms-send-result")).to_have_text("1 messages recorded.")
    expect(page.locator("#sms-send-rows tr")).to_contain_text("01055556666")
    assert_accessible(page)
    screenshot(page, "sms-send")

    page.goto("/sms/messages")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sent messages")
    _rows(page, 3)
    third = page.locator("#sms-messages-rows tr", has_text="01055556666")
    expect(third).to_contain_text("Fixed notice (fixed)")
    expect(third).to_contain_text("sup")
    third.get_by_role("checkbox").check()
    page.get_by_role("button", name="Cancel selected reservations").click()
    expect(page.locator("#sms-messages-cancelled")).to_have_text("Cancelled 1; skipped 0.")
    expect(third).to_contain_text("Cancelled")
    expect(third.get_by_role("checkbox")).to_have_count(0)
    first = page.locator("#sms-messages-rows tr", has_text="01012345678")
    expect(first).to_contain_text("Reserved")
    expect(page.locator("#sms-messages-total")).to_have_text("3 messages")

    page.get_by_label("State").select_option("CANCELLED")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#sms-messages-rows tr[data-message]")).to_have_count(1)
    expect(page.locator("#sms-messages-rows tr[data-message]")).to_contain_text("01055556666")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#sms-messages-rows tr[data-message]")).to_have_count(3)
    assert_accessible(page)
    screenshot(page, "sms-messages")

    console.user("mon", "MONITOR")
    monitor = console.page("mon")
    monitor.goto("/sms/messages")
    expect(monitor.locator("#sms-messages-rows tr[data-message]")).to_have_count(3)
    expect(monitor.locator("#sms-messages-rows tr", has_text="01055556666")).to_contain_text(
        "fixed"
    )
    expect(monitor.get_by_role("checkbox")).to_have_count(0)
    expect(monitor.get_by_role("button", name="Cancel selected reservations")).to_have_count(0)
    refused = monitor.goto("/sms/send")
    assert refused is not None
    assert refused.status == 403

    korean = console.page("sup", lang="ko")
    korean.goto("/sms/send")
    expect(korean.get_by_role("heading", level=1)).to_have_text("문자 발송")
    expect(korean.get_by_label("수신번호")).to_be_visible()
    wait_for(korean, "document.querySelectorAll('#sms-send-template option').length === 3")
    assert_accessible(korean)
    korean.goto("/sms/messages")
    expect(korean.get_by_role("heading", level=1)).to_have_text("발송 내역")
    expect(korean.locator("#sms-messages-rows tr", has_text="01055556666")).to_contain_text(
        "예약 취소"
    )
    expect(korean.locator("#sms-messages-rows tr", has_text="01012345678")).to_contain_text("예약")
    assert_accessible(korean)
