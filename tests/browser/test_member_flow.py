"""A clerk's first member, in a real browser (issue: "log in as admin, add a member with a wrong ID
check character and see the Chinese error on that field, fix it, save, find the member by search;
screenshots of each step kept as test artefacts").

Screenshots: ``test-artifacts/browser/<database>-<step>.png``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in

pytestmark = pytest.mark.browser

NAME = "王小明"
WRONG_ID = "360426199101010072"  # check character should be 1
RIGHT_ID = "360426199101010071"
CHECK_ERROR = "身份证号校验位错误，应为 1"


def offline(network: NetworkLog, where: str) -> None:
    assert network.blocked == [], f"{where}: 页面试图访问其他主机：{network.blocked}"
    assert network.page_errors == [], f"{where}: 页面脚本出错：{network.page_errors}"


def field_row(page: Any, field: str) -> Any:
    """The form row (label, input, help, errors) holding one field."""
    return page.locator("tr", has=page.locator(f"#{field}"))


def pick_org_unit(page: Any, search: str, option_text: str) -> None:
    """Choose the org unit the way a clerk does: open the select2 box, type, click the match."""
    container = page.locator("#org_unit + .select2-container")
    expect(container).to_be_visible()
    container.locator(".select2-selection").click()
    search_box = page.locator(".select2-container--open .select2-search__field")
    expect(search_box).to_be_visible()
    expect(search_box).to_be_focused()  # the clerk types straight away, without clicking the search box
    with page.expect_response(lambda response: "/lookup/org_units?" in response.url
                              and f"q={quote(search)}" in response.url and response.status == 200):
        page.keyboard.type(search)
    option = page.locator(".select2-results__option", has_text=option_text)
    expect(option).to_have_count(1)
    option.click()
    expect(container.locator(".select2-selection__rendered")).to_contain_text(option_text)


def test_add_member_fix_the_id_and_find_it(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    server = live_server

    # 1. log in as admin
    log_in(page, server)
    offline(network, "登录")
    page.screenshot(path=server.screenshot_path("01-logged-in"), full_page=True)

    # 2. the add form, with a wrong check character
    page.goto(f"{server.url}/members/add")
    expect(page.locator("#name")).to_be_visible()
    offline(network, "新增会员页")
    page.fill("#name", NAME)
    page.fill("#id_card", WRONG_ID)
    pick_org_unit(page, "车工", "车工一组")
    assert page.input_value("#org_unit") == str(server.org_units["A01-1"])
    page.screenshot(path=server.screenshot_path("02-form-filled"), full_page=True)
    with page.expect_navigation():
        page.locator("#model_form [type=submit]").first.click()

    # 3. the Chinese message sits on the ID number's row, and nothing was saved
    row = field_row(page, "id_card")
    expect(row).to_have_count(1)
    expect(row.get_by_text(CHECK_ERROR)).to_be_visible()
    expect(field_row(page, "name").get_by_text(CHECK_ERROR)).to_have_count(0)
    assert urlsplit(page.url).path == "/members/add"
    assert page.input_value("#id_card") == WRONG_ID  # what the clerk typed is kept
    assert page.input_value("#name") == NAME
    expect(page.locator("#org_unit + .select2-container .select2-selection__rendered")).to_contain_text("车工一组")
    offline(network, "校验错误页")
    page.screenshot(path=server.screenshot_path("03-id-check-error"), full_page=True)

    # 4. fix it and save
    page.fill("#id_card", RIGHT_ID)
    with page.expect_navigation():
        page.locator("#model_form [type=submit]").first.click()
    assert urlsplit(page.url).path != "/members/add", "保存后应跳转离开新增页"
    expect(page.locator(".alert-success")).to_contain_text("记录已添加")
    expect(page.get_by_text(CHECK_ERROR)).to_have_count(0)
    offline(network, "保存后")
    page.screenshot(path=server.screenshot_path("04-saved"), full_page=True)

    # 5. find the member by ID number with the quick search box
    page.goto(f"{server.url}/members/list/")
    offline(network, "会员列表")
    box = page.locator("input[name=q]")
    expect(box).to_be_visible()
    box.fill(RIGHT_ID)
    with page.expect_navigation():
        page.locator("form.portal-quick-search [type=submit]").click()
    assert re.search(r"[?&]q=" + RIGHT_ID, page.url), page.url
    rows = page.locator(LIST_ROWS)  # the list shows no ID number column: exactly one row must be left
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NAME)
    expect(rows.first).to_contain_text("车工一组")
    offline(network, "搜索结果")
    page.screenshot(path=server.screenshot_path("05-search-result"), full_page=True)
    assert network.bad_responses == [], network.bad_responses
