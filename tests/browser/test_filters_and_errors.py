"""The filter panel and the error summary in a real browser, wide and phone-sized.

The clerk filters members by 会籍状态 (a drop-down of labels, no "开头是"), 入会时间 从/到, and 所属工会
含下级 through the search box; then sends an add form with mistakes and gets a summary at the top whose
links lead to the fields. Screenshots: ``test-artifacts/browser/<database>-filters-<width>.png``,
``…-error-summary-<width>.png``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_filters_fit_the_field(live_server: LiveServer, page: Any, network: NetworkLog, width: int) -> None:
    server = live_server
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, server)
    page.goto(f"{server.url}/members/list/")
    page.get_by_role("link", name="筛选条件").click()
    form = page.locator("#filter_form")
    for name in ("status", "joined_on", "org_unit"):
        form.get_by_role("button", name="添加过滤条件").click()
        form.locator(f"a.filter[name={name}]").click()
    status = form.locator("tr[data-field=status]")
    expect(status.locator("select.filter-op option")).to_have_text(["等于", "不等于"])  # no 开头是 on a choice
    status.locator("select.filter_val").select_option(label="在籍")
    dates = form.locator("tr[data-field=joined_on] input")
    expect(dates).to_have_count(2)  # 从 … 到 …
    dates.first.fill("2000-01-01")
    dates.first.fill("")  # an empty range is no filter (the seeded member has no 入会时间)
    org = form.locator("tr[data-field=org_unit]")
    org.locator("select.filter-op").select_option(label="含下级")
    org.locator(".select2-selection").click()
    page.keyboard.type("第一机械")
    option = page.locator(".select2-container--open .select2-results__option", has_text="第一机械厂工会")
    expect(option).to_have_count(1)
    option.click()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["_flt_0_status"] == ["在籍"], page.url
    assert not [key for key in query if key.endswith("_joined_on")], page.url
    assert query.get("_flt_2_org_unit") == [str(server.org_units["A"])], page.url
    # 张三 of 车工一组 lies below 第一机械厂工会; other tests on this shared server add members of A01 too,
    # so the check is that every row shown is 在籍 and in the subtree, and 张三 is among them.
    expect(page.locator(LIST_ROWS, has_text="张三").first).to_be_visible()
    for row in page.locator(LIST_ROWS).all_inner_texts():
        assert "在籍" in row and "物流中心" not in row, row
    page.get_by_role("link", name="筛选条件").click()
    expect(form.locator("tr[data-field=org_unit] .select2-container")).to_contain_text("第一机械厂工会")
    expect(form.locator("tr[data-field=status] select.filter_val")).to_have_value("在籍")
    page.screenshot(path=server.screenshot_path(f"filters-{width}"), full_page=True)
    assert network.blocked == [] and network.page_errors == [], (network.blocked, network.page_errors)


@pytest.mark.parametrize("width", [1366, 390])
def test_an_add_form_with_mistakes_sums_them_up(live_server: LiveServer, page: Any, network: NetworkLog,
                                                 width: int) -> None:
    server = live_server
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, server)
    page.goto(f"{server.url}/members/add")
    page.fill("#name", "李四")
    page.fill("#id_card", "123")
    page.fill("#joined_on", "notadate")
    with page.expect_navigation():
        page.locator("#model_form button[type=submit]").first.click()
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("需要修改")
    links = summary.locator("a")
    expect(links.filter(has_text="身份证号")).to_have_count(1)
    expect(links.filter(has_text="入会时间")).to_have_count(1)
    expect(page.locator("#id_card")).to_be_focused()  # the page went to the first field in error
    page.screenshot(path=server.screenshot_path(f"error-summary-{width}"))
    links.filter(has_text="入会时间").click()
    expect(page.locator("#joined_on")).to_be_focused()
    expect(page.locator("#joined_on")).to_be_in_viewport()
    assert network.blocked == [] and network.page_errors == [], (network.blocked, network.page_errors)
