"""In a real browser: the record page's 打印 button yields the person's PDF; 打印所选 on the list
ticks rows, shows the progress bar and ends with the PDF; the vendored ECharts draws a chart from a
JSON block under the portal's content policy, in Chinese, with nothing fetched from another host.

Screenshots: ``test-artifacts/browser/<database>-print-*.png``, ``...-charts.png``.
"""

from __future__ import annotations

import json
from urllib.parse import quote
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in
from tests.printing.pdf import pdf_text

pytestmark = pytest.mark.browser


def test_the_print_button_yields_the_members_pdf(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/members/show/{live_server.seed_member}")
    button = page.locator("a.portal-print", has_text="打印会员登记表")
    expect(button).to_be_visible()
    page.screenshot(path=str(live_server.screenshot_path("print-show")), full_page=True)
    response = page.request.get(live_server.url + button.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(pdf_text(response.body()).split())
    assert "会员登记表" in text and "张三" in text
    assert network.blocked == []


def test_print_selected_shows_progress_and_ends_with_the_pdf(live_server: LiveServer, page: Any,
                                                             network: NetworkLog) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/members/list/?q={quote('张三')}")  # other tests add members to page one
    expect(page.locator(f"{LIST_ROWS} input.portal-select-row").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # nothing ticked: the page says so and stays
    page.click("#portal-print-registration")
    assert "/members/list/" in page.url
    page.check("#portal-select-all")
    page.screenshot(path=str(live_server.screenshot_path("print-list")), full_page=True)
    with page.expect_navigation():
        page.click("#portal-print-registration")
    expect(page.locator("#portal-print-file")).to_be_visible(timeout=30000)
    page.screenshot(path=str(live_server.screenshot_path("print-done")), full_page=True)
    response = page.request.get(live_server.url + page.locator("#portal-print-file").get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert "张三" in "".join(pdf_text(response.body()).split())
    assert network.blocked == [] and network.page_errors == []


CHART = {"type": "bar", "title": "各单位会员数", "categories": ["第一机械厂工会", "第二机械厂工会"],
         "series": [{"name": "会员", "data": [120, 80]}], "unit": "人"}


def test_a_chart_is_drawn_from_json_under_the_policy(live_server: LiveServer, page: Any, network: NetworkLog) -> None:
    log_in(page, live_server)
    policy = page.request.get(f"{live_server.url}/").headers["content-security-policy"]
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<div data-chart="chart-data" style="width: 640px; height: 320px"></div>
<script type="application/json" id="chart-data">{json.dumps(CHART, ensure_ascii=False)}</script>
<script src="/static/vendor/echarts/echarts.min.js"></script>
<script src="/static/charts.js"></script></body></html>"""
    page.route(f"{live_server.url}/chart-test", lambda route: route.fulfill(
        status=200, body=html, headers={"content-type": "text/html; charset=utf-8", "content-security-policy": policy}))
    page.goto(f"{live_server.url}/chart-test")
    chart = page.locator("[data-chart-ready='1']")
    expect(chart).to_be_visible()
    expect(chart.locator("svg")).to_contain_text("各单位会员数")
    expect(chart.locator("svg")).to_contain_text("第一机械厂工会")
    page.screenshot(path=str(live_server.screenshot_path("charts")))
    assert network.blocked == [] and network.page_errors == []
    assert not [text for text in network.console_errors if "Content Security Policy" in text]
