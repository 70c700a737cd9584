"""An offer on the agent desktop (AUTO distribution): it appears without a reload with its
countdown and a browser notification; the agent rejects one and accepts another, which
becomes due and is dialled."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import INSTRUMENT, assert_accessible, screenshot, wait_for

if TYPE_CHECKING:
    from tests.browser.conftest import Console

pytestmark = pytest.mark.slow


def test_an_offer_is_accepted_on_the_desktop(console: Console) -> None:
    console.ok(
        "admin.route-upsert",
        {
            "route": "auto",
            "name": "Automatic",
            "distribution": "AUTO",
            "offer_timeout_seconds": 120,
        },
    )
    console.agent("kim")
    page = console.page("kim")
    page.add_init_script(INSTRUMENT)
    page.goto("/agent")
    wait_for(page, "window.__ready")

    first = console.callback("010-6000-0001", "auto", remark="wants a refund")
    offers = page.locator("#agent-offers tbody tr")
    expect(offers).to_have_count(1)
    offer = offers.filter(has_text="010-6000-0001")
    expect(offer).to_contain_text("wants a refund")
    expect(offer.locator("td.countdown")).to_have_text(re.compile(r"^\d+ s$"))
    wait_for(page, "window.__notified.some(n => n.title === 'Callback offered')")
    assert_accessible(page)
    screenshot(page, "agent-offer")

    # Rejected: back in the queue (offered again to the only agent there is, later).
    page.get_by_role("button", name="Reject the offer of 010-6000-0001").click()
    expect(page.locator("#agent-message")).to_have_text("Offer of 010-6000-0001 rejected.")

    # Another is offered and accepted: it becomes due, and can be dialled.
    console.callback("010-6000-0002", "auto")
    second = offers.filter(has_text="010-6000-0002")
    expect(second).to_have_count(1)
    second.get_by_role("button", name="Accept the offer of 010-6000-0002").click()
    expect(page.locator("#agent-message")).to_have_text(
        "Offer of 010-6000-0002 accepted: it is due, dial it."
    )
    due = page.locator("#agent-pending tbody tr").filter(has_text="010-6000-0002")
    expect(due).to_contain_text("Assigned")
    due.get_by_role("button", name="010-6000-0002").click()
    page.get_by_role("button", name="Dial", exact=True).click()
    expect(due).to_contain_text("In progress")
    history = console.ok("query.history", {"callback_id": first["callback_id"]})
    assert [e["type"] for e in history["events"]][:3] == ["Requested", "Offered", "OfferRejected"]
