"""The admin's security screens in a real browser: role matrix, audit trail, a user's org unit.

Screenshots: ``test-artifacts/browser/<database>-security-<step>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser


def test_admin_reads_the_role_matrix_and_the_audit_trail(live_server: LiveServer, page: Any) -> None:
    server = live_server
    log_in(page, server)
    page.goto(f"{server.url}/roles/matrix")
    expect(page.locator("#role-clerk")).to_contain_text("会员管理员")
    expect(page.locator("#role-clerk")).to_contain_text("本单位及下级")
    expect(page.locator("#role-admin")).to_contain_text("全部单位")
    page.screenshot(path=str(server.screenshot_path("security-01-role-matrix")), full_page=True)

    page.goto(f"{server.url}/audit/list/")
    rows = page.locator(".table-responsive table.table-hover tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("body")).to_contain_text("登录")  # the admin's own sign-in is there
    expect(page.locator("body")).to_contain_text("新增")  # the seeded member and org units
    page.screenshot(path=str(server.screenshot_path("security-02-audit")), full_page=True)


def test_admin_sets_a_users_org_unit_on_the_user_form(live_server: LiveServer, page: Any) -> None:
    server = live_server
    log_in(page, server)
    page.goto(f"{server.url}/users/add")
    expect(page.locator("body")).to_contain_text("所属组织")
    page.screenshot(path=str(server.screenshot_path("security-03-user-add")), full_page=True)
    options = page.locator("select[name=org_unit_id] option").all_inner_texts()
    assert "第一机械厂工会 (A)" in options and "物流中心工会 (B)" in options
