"""The agent desktop: the badge and lists follow an assignment live (with a browser
notification), the agent dials, records a result and completes; schedules a callback for
themselves, reschedules and cancels it; the page is accessible in both languages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import INSTRUMENT, assert_accessible, screenshot, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow

SEOUL = ZoneInfo("Asia/Seoul")  # the console fixture's contact center zone


def _row(page: Page, table: str, phone: str) -> Locator:
    return page.locator(f"#agent-{table} tbody tr").filter(has_text=phone)


def _wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_the_agent_desktop_follows_assignments_live_and_handles_callbacks(
    console: Console,
) -> None:
    console.agent("kim", teams=("blue",))
    queued = console.callback("010-1234-5678", "sales", remark="asked about the bill")
    page = console.page("kim")
    page.add_init_script(INSTRUMENT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/agent")
    expect(page.locator("#agent-badge")).to_have_text("0 due · 0 upcoming")
    expect(page.locator("#live-status")).to_have_text("Live updates on")
    wait_for(page, "window.__ready")

    # A supervisor assigns a callback: the badge, the title and the list follow, no reload.
    console.ok(
        "admin.assign",
        {"callback_ids": [queued["callback_id"]], "agent_ids": ["kim"], "method": "MANUAL"},
    )
    expect(page.locator("#agent-badge")).to_have_text("1 due · 0 upcoming")
    expect(page).to_have_title(re.compile(r"^\(1\) My callbacks"))
    pending = _row(page, "pending", "010-1234-5678")
    expect(pending).to_contain_text("sales")
    expect(pending).to_contain_text("asked about the bill")
    wait_for(page, "window.__notified.length > 0")
    assert page.evaluate("window.__notified") == [
        {"title": "Callback assigned", "body": "010-1234-5678 · sales"}
    ]

    # Dial, a failed attempt, dial again, complete.
    pending.get_by_role("button", name="010-1234-5678").click()
    details = page.locator("#agent-details")
    expect(details).to_contain_text("asked about the bill")
    expect(details).to_contain_text("Immediate")
    expect(page.get_by_role("button", name="Complete (customer reached)")).to_be_disabled()
    page.get_by_role("button", name="Dial", exact=True).click()
    expect(pending).to_contain_text("In progress")
    page.get_by_label("Result of the attempt").select_option("BUSY")
    page.get_by_role("button", name="Record result").click()
    expect(page.locator("#agent-message")).to_have_text("Result recorded: Busy.")
    expect(pending).to_contain_text("Assigned")
    page.get_by_role("button", name="Dial", exact=True).click()
    expect(pending.locator("td.n")).to_have_text("2")
    page.get_by_role("button", name="Complete (customer reached)").click()
    expect(page.locator("#agent-message")).to_have_text("Callback completed.")
    expect(page.locator("#agent-badge")).to_have_text("0 due · 0 upcoming")
    expect(page.locator("#agent-pending tbody")).to_have_text("No callback is due.")

    # Schedule one for myself: it is upcoming; reschedule it, then cancel it.
    page.get_by_label("Phone").fill("12")
    page.get_by_label("Route").fill("sales")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#agent-error")).to_contain_text("Refused (invalid_request)")
    tomorrow = (datetime.now(SEOUL) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    page.get_by_label("Phone").fill("010-2222-3333")
    page.get_by_label("Route").fill("sales")
    page.get_by_label("Desired time", exact=True).fill(_wall(tomorrow))
    page.get_by_label("Remark").fill("call after the meeting")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#agent-message")).to_have_text("Callback scheduled.")
    expect(page.locator("#agent-error")).to_be_hidden()
    expect(page.locator("#agent-badge")).to_have_text("0 due · 1 upcoming")
    upcoming = _row(page, "upcoming", "010-2222-3333")
    expect(upcoming).to_contain_text("Scheduled")
    expect(upcoming).to_contain_text(tomorrow.strftime("%d/%m/%Y, 10:00"))

    upcoming.get_by_role("button", name="010-2222-3333").click()
    later = tomorrow + timedelta(days=1, hours=1)
    page.get_by_label("New desired time (Asia/Seoul)").fill(_wall(later))
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator("#agent-message")).to_have_text("Callback rescheduled.")
    expect(upcoming).to_contain_text(later.strftime("%d/%m/%Y, 11:00"))

    assert_accessible(page)
    screenshot(page, "agent-desktop")

    page.get_by_role("button", name="Cancel callback").click()
    expect(page.locator("#agent-message")).to_have_text("Callback cancelled.")
    expect(page.locator("#agent-badge")).to_have_text("0 due · 0 upcoming")
    expect(page.locator("#agent-upcoming tbody")).to_have_text("No callback is scheduled for you.")

    # Another for myself, taken now ("call now") and finished without a call.
    page.get_by_label("Phone").fill("010-7777-8888")
    page.get_by_label("Route").fill("sales")
    page.get_by_label("Desired time", exact=True).fill(_wall(tomorrow))
    page.get_by_role("button", name="Save").click()
    soon = _row(page, "upcoming", "010-7777-8888")
    soon.get_by_role("button", name="010-7777-8888").click()
    page.get_by_role("button", name="Call now").click()
    expect(page.locator("#agent-message")).to_have_text("The callback is now due: dial it.")
    expect(_row(page, "pending", "010-7777-8888")).to_contain_text("Assigned")
    expect(page.locator("#agent-badge")).to_have_text("1 due · 0 upcoming")
    page.get_by_role("button", name="Finish without a call").click()
    expect(page.locator("#agent-message")).to_have_text("Callback finished without a call.")
    expect(page.locator("#agent-badge")).to_have_text("0 due · 0 upcoming")

    # The same screen in Korean, with a callback due.
    again = console.callback("010-5555-6666", "support")
    console.ok(
        "admin.assign",
        {"callback_ids": [again["callback_id"]], "agent_ids": ["kim"], "method": "MANUAL"},
    )
    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    expect(page.locator("#agent-badge")).to_have_text("처리할 콜백 1건 · 예약 0건")
    _row(page, "pending", "010-5555-6666").get_by_role("button").click()
    expect(page.locator("#agent-details")).to_contain_text("분배")
    assert_accessible(page)
    assert not errors
