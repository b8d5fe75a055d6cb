"""The org tree page in a real browser at 1366 px and on a 390 px phone: expand/collapse, counts, search.

Screenshots: ``test-artifacts/browser/<database>-orgtree-<step>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def overflow(page: Any) -> int:
    """How far the page sticks out sideways (0: nothing wider than the window)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_org_tree_folds_counts_and_finds(live_server: LiveServer, page: Any, device: str) -> None:
    server = live_server
    width, height = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, server)
    page.goto(f"{server.url}/org_units/list/")
    page.click("#portal-tree-link")
    expect(page.locator("h2")).to_contain_text("组织树")
    group = page.locator(f'.portal-tree-node[data-unit="{server.org_units["A01-1"]}"]')
    expect(group).to_be_hidden()  # the third level starts folded
    workshop = page.locator(f'.portal-tree-node[data-unit="{server.org_units["A01"]}"] > details > summary')
    workshop.locator(".portal-tree-title").click()
    expect(group).to_be_visible()
    expect(group).to_contain_text("车工一组")
    # Other browser tests add members to the shared server: the count is whatever the scoped API counts now.
    subtree = f"(filters:!((col:org_unit,opr:org_unit_subtree,value:{server.org_units['A01-1']})),page_size:1)"
    members = page.request.get(f"{server.url}/api/v1/members/", params={"q": subtree}).json()["count"]
    assert members >= 1
    expect(group).to_contain_text(f"{members} 会员")
    page.screenshot(path=str(server.screenshot_path(f"orgtree-01-tree-{device}")), full_page=True)
    assert overflow(page) <= 0

    page.fill("#portal-tree-q", "车工")
    with page.expect_navigation():
        page.press("#portal-tree-q", "Enter")
    expect(page.locator("#portal-tree-matches")).to_contain_text("集团公司工会 / 第一机械厂工会 / 机加工车间分工会 / 车工一组")
    page.screenshot(path=str(server.screenshot_path(f"orgtree-02-search-{device}")), full_page=True)
    assert overflow(page) <= 0

    with page.expect_navigation():
        page.locator("#portal-tree-matches .portal-tree-count").first.click()
    expect(page.locator("div.table-responsive")).to_contain_text("张三")
    page.get_by_text("筛选条件").click()
    expect(page.locator("#accordion1_href.collapse.in")).to_be_visible()  # the panel has finished opening
    expect(page.locator("#filter_form select.filter-op")).to_have_value("2")  # 所属工会 · 含下级, as the link set it
    expect(page.locator("#filter_form select.filter-op option:checked")).to_have_text("含下级")
    page.screenshot(path=str(server.screenshot_path(f"orgtree-03-members-{device}")), full_page=True)
