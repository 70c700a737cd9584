"""The supervisors' callback list, bulk cancel and one callback's history in a browser:
filters, the total, live arrivals with a browser notification, the Excel download, a
route-limited supervisor's view, a range cancel's summary and the history's timeline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import INSTRUMENT, assert_accessible, screenshot

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow
SEOUL = ZoneInfo("Asia/Seoul")


def _local(moment: datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _rows(page: Page) -> list[str]:
    return page.locator("#list-rows tr").all_inner_texts()


def _total(page: Page, text: str) -> None:
    expect(page.locator("#list-total")).to_have_text(text)


def test_the_list_its_download_a_range_cancel_and_a_history(
    console: Console, tmp_path: Path
) -> None:
    console.user("sup", "SUPERVISOR")
    console.user("s2", "SUPERVISOR", routes=["other"])
    console.agent("kim")
    queued = console.callback("010-1111-2222", "sales", remark="about the invoice")
    busy = console.callback("010-3333-2222", "sales")
    billing = console.callback("010-5555-6666", "billing")
    console.callback("010-7777-8888", "other")
    console.ok("admin.assign", {"callback_ids": [busy["callback_id"]], "agent_ids": ["kim"]})
    console.ok("agent.kim.dial", {"callback_id": busy["callback_id"]}, "kim", "AGENT")

    page = console.page("sup")
    page.add_init_script(INSTRUMENT)
    page.goto("/callbacks")
    _total(page, "Total 4")
    assert any("about the invoice" in r and "Queued" in r for r in _rows(page))
    assert_accessible(page)
    screenshot(page, "list")

    # Filters narrow the list: the last digits of the phone, and a state.
    page.get_by_label("Last digits of the phone").fill("2222")
    _total(page, "Total 4")  # nothing asked yet
    page.get_by_role("button", name="Search").click()
    _total(page, "Total 2")
    page.get_by_role("group", name="State").get_by_label("Queued").check()
    page.get_by_role("button", name="Search").click()
    _total(page, "Total 1")
    assert "010-1111-2222" in _rows(page)[0]

    # The Excel download has the list's filters.
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel download").click()
    saved = tmp_path / "list.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    header, rows = table[0], table[1:]
    assert len(rows) == 1
    assert rows[0][header.index("Phone")] == "+821011112222"
    assert rows[0][header.index("State")] == "QUEUED"

    # A new callback that the filters select appears without a reload, with a notification.
    arrived = console.callback("010-9999-2222", "sales")
    _total(page, "Total 2")
    assert "010-9999-2222" in _rows(page)[0]
    notes = page.evaluate("window.__notified")
    assert any(n["title"] == "New callback" and "sales" in n["body"] for n in notes), notes

    # The history of one callback, its events in order.
    page.goto(f"/callbacks/{busy['callback_id']}")
    timeline = page.locator("#history-events li")
    timeline.nth(2).wait_for()
    events = timeline.all_inner_texts()
    what = page.locator("#history-events .what").all_inner_texts()
    assert what == ["Requested", "Assigned", "Call attempted"]
    assert "kim" in events[1] and "ADMIN" in events[1]
    assert page.locator("#history-fields").get_by_text("In progress").is_visible()
    assert_accessible(page)
    screenshot(page, "history")

    # A supervisor of another route sees none of these, and their history is "not found".
    other = console.page("s2")
    other.goto("/callbacks")
    _total(other, "Total 1")
    assert "010-7777-8888" in _rows(other)[0]
    other.goto(f"/callbacks/{queued['callback_id']}")
    other.get_by_role("alert").filter(has_text="Callback not found").wait_for()
    assert not other.locator("#history-events li").count()

    # Bulk cancel of a range: confirmed, then cancelled and skipped with reasons.
    now = datetime.now(SEOUL)
    page.goto("/cancel")
    page.get_by_label("From").fill(_local(now - timedelta(hours=1)))
    page.get_by_label("Until").fill(_local(now + timedelta(hours=1)))
    page.get_by_label("IVR route").fill("sales")
    page.get_by_role("button", name="Next: check").click()
    confirm = page.locator("#cancel-confirm-text")
    confirm.filter(has_text="3 callbacks").wait_for()
    assert "2 will be cancelled, 1 skipped" in confirm.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm cancellation").click()
    page.get_by_text("Cancelled: 2").wait_for()
    assert page.get_by_text("Skipped: 1").is_visible()
    (skipped,) = page.locator("#cancel-skipped tr").all_inner_texts()
    assert busy["callback_id"] in skipped and "Cannot be cancelled in this state" in skipped
    cancelled = page.locator("#cancel-cancelled li").all_inner_texts()
    assert sorted(cancelled) == sorted([queued["callback_id"], arrived["callback_id"]])
    assert_accessible(page)
    screenshot(page, "cancel")

    # Callbacks selected in the list are cancelled the same way.
    page.goto("/callbacks")
    _total(page, "Total 5")
    page.get_by_role("checkbox", name=re.compile("010-5555-6666")).check()
    page.get_by_role("button", name="Cancel selected…").click()
    page.locator("#cancel-ids li").filter(has_text="billing").wait_for()
    page.get_by_role("button", name="Next: check").click()
    page.get_by_role("button", name="Confirm cancellation").click()
    page.get_by_text("Cancelled: 1").wait_for()
    assert page.locator("#cancel-cancelled li").all_inner_texts() == [billing["callback_id"]]


def test_the_screens_in_korean(console: Console) -> None:
    console.user("sup", "SUPERVISOR")
    made = console.callback("010-1111-2222", "sales")
    page = console.page("sup", lang="ko")
    page.goto("/callbacks")
    _total(page, "총 1건")
    assert page.get_by_role("link", name="엑셀 다운로드").is_visible()
    assert "대기" in _rows(page)[0]
    assert_accessible(page)
    page.goto("/cancel")
    assert page.get_by_label("IVR 경로").is_visible()
    assert_accessible(page)
    page.goto(f"/callbacks/{made['callback_id']}")
    page.locator("#history-events li").first.wait_for()
    assert "콜백 접수" in page.locator("#history-events li").first.inner_text()
    assert_accessible(page)
    page.goto("/callbacks/00000000-0000-4000-8000-000000000000")
    page.get_by_role("alert").filter(has_text="콜백을 찾을 수 없습니다").wait_for()
