"""The supervisor's assign, unassign and treatment-rate screens and the administrator's
agent directory, in a real browser against a running serve: equal assignment of a
search's queued callbacks to the CTI-logged-in agents, unassigning one, the report's
row and chart, an agent added with the assign permission who then logs in; each screen
passes axe-core in English and Korean."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import assert_accessible, screenshot

if TYPE_CHECKING:
    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow


def _admin_password(console: Console) -> str:
    return (console.tokens.settings.data_dir / "admin-password").read_text().strip()


def _cell(table: str, agent: str) -> str:
    return f'#{table} tr[data-agent="{agent}"] td.n'


def test_assign_unassign_report_and_the_agent_directory(console: Console) -> None:
    from playwright.sync_api import expect

    console.user("boss", "SUPERVISOR")
    console.agent("kim", teams=("sales",))
    console.agent("lee", teams=("sales",))
    console.agent("park", teams=("vip",), logged_in=False)
    for n in range(6):
        console.callback(f"010-5555-{1000 + n}")

    page = console.page("boss")
    page.goto("/assign")
    expect(page.locator("#assign-total")).to_have_text("6")
    expect(page.locator("#assign-assigned")).to_have_text("0")
    expect(page.locator("#assign-unassigned")).to_have_text("6")
    expect(page.locator("#assign-agent-rows tr")).to_have_count(3)
    page.get_by_label("Team", exact=True).select_option("vip")
    expect(page.locator("#assign-agent-rows tr")).to_have_count(1)
    expect(page.locator('#assign-agent-rows tr[data-agent="park"]')).to_be_visible()
    page.get_by_label("Team", exact=True).select_option("")
    page.get_by_label("CTI logged-in only").check()
    expect(page.locator("#assign-agent-rows tr")).to_have_count(2)
    assert_accessible(page)
    page.get_by_label("Select agent kim").check()
    page.get_by_label("Select agent lee").check()
    page.get_by_label("Manual assign (one agent)").check()
    page.get_by_role("button", name="Assign", exact=True).click()  # the server's rule
    expect(page.locator("#assign-error")).to_contain_text("MANUAL assignment takes exactly one")
    expect(page.locator("#assign-assigned")).to_have_text("0")
    page.get_by_label("Equal assign").check()
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#assign-result")).to_contain_text("Assigned 6, skipped 0")
    expect(page.locator("#assign-assigned")).to_have_text("6")
    expect(page.locator(_cell("assign-agent-rows", "kim"))).to_have_text("3")
    expect(page.locator(_cell("assign-agent-rows", "lee"))).to_have_text("3")
    screenshot(page, "assign")
    console.callback("010-5555-2000")  # the live "received" event reloads the summary
    expect(page.locator("#assign-total")).to_have_text("7")
    expect(page.locator("#assign-unassigned")).to_have_text("1")

    page.goto("/unassign")
    page.get_by_label("Agent", exact=True).select_option("kim")
    expect(page.locator("#unassign-rows tr")).to_have_count(3)
    page.locator("#unassign-rows input[type=checkbox]").first.check()
    assert_accessible(page)
    page.get_by_role("button", name="Unassign selected").click()
    expect(page.locator("#unassign-result")).to_have_text("Unassigned 1, skipped 0")
    expect(page.locator(_cell("unassign-agent-rows", "kim"))).to_have_text("2")
    expect(page.locator("#unassign-rows tr")).to_have_count(2)
    screenshot(page, "unassign")

    page.goto("/report")
    today = datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()
    last = page.locator("#report-rows tr").last
    expect(last.locator("th")).to_have_text(today)
    expect(last.locator("td").first).to_have_text("6")
    assert page.locator("svg.chart rect.bar").count() >= 1
    assert page.locator("svg.chart").get_attribute("aria-label")
    assert_accessible(page)
    screenshot(page, "report")

    admin = console.page("admin", password=_admin_password(console))
    admin.goto("/admin/agents")
    expect(admin.locator('#agents-rows tr[data-agent="kim"]')).to_be_visible()
    admin.get_by_label("Agent ID", exact=True).fill("choi")
    admin.get_by_label("Name", exact=True).fill("Choi")
    admin.get_by_label("Teams (comma-separated)").fill("sales, vip")
    admin.get_by_label("Callback assign").check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator("#agents-saved")).to_have_text("Agent choi added.")
    row = admin.locator('#agents-rows tr[data-agent="choi"]')
    expect(row).to_contain_text("Callback assign")
    admin.get_by_label("New password (at least 8 characters)").fill("choi-secret-pass")
    admin.get_by_role("button", name="Set password").click()
    expect(admin.locator("#agents-password-done")).to_have_text("Password of choi set.")
    assert_accessible(admin)
    screenshot(admin, "agents")

    choi = console.page("choi", password="choi-secret-pass")
    choi.goto("/assign")
    expect(choi.get_by_role("heading", level=1)).to_have_text("Assign")
    expect(choi.locator("#assign-total")).to_have_text("7")  # the sales team's callbacks
    expect(choi.locator("#assign-error")).to_be_hidden()

    korean = console.page("boss", lang="ko")
    headings = {"/assign": "콜백 분배", "/unassign": "분배 취소", "/report": "처리율"}
    for path, heading in headings.items():
        korean.goto(path)
        expect(korean.get_by_role("heading", level=1)).to_have_text(heading)
        expect(korean.locator("#assign-error, #unassign-error, #report-error")).to_be_hidden()
        assert_accessible(korean)
    korean_admin = console.page("admin", lang="ko", password=_admin_password(console))
    korean_admin.goto("/admin/agents")
    expect(korean_admin.get_by_role("heading", level=1)).to_have_text("상담원")
    expect(korean_admin.locator('#agents-rows tr[data-agent="choi"]')).to_contain_text("콜백 분배")
    assert_accessible(korean_admin)
