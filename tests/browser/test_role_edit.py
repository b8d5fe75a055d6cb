"""An administrator edits a role in the browser: form, the named changes, save; the clerk's next page follows.

Runs on its own server with a copy of roles.yaml (the edit writes the file). Screenshots:
``test-artifacts/browser/<database>-roles-*.png`` (1366 px, and the form on a 390 px phone).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in, new_context, serving_portal, watch
from tests.browser.test_phone_layout import OVERFLOW_JS
from tests.conftest import DATABASES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Roleedit-pass-2026"


@pytest.fixture(scope="module", params=DATABASES)
def role_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    roles_file = tmp_path_factory.mktemp("roles-file") / "roles.yaml"
    shutil.copy(ROOT / "permissions" / "roles.yaml", roles_file)

    def clerk(app: Any) -> None:
        from portal.security.accounts import create_user

        with app.app_context():
            create_user("clerk_a", PASSWORD, "clerk", org_code="A")

    with serving_portal(request.param, tmp_path_factory, "roles", clerk, PORTAL_ROLES_FILE=str(roles_file)) as server:
        yield server


def test_an_administrator_edits_a_role_and_the_clerk_sees_it_on_the_next_page(role_server: LiveServer,
                                                                                browser: Any, network: Any) -> None:
    server = role_server
    clerk_context = new_context(browser, network)
    admin_context = new_context(browser, network, viewport={"width": 1366, "height": 900})
    try:
        clerk = watch(clerk_context.new_page(), network)
        log_in(clerk, server, "clerk_a", PASSWORD)
        clerk.goto(f"{server.url}/members/list/")
        expect(clerk.locator("form.portal-delete")).to_have_count(1)  # 删除 on the seeded member

        admin = watch(admin_context.new_page(), network)
        log_in(admin, server)
        admin.goto(f"{server.url}/roles/matrix")
        admin.locator("#role-clerk .portal-role-edit").click()
        expect(admin.locator("h2")).to_contain_text("会员管理员")
        admin.check("#scope-all")
        admin.uncheck('input[name="verb.members.delete"]')
        admin.uncheck('input[name="unmask.members.phone"]')
        admin.screenshot(path=str(server.screenshot_path("roles-01-edit")), full_page=True)
        admin.click("#portal-role-review")
        changes = admin.locator("#portal-role-changes")
        expect(changes).to_contain_text("数据范围：本单位及下级 → 全部单位")
        expect(changes).to_contain_text("会员：− 删除")
        expect(changes).to_contain_text("明文字段：− 会员·手机号")
        admin.screenshot(path=str(server.screenshot_path("roles-02-review")), full_page=True)
        admin.click("#portal-role-save")
        expect(admin.locator(".alert-success")).to_contain_text("已保存角色“会员管理员”")
        expect(admin.locator("#role-clerk .panel-heading")).to_contain_text("全部单位")
        admin.screenshot(path=str(server.screenshot_path("roles-03-saved")), full_page=True)

        clerk.reload()
        expect(clerk.locator("div.table-responsive")).to_contain_text("张三")
        expect(clerk.locator("form.portal-delete")).to_have_count(0)  # the next page already follows the role

        admin.set_viewport_size({"width": 390, "height": 844})
        admin.goto(f"{server.url}/roles/matrix/edit/clerk")
        expect(admin.locator(".portal-scroll-hint").first).to_be_visible()
        admin.screenshot(path=str(server.screenshot_path("roles-04-edit-phone")), full_page=True)
        assert admin.evaluate(OVERFLOW_JS) == []
        admin.goto(f"{server.url}/roles/matrix")
        assert admin.evaluate(OVERFLOW_JS) == []
    finally:
        admin_context.close()
        clerk_context.close()
    assert not network.blocked and not network.page_errors


def test_an_administrator_creates_a_role_from_a_copy_and_deletes_it(role_server: LiveServer, browser: Any,
                                                                     network: Any) -> None:
    server = role_server
    key = f"reader_{uuid.uuid4().hex[:12]}"  # this test's own role, taken out again at the end
    context = new_context(browser, network, viewport={"width": 1366, "height": 900})
    try:
        admin = watch(context.new_page(), network)
        log_in(admin, server)
        admin.goto(f"{server.url}/roles/matrix")
        admin.click("#portal-role-new")
        admin.select_option("#copy", "viewer")
        admin.click("#portal-role-copy")
        expect(admin.locator("#label_zh")).to_have_value("只读（副本）")
        admin.fill("#key", "Bad-Key")
        admin.fill("#label_zh", "只读（浏览器）")
        admin.uncheck('input[name="verb.dues.read"]')
        admin.click("#portal-role-review")
        expect(admin.locator(".portal-role-error")).to_contain_text("角色代码“Bad-Key”不合法")
        admin.fill("#key", key)
        admin.click("#portal-role-review")
        changes = admin.locator("#portal-role-changes")
        expect(changes).to_contain_text(f"新建角色：{key}（只读（浏览器）")
        expect(changes).to_contain_text("复制自：只读（viewer）")
        expect(changes).to_contain_text("会员：+ 查看")
        expect(changes).not_to_contain_text("会费缴纳")
        admin.screenshot(path=str(server.screenshot_path("roles-05-new-review")), full_page=True)
        admin.click("#portal-role-save")
        expect(admin.locator(".alert-success")).to_contain_text(f"已新建角色“只读（浏览器）”（{key}）")
        panel = admin.locator(f"#role-{key}")
        expect(panel).to_contain_text("只读（浏览器）")

        panel.locator(".portal-role-delete").click()
        expect(admin.locator("#portal-role-changes")).to_contain_text(f"删除角色：{key}")
        admin.click("#portal-role-save")
        expect(admin.locator(".alert-success")).to_contain_text(f"已删除角色“只读（浏览器）”（{key}）")
        expect(admin.locator(f"#role-{key}")).to_have_count(0)

        admin.set_viewport_size({"width": 390, "height": 844})
        admin.goto(f"{server.url}/roles/matrix/new?copy=clerk")
        expect(admin.locator("#key")).to_be_visible()
        admin.screenshot(path=str(server.screenshot_path("roles-06-new-phone")), full_page=True)
        assert admin.evaluate(OVERFLOW_JS) == []
    finally:
        context.close()
    assert not network.blocked and not network.page_errors
