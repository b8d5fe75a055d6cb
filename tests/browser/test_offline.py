"""The portal runs on intranets without Internet access: every page must load all its stylesheets,
scripts and fonts from the portal itself, and never try another host.

Every request to a host other than 127.0.0.1/localhost is aborted by the ``page`` fixture and
recorded; here each page is loaded with that guard and must show no such attempt, no failed local
request, no 4xx/5xx answer, no font that failed to load and no script error.

Screenshots: ``test-artifacts/browser/<database>-offline-<page>.png`` and
``<database>-mobile-members-list.png`` (390x844).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, LOCAL_HOSTS, LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

#: name, path (``{member}`` = the seeded member's id), signed in?, what shows the page really rendered
PAGES: list[tuple[str, str, bool, Callable[[Any], Any]]] = [
    ("login", "/login/", False, lambda page: page.locator("#username")),
    ("home-anonymous", "/", False, lambda page: page.locator(".portal-home")),
    ("home", "/", True, lambda page: page.locator(".portal-card").first),
    ("members-list", "/members/list/?q=%E5%BC%A0%E4%B8%89", True, lambda page: page.locator(LIST_ROWS, has_text="张三").first),
    ("members-add", "/members/add", True, lambda page: page.locator("#org_unit + .select2-container")),
    ("members-show", "/members/show/{member}", True, lambda page: page.get_by_text("11010519491231002X")),
    ("swagger", "/swagger/v1", True, lambda page: page.locator("#swagger-ui .information-container")),
]

#: Resources the page names in its markup; each must be served by the portal itself.
REFERENCED_URLS = """() => Array.from(document.querySelectorAll(
    'link[href], script[src], img[src], iframe[src], source[src], video[src], audio[src]'))
  .map(el => el.href || el.src)"""
FAILED_FONTS = """() => document.fonts.ready.then(() => Array.from(document.fonts)
  .filter(font => font.status === 'error').map(font => `${font.family} ${font.weight} ${font.style}`))"""


def assert_self_contained(page: Any, network: NetworkLog, where: str) -> None:
    foreign = [url for url in page.evaluate(REFERENCED_URLS)
               if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOCAL_HOSTS]
    problems = {
        "试图访问其他主机": network.blocked,
        "页面引用其他主机的资源": foreign,
        "本地请求失败": network.failed,
        "4xx/5xx 响应": network.bad_responses,
        "字体加载失败": page.evaluate(FAILED_FONTS),
        "脚本错误": network.page_errors,
    }
    problems = {label: items for label, items in problems.items() if items}
    assert not problems, f"{where}: {problems}"


@pytest.mark.parametrize("name, path, signed_in, marker", PAGES, ids=[entry[0] for entry in PAGES])
def test_page_loads_everything_from_the_portal(live_server: LiveServer, page: Any, network: NetworkLog, name: str,
                                               path: str, signed_in: bool, marker: Callable[[Any], Any]) -> None:
    if signed_in:
        log_in(page, live_server)
        assert_self_contained(page, network, "登录")
        network.clear()
    response = page.goto(live_server.url + path.format(member=live_server.seed_member), wait_until="networkidle")
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    expect(marker(page)).to_be_visible()
    if name == "swagger":
        # the spec itself comes from the portal, and Swagger UI rendered its operations
        expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert_self_contained(page, network, path)
    # Swagger UI lists every operation of every register: keep its picture to the first screen
    page.screenshot(path=live_server.screenshot_path(f"offline-{name}"), full_page=name != "swagger")


def test_member_list_on_a_phone(live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    context = new_context(browser, network, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, device_scale_factor=2)
    try:
        page = watch(context.new_page(), network)
        log_in(page, live_server)
        page.goto(f"{live_server.url}/members/list/?q={quote('张三')}", wait_until="networkidle")
        expect(page.locator("input[name=q]")).to_be_visible()
        # other tests add members, so the seeded one is searched for rather than expected on page one
        expect(page.locator(LIST_ROWS, has_text="张三").first).to_be_visible()
        assert_self_contained(page, network, "手机版会员列表")
        page.screenshot(path=live_server.screenshot_path("mobile-members-list"), full_page=True)
    finally:
        context.close()


def test_the_guard_really_blocks_other_hosts(live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    """An empty ``network.blocked`` above means something only if the guard catches such requests.

    The portal's content policy already stops these requests inside the browser, so this context
    bypasses it: the guard itself is under test here.
    """
    context = new_context(browser, network, bypass_csp=True)
    try:
        page = watch(context.new_page(), network)
        page.goto(f"{live_server.url}/login/")
        page.evaluate("""() => fetch('https://cdn.example.com/lib.js').catch(() => null)""")
        page.evaluate("""() => { const img = new Image(); img.src = 'http://example.org/logo.png'; }""")
        for _ in range(50):  # the route handler records them as the browser tries
            if len(network.blocked) >= 2:
                break
            page.wait_for_timeout(100)
        assert sorted(network.blocked) == ["GET http://example.org/logo.png", "GET https://cdn.example.com/lib.js"]
        assert network.failed == []  # blocked foreign requests are not reported as failed local ones
    finally:
        context.close()
