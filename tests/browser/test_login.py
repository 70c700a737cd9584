"""Logging in and out of the console, the session cookie's attributes, the language
choice, and the login page's accessibility."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, screenshot

if TYPE_CHECKING:
    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow


def test_a_wrong_password_is_refused_and_the_right_one_signs_in_and_out(console: Console) -> None:
    console.agent("kim")
    context = console.browser.new_context(base_url=console.base_url, locale="en-US")
    console.contexts.append(context)
    page = context.new_page()
    page.goto("/login")
    assert_accessible(page)
    screenshot(page, "login")
    page.get_by_label("User").fill("kim")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user or password."
    assert not [c for c in context.cookies() if c["name"] == "callbacks_session"]

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/agent")
    (cookie,) = [c for c in context.cookies() if c["name"] == "callbacks_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "eyJ" not in page.url  # no token in any URL

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert not [c for c in context.cookies() if c["name"] == "callbacks_session"]
    page.goto("/agent")
    page.wait_for_url("**/login")


def test_the_language_chosen_is_remembered(console: Console) -> None:
    page = console.page(
        "admin", password=(console.tokens.settings.data_dir / "admin-password").read_text().strip()
    )
    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    page.goto("/")
    assert page.get_by_role("button", name="로그아웃").is_visible()


def test_the_api_takes_the_session_cookie_only_with_the_pages_csrf_token(
    console: Console,
) -> None:
    page = console.page(
        "admin", password=(console.tokens.settings.data_dir / "admin-password").read_text().strip()
    )
    session = next(c for c in page.context.cookies() if c["name"] == "callbacks_session")
    cookies = {"callbacks_session": session["value"]}
    without = httpx.post(f"{console.base_url}/api/auth/whoami", json={}, cookies=cookies)
    assert without.status_code == 403
    assert without.json()["error"]["code"] == "forbidden"
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert csrf
    foreign = httpx.post(
        f"{console.base_url}/api/auth/whoami",
        json={},
        cookies=cookies,
        headers={"X-Callbacks-Csrf": csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    mine = page.evaluate(
        """async (csrf) => (await fetch('/api/auth/whoami', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-Callbacks-Csrf': csrf},
        body: '{}'})).json()""",
        csrf,
    )
    assert mine["data"]["actor"] == "admin"


def test_every_response_forbids_inline_script_and_framing(console: Console) -> None:
    response = httpx.get(f"{console.base_url}/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
