"""The console's acceptance flow: a supervisor and two agents, each in a browser context of
their own. The supervisor searches and equally assigns six callbacks; both agents' badges
and browser notifications follow without a reload; one agent dials and completes; the
supervisor's list and treatment-rate chart follow live; the Excel download opens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import INSTRUMENT, screenshot, wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow

PHONES = [f"010-4000-{n:04d}" for n in range(1, 7)]


def _watching(console: Console, user: str, path: str) -> Page:
    page = console.page(user)
    page.add_init_script(INSTRUMENT)
    page.goto(path)
    wait_for(page, "window.__ready")
    return page


def _second_tab(page: Page, path: str) -> Page:
    tab = page.context.new_page()
    tab.add_init_script(INSTRUMENT)
    tab.goto(path)
    wait_for(tab, "window.__ready")
    return tab


def test_a_supervisor_assigns_and_two_agents_work_live(console: Console, tmp_path: Path) -> None:
    console.user("sup", "SUPERVISOR")
    console.agent("kim", teams=("sales",))
    console.agent("lee", teams=("sales",))
    for phone in PHONES:
        console.callback(phone, "sales")

    kim = _watching(console, "kim", "/agent")
    lee = _watching(console, "lee", "/agent")
    listing = _watching(console, "sup", "/callbacks")
    report = _second_tab(listing, "/report")
    assign = _second_tab(listing, "/assign")

    # The supervisor searches the list, then assigns the six equally to the two agents.
    listing.get_by_label("IVR route").fill("sales")
    listing.get_by_role("button", name="Search").click()
    expect(listing.locator("#list-total")).to_have_text("Total 6")
    expect(assign.locator("#assign-unassigned")).to_have_text("6")
    assign.get_by_label("Select agent kim").check()
    assign.get_by_label("Select agent lee").check()
    assign.get_by_label("Equal assign").check()
    assign.get_by_role("button", name="Assign", exact=True).click()
    expect(assign.locator("#assign-result")).to_contain_text("Assigned 6, skipped 0")

    # Both agents' badges follow, each with a notification per callback.
    for agent in (kim, lee):
        expect(agent.locator("#agent-badge")).to_have_text("3 due · 0 upcoming")
        wait_for(agent, "window.__notified.length === 3")
        notes = agent.evaluate("window.__notified")
        assert {n["title"] for n in notes} == {"Callback assigned"}
        assert all(n["body"].endswith("· sales") for n in notes)

    # The report already shows today's six assignments, none completed.
    today = datetime.now(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d")
    todays = report.locator("#report-rows tr").filter(has_text=today)
    expect(todays.locator("td").nth(0)).to_have_text("6")
    expect(todays.locator("td").nth(1)).to_have_text("0")
    bars = report.locator("svg.chart rect.bar")
    before = [bars.nth(i).get_attribute("height") for i in range(bars.count())]

    # kim dials the first due callback and completes it.
    first = kim.locator("#agent-pending tbody tr").first
    phone = first.get_by_role("button").inner_text()
    first.get_by_role("button").click()
    kim.get_by_role("button", name="Dial", exact=True).click()
    expect(first).to_contain_text("In progress")
    kim.get_by_role("button", name="Complete (customer reached)").click()
    expect(kim.locator("#agent-badge")).to_have_text("2 due · 0 upcoming")
    expect(lee.locator("#agent-badge")).to_have_text("3 due · 0 upcoming")

    # The supervisor's list and chart follow without a reload.
    row = listing.locator("#list-rows tr").filter(has_text=phone)
    expect(row).to_contain_text("Completed")
    expect(todays.locator("td").nth(1)).to_have_text("1")
    expect(report.locator("svg.chart rect.bar")).not_to_have_count(0)
    after = [bars.nth(i).get_attribute("height") for i in range(bars.count())]
    assert after != before  # the completed bar grew
    screenshot(report, "report-live")

    # The Excel download of the same search opens, one row per callback.
    with listing.expect_download() as download:
        listing.get_by_role("link", name="Excel download").click()
    saved = tmp_path / "callbacks.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 6
    phones = {r[header.index("Phone (national)")] for r in data}
    assert phones == set(PHONES)
    states = [r[header.index("State")] for r in data]
    assert states.count("COMPLETED") == 1 and states.count("ROUTING") == 5
    done = next(i for i, title in enumerate(header) if str(title).startswith("Completed at"))
    assert [r[done] is not None for r in data].count(True) == 1  # an Excel date-time
