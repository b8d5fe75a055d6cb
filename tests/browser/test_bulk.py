"""Bulk actions in a real browser: tick two rows on the member list, change a field, confirm, see the result
per row, undo. Screenshots: ``test-artifacts/browser/<database>-bulk-<step>-<width>.png``."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in

pytestmark = pytest.mark.browser


def _id_card(serial: int) -> str:
    body = f"110105199001{serial % 28 + 1:02d}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(digit) * weight for digit, weight in zip(body, weights)) % 11]


@pytest.mark.parametrize("width", [1366, 390])
def test_two_ticked_members_get_a_new_political_status_and_it_is_undone(
        live_server: LiveServer, page: Any, network: NetworkLog, width: int) -> None:
    server = live_server
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, server)
    tag = uuid.uuid4().hex[:12]
    made = []
    for index in range(2):
        response = page.request.post(f"{server.url}/api/v1/members/", data={
            "name": f"批量{tag}{index}", "id_card": _id_card(int(tag, 16) + index * 7), "org_unit": "A01",
            "status": "在籍"})
        assert response.status == 201, response.text()
        made.append(response.json()["id"])
    page.goto(f"{server.url}/members/list/?q={quote('批量' + tag)}")
    expect(page.locator(LIST_ROWS)).to_have_count(2)
    page.locator("input#portal-select-all").check()
    page.locator("#portal-bulk-bar summary").click()
    page.locator("#portal-bulk-field").select_option(label="政治面貌")
    page.locator("#portal-bulk-value").fill("党员")
    with page.expect_navigation():
        page.locator("#portal-bulk-set").click()
    expect(page.locator("#portal-bulk-confirm")).to_contain_text("将对 2 条会员记录执行：“政治面貌”改为“中共党员”")
    page.screenshot(path=server.screenshot_path(f"bulk-confirm-{width}"), full_page=True)
    with page.expect_navigation():
        page.locator("#portal-bulk-run").click()
    expect(page.locator("#portal-bulk-done")).to_contain_text("完成 2 条，未处理 0 条")
    expect(page.locator("#portal-bulk-rows tbody tr")).to_have_count(2)
    page.screenshot(path=server.screenshot_path(f"bulk-result-{width}"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#portal-bulk-undo").click()
    expect(page.locator(".alert-success")).to_contain_text("已撤销批次")
    listed = page.request.get(f"{server.url}/api/v1/members/?q=(filters:!((col:name,opr:ct,value:'{tag}')))").json()
    assert listed.get("count") == 2, listed
    assert {row["political_status"] for row in listed["result"]} == {None}
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    for record_id in made:  # the live server is shared: leave no members for other tests to count
        assert page.request.delete(f"{server.url}/api/v1/members/{record_id}").status == 200
    assert network.blocked == [] and network.page_errors == [], (network.blocked, network.page_errors)
