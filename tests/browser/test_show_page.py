"""A member's page in a real browser, wide and phone-sized: 编辑/删除, the org unit as a link, and the
records listed under the member. Screenshots: ``test-artifacts/browser/<database>-member-page-<width>.png``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_a_members_page_links_onward(live_server: LiveServer, page: Any, network: NetworkLog, width: int) -> None:
    server = live_server
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, server)
    page.goto(f"{server.url}/members/show/{server.seed_member}")
    buttons = page.locator(".portal-record-buttons")
    expect(buttons.get_by_role("link", name="编辑")).to_be_visible()
    expect(buttons.get_by_role("button", name="删除")).to_be_visible()
    org_link = page.get_by_role("link", name="车工一组", exact=True)
    expect(org_link).to_have_attribute("href", f"/org_units/show/{server.org_units['A01-1']}")
    dues = page.locator(".portal-related", has_text="会费缴纳")
    expect(dues.get_by_role("link", name="新增")).to_be_visible()
    page.screenshot(path=server.screenshot_path(f"member-page-{width}"), full_page=True)
    assert network.blocked == [] and network.page_errors == [], (network.blocked, network.page_errors)

    dues.get_by_role("link", name="新增").click()
    expect(page.locator("#member + .select2-container")).to_contain_text("张三")
    expect(page.locator("#org_unit + .select2-container")).to_contain_text("车工一组")
