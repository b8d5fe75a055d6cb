"""A tour of the portal's pages as the administrator, in Chinese and English, at 1366 px and on a 390 × 844
phone: each page answers 200 in the chosen language, raises no script error and (on the phone) is no wider
than the screen. The screenshots are the tour: ``test-artifacts/browser/<database>-tour-<lang>-<width>-<page>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

#: name, path (``{member}`` = the seeded member's id)
PAGES = [
    ("home", "/"),
    ("todo", "/todo/"),
    ("members-list", "/members/list/"),
    ("members-add", "/members/add"),
    ("members-show", "/members/show/{member}"),
    ("members-import", "/members/import/"),
    ("org-tree", "/org_units/tree/"),
    ("dues-list", "/dues/list/"),
    ("assistance-workflow", "/assistance_cases/workflow"),
    ("reports", "/reports/"),
    ("report-members-by-unit", "/reports/members_by_unit/"),
    ("roles", "/roles/matrix"),
    ("audit", "/audit/list/"),
    ("motions-list", "/motions/list/"),
    ("motions-report", "/motions/report"),
    ("resolutions", "/resolutions/page/"),
    ("congress", "/congress/"),
]
VIEWPORTS = {"1366": {"viewport": {"width": 1366, "height": 900}},
             "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}


def _choose_language(page: Any, server: LiveServer, lang: str) -> None:
    """The language menu of the navigation bar (a POST with the page's token), as a user switches."""
    page.goto(f"{server.url}/")
    if page.locator("html").get_attribute("lang") == lang:
        return
    toggle = page.locator("a.dropdown-toggle:has(.flag)")
    if not toggle.is_visible():  # on a phone the menu folds behind the navigation button
        page.click("button.navbar-toggle")
        page.locator(".navbar-collapse.in").wait_for()  # unfolded: a click while it slides open can be lost
    choice = page.locator(f"#portal-locale-{lang}")
    toggle.click()
    choice.wait_for(state="visible")
    with page.expect_navigation():
        choice.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tour_of_the_portal(live_server: LiveServer, browser: Any, network: NetworkLog, lang: str,
                            width: str) -> None:
    context = new_context(browser, network, **VIEWPORTS[width])
    try:
        page = watch(context.new_page(), network)
        log_in(page, live_server)
        _choose_language(page, live_server, lang)
        problems = []
        for name, path in PAGES:
            response = page.goto(live_server.url + path.format(member=live_server.seed_member))
            status = response.status if response is not None else None
            page_lang = page.locator("html").get_attribute("lang")
            too_wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            if status != 200 or page_lang != lang or (width == "390" and too_wide):
                problems.append(f"{path}: {status}, lang={page_lang}, 超出屏幕宽度={too_wide}")
            page.screenshot(path=live_server.screenshot_path(f"tour-{lang}-{width}-{name}"), full_page=True)
        assert problems == []
        assert network.blocked == [] and network.page_errors == [], (network.blocked, network.page_errors)
    finally:
        context.close()
