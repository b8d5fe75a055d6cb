"""Switching the portal to English in a real browser: the language menu, pages, script texts and dialogs.

Screenshots at 1366 px: ``test-artifacts/browser/<database>-english-<page>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser


def test_a_clerk_switches_to_english_and_sees_english_pages(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server)
    page.click("a.dropdown-toggle:has(.flag)")
    with page.expect_navigation():
        page.click("#portal-locale-en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".navbar-brand")).to_have_text("Union Management Platform")

    page.goto(f"{live_server.url}/members/import/")
    expect(page.locator("#portal-import-form")).to_contain_text("Import mode")
    expect(page.locator("#portal-import-template")).to_have_text("Download the import template")
    page.screenshot(path=live_server.screenshot_path("english-import"))

    page.goto(f"{live_server.url}/members/list/")
    expect(page.locator("#portal-export-xlsx")).to_have_text("Export to Excel")
    # a text the script writes, from the page's JSON catalogue
    expect(page.locator("#portal-select-all")).to_have_attribute("aria-label", "Select all rows on this page")
    page.locator("summary").first.click()
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("#portal-bulk-delete")  # nothing ticked: the form says so instead of posting
    page.wait_for_timeout(300)
    assert dialogs == ["Tick records first, or choose “all filtered records”."]
    page.screenshot(path=live_server.screenshot_path("english-list"))

    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.locator(".portal-error")).to_contain_text("Page not found")

    page.click("a.dropdown-toggle:has(.flag)")
    with page.expect_navigation():
        page.click("#portal-locale-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
