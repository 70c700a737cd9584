"""The administrator's set-up screens in a real browser against a running serve: a route
registered with its weekday hours, listed with its slots; a reversed interval refused by
the server, which names the field; the SMS category tree, a sender, an SMS template whose
byte counter counts Hangul as 2 bytes, and an over-long SMS body refused naming `body`;
both screens pass axe-core in English and Korean."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import assert_accessible, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _admin(console: Console, lang: str = "en") -> Page:
    password = (console.tokens.settings.data_dir / "admin-password").read_text().strip()
    return console.page("admin", lang=lang, password=password)


def test_routes_hours_slots_and_the_sms_set_up(console: Console) -> None:
    from playwright.sync_api import expect

    page = _admin(console)
    page.goto("/admin/routes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Routes and hours")
    expect(page.locator("#routes-slots-summary")).to_have_text("Register a route to see its slots.")
    assert_accessible(page)

    page.get_by_label("Route ID").fill("sales")
    page.get_by_label("Route name").fill("Sales line")
    page.get_by_label("Slot length (minutes)").fill("60")
    page.get_by_label("Callbacks per slot").fill("3")
    page.get_by_label("Maximum attempts").fill("4")
    page.get_by_role("button", name="Save route").click()
    expect(page.locator("#routes-saved")).to_have_text("Route sales added.")
    row = page.locator('#routes-rows tr[data-route="sales"]')
    expect(row).to_contain_text("Sales line")
    expect(row).to_contain_text("Asia/Seoul")
    expect(row).to_contain_text("max_attempts=4")
    expect(row).to_contain_text("Always open")

    for day in WEEKDAYS:
        page.get_by_label(day, exact=True).fill("09:00-18:00")
    page.get_by_label("Holidays").fill("2026-12-25")
    page.get_by_label("Special days").fill("2026-12-24 09:00-12:00\n2026-12-31 closed")
    page.get_by_role("button", name="Save hours").click()
    expect(page.locator("#routes-hours-saved")).to_have_text("Hours of route sales saved.")
    expect(row).to_contain_text("Mon 09:00-18:00")
    expect(row).to_contain_text("Holidays: 1")
    expect(page.locator("#routes-slots-summary")).to_contain_text("slots of 60 minutes, 3 per slot")
    slots = page.locator("#routes-slots-rows tr")
    expect(slots.first.locator("td").nth(3)).to_have_text("3")
    starts = {slots.nth(n).locator("td").nth(1).inner_text() for n in range(slots.count())}
    assert starts <= {f"{h:02d}:00" for h in range(9, 18)}, starts
    assert slots.count() >= 9 * 4  # at least four weekdays of nine hours in any 7 days

    page.get_by_label("Tuesday", exact=True).fill("18:00-09:00")
    page.get_by_role("button", name="Save hours").click()
    tuesday = page.get_by_label("Tuesday", exact=True)
    expect(tuesday).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#routes-hours-form .field-error")).to_contain_text("weekly.tue.0")
    expect(page.locator("#routes-hours-error")).to_contain_text("invalid_request")
    expect(row).to_contain_text("Tue 09:00-18:00")  # nothing recorded
    screenshot(page, "routes")

    page.goto("/admin/sms")
    expect(page.get_by_role("heading", level=1)).to_have_text("SMS templates")
    assert_accessible(page)
    page.get_by_label("Number", exact=True).fill("1588-1234")
    page.get_by_label("Label", exact=True).fill("Main line")
    page.get_by_role("button", name="Register sender").click()
    expect(page.locator("#sms-sender-saved")).to_have_text("15881234 added.")
    expect(page.locator('#sms-sender-rows tr[data-sender="15881234"]')).to_contain_text("Main line")

    page.get_by_label("Category ID").fill("notice")
    page.get_by_label("Category name").fill("Notices")
    page.get_by_role("button", name="Save category").click()
    expect(page.locator("#sms-category-saved")).to_have_text("notice added.")
    page.get_by_label("Category ID").fill("callback")
    page.get_by_label("Category name").fill("Callback replies")
    page.get_by_label("Parent category").select_option("notice")
    page.get_by_role("button", name="Save category").click()
    expect(page.locator("#sms-category-saved")).to_have_text("callback added.")
    tree = page.locator('#sms-tree li[data-category="notice"] li[data-category="callback"]')
    expect(tree).to_be_visible()

    page.get_by_role("button", name="Add a template to Callback replies").click()
    page.get_by_label("Template ID").fill("missed")
    page.get_by_label("Template name").fill("Missed call")
    page.get_by_label("Template description").fill("After a missed callback")
    page.get_by_label("Sender number", exact=True).select_option("15881234")
    body = page.get_by_label("Message", exact=True)
    body.fill("안녕하세요 ABC")  # 5 Hangul syllables (10 bytes), a space and 3 letters
    expect(page.locator("#sms-body-bytes")).to_have_text("14 / 90 bytes")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#sms-template-saved")).to_have_text("missed added.")
    template = page.locator('#sms-template-rows tr[data-template="missed"]')
    expect(template).to_contain_text("Notices \u203a Callback replies")
    expect(template).to_contain_text("SMS")

    body.fill("가" * 46)  # 92 bytes: the counter warns, the server refuses
    expect(page.locator("#sms-body-bytes")).to_have_text("92 / 90 bytes")
    page.get_by_role("button", name="Save template").click()
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sms-template-form .field-error")).to_contain_text("body")
    expect(page.locator("#sms-template-error")).to_contain_text("invalid_request")
    page.get_by_label("MMS").check()
    expect(page.locator("#sms-body-bytes")).to_have_text("92 / 2000 bytes")
    expect(page.get_by_label("Subject")).to_be_visible()
    page.get_by_label("SMS", exact=True).check()
    assert_accessible(page)
    screenshot(page, "sms")

    page.get_by_role("button", name="Add a template to Callback replies").click()
    page.get_by_label("Template ID").fill("photo")
    page.get_by_label("MMS").check()
    page.get_by_label("Template name").fill("With a map")
    page.get_by_label("Sender number", exact=True).select_option("15881234")
    page.get_by_label("Subject").fill("Visit us")
    page.get_by_label("Message", exact=True).fill("See the map.")
    jpeg = b"\xff\xd8\xff\xe0" + bytes(64) + b"\xff\xd9"
    image: FilePayload = {"name": "map.jpg", "mimeType": "image/jpeg", "buffer": jpeg}
    page.get_by_label("Image 1").set_input_files(files=[image])
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#sms-template-saved")).to_have_text("photo added.")
    saved = console.ok("query.sms.templates", {})["categories"][0]["children"][0]["templates"]
    assert saved[1]["images"][0]["name"] == "map.jpg"
    assert saved[1]["images"][0]["size"] == len(jpeg)

    korean = _admin(console, lang="ko")
    korean.goto("/admin/routes")
    expect(korean.get_by_role("heading", level=1)).to_have_text("IVR 경로 관리")
    expect(korean.locator('#routes-rows tr[data-route="sales"]')).to_contain_text("월 09:00-18:00")
    expect(korean.locator("#routes-slots-rows tr").first).to_be_visible()
    assert_accessible(korean)
    korean.goto("/admin/sms")
    expect(korean.get_by_role("heading", level=1)).to_have_text("SMS 템플릿 관리")
    expect(korean.locator('#sms-template-rows tr[data-template="missed"]')).to_contain_text("사용")
    korean.get_by_label("내용").fill("콜백 요청이 접수되었습니다")
    expect(korean.locator("#sms-body-bytes")).to_have_text("26 / 90 byte")
    assert_accessible(korean)

    korean.get_by_label("템플릿 Missed call 선택").check()
    korean.get_by_role("button", name="선택 삭제").click()
    expect(korean.locator("#sms-deleted")).to_have_text("1건 삭제, 0건 없음.")
    expect(korean.locator('#sms-template-rows tr[data-template="missed"]')).to_have_count(0)
