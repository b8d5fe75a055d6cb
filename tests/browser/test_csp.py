"""The content policy in a real browser: the main pages work under it and report no violation, an
injected inline script is blocked, and the delete button is a POST form that asks first.

Screenshots: ``test-artifacts/browser/<database>-csp-<step>.png``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in

pytestmark = pytest.mark.browser

#: Collects every ``securitypolicyviolation`` event of the page (installed before the page's scripts).
LISTEN = """window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile + ":" +
                           event.lineNumber);
});"""

#: name, path (``{member}`` = the seeded member's id), what shows the page really rendered
PAGES: list[tuple[str, str, str]] = [
    ("home", "/", ".portal-card"),
    ("members-list", "/members/list/", LIST_ROWS),
    ("members-show", "/members/show/{member}", "form.portal-delete"),
    ("members-add", "/members/add", "#org_unit + .select2-container"),
    ("members-edit", "/members/edit/{member}", "#joined_on"),
    ("members-import", "/members/import/", "#portal-import-form"),
    ("org-units-list", "/org_units/list/", LIST_ROWS),
    ("users-list", "/users/list/", LIST_ROWS),
    ("users-add", "/users/add", "#username"),
    ("roles-list", "/roles/list/", LIST_ROWS),
    ("role-matrix", "/roles/matrix", "#role-admin"),
    ("audit", "/audit/list/", LIST_ROWS),
    ("swagger", "/swagger/v1", "#swagger-ui .information-container"),
    ("not-found", "/members/show/999999", ".portal-error"),
]


def violations(page: Any, network: NetworkLog) -> list[str]:
    reported = list(page.evaluate("() => window.__violations || []"))
    return reported + [text for text in network.console_errors if "Content Security Policy" in text]


def test_main_pages_run_under_the_policy_without_violations(live_server: LiveServer, page: Any,
                                                             network: NetworkLog) -> None:
    server = live_server
    page.add_init_script(LISTEN)
    log_in(page, server)
    for name, path, shown in PAGES:
        network.clear()
        response = page.goto(server.url + path.format(member=server.seed_member))
        assert response is not None
        assert "script-src 'self' 'nonce-" in response.headers.get("content-security-policy", ""), name
        expect(page.locator(shown).first).to_be_attached()
        page.wait_for_load_state("load")
        if name == "members-edit":  # the date picker and the link box build their widgets in script
            page.click("#joined_on")
            expect(page.locator(".datepicker").first).to_be_visible()
            page.keyboard.press("Escape")
        assert violations(page, network) == [], name
        assert network.page_errors == [], name
    page.screenshot(path=str(server.screenshot_path("csp-01-last-page")), full_page=True)


def test_an_injected_inline_script_is_blocked(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    server = live_server
    page.add_init_script(LISTEN)
    log_in(page, server)
    page.goto(f"{server.url}/members/list/")
    ran = page.evaluate("""() => new Promise(resolve => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true;";
        document.body.appendChild(script);
        setTimeout(() => resolve(window.__injected === true), 100);
    })""")
    assert ran is False
    assert any(text.startswith("script-src") for text in violations(page, network))


def test_delete_asks_first_and_posts_the_form(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    server = live_server
    log_in(page, server)
    created = page.request.post(f"{server.url}/api/v1/org_units/",
                                data={"code": "CSP1", "name": "待删除工会", "unit_type": "基层工会", "parent": "HQ"})
    assert created.status == 201, created.text()
    page.goto(f"{server.url}/org_units/list/")
    row = page.locator(LIST_ROWS, has_text="待删除工会")
    expect(row).to_have_count(1)

    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("form.portal-delete button").click()
    page.wait_for_load_state("load")
    expect(page.locator(LIST_ROWS, has_text="待删除工会")).to_have_count(1)

    messages: list[str] = []

    def accept(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        row.locator("form.portal-delete button").click()
    assert messages and "删除" in messages[0]
    expect(page.locator(LIST_ROWS, has_text="待删除工会")).to_have_count(0)
    page.screenshot(path=str(server.screenshot_path("csp-02-deleted")), full_page=True)
    assert network.page_errors == []


def test_the_language_switch_posts_its_form(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    server = live_server
    log_in(page, server)
    page.goto(f"{server.url}/members/list/")
    expect(page.locator("body")).to_contain_text("会员列表")
    page.locator(".navbar-right .dropdown-toggle", has=page.locator(".flag")).click()
    with page.expect_navigation():
        page.click("#portal-locale-en")
    assert page.url.endswith("/members/list/"), page.url
    expect(page.locator('meta[name="portal-locale"]')).to_have_attribute("content", "en")
    expect(page.locator("#portal-q")).to_have_attribute("placeholder", re.compile("ID number"))
    page.screenshot(path=str(server.screenshot_path("csp-03-english")), full_page=True)
    page.locator(".navbar-right .dropdown-toggle", has=page.locator(".flag")).click()
    with page.expect_navigation():
        page.click("#portal-locale-zh")
    expect(page.locator('meta[name="portal-locale"]')).to_have_attribute("content", "zh")
    expect(page.locator("body")).to_contain_text("会员列表")
    assert network.page_errors == []
