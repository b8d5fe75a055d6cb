"""Row scope and masking, in a real browser (issue: "a clerk of branch A logs in, sees only A's
members, opening a B member's URL shows the Chinese refusal page, and a viewer sees masked ID
numbers; screenshots kept").

Seeded through the REST API as admin, on top of the live server's 张三 (A01-1, under A): 王芳 in A01
(under A, with a mobile number) and 李四 in B. Accounts: ``clerk_a`` (会员管理员, org A: scope
``subtree``, unmasks ``members.*``) and ``viewer_a`` (只读, org A, unmasks nothing).

Screenshots: ``test-artifacts/browser/<database>-scope-<step>.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIST_ROWS, SEED_MEMBER, LiveServer, NetworkLog, admin_client, log_in

pytestmark = pytest.mark.browser

CLERK = ("clerk_a", "Clerk-A-pass-2026")
VIEWER = ("viewer_a", "Viewer-A-pass-2026")

A_NAME = SEED_MEMBER["name"]  # 张三, A01-1
A_ID = SEED_MEMBER["id_card"]  # 11010519491231002X
A_ID_MASKED = "110105********002X"

PHONE_NAME = "王芳"  # A01, has a mobile number
PHONE = "13812345678"
PHONE_MASKED = "138****5678"

B_NAME = "李四"  # B: outside A's subtree
B_ORG_NAME = "物流中心工会"

#: The Chinese 404 page of portal/errors.py (a record out of scope is "not found", not "forbidden",
#: so a clerk cannot even learn that the id exists).
REFUSAL_TITLE = "找不到页面"
REFUSAL_HINT = "您要找的页面或记录不存在，或您无权查看。"


def make_ids() -> tuple[str, str]:
    from portal.domain.idcard import make_id_card

    return make_id_card("320102", date(1985, 3, 8), 24), make_id_card("440305", date(1978, 11, 2), 17)


PHONE_ID, B_ID = make_ids()


@dataclass(frozen=True)
class ScopeData:
    a_member: int  # 张三
    phone_member: int  # 王芳
    b_member: int  # 李四


_seeded: dict[str, ScopeData] = {}


@pytest.fixture(scope="module")
def scope_data(live_server: LiveServer) -> ScopeData:
    """The two extra members and the two accounts, once per live server."""
    if live_server.url in _seeded:
        return _seeded[live_server.url]
    from portal.security.accounts import create_user

    client = admin_client(live_server.app)
    ids = {}
    for name, id_card, org, extra in ((PHONE_NAME, PHONE_ID, "A01", {"phone": PHONE}),
                                      (B_NAME, B_ID, "B", {})):
        response = client.post("/api/v1/members/", json={"name": name, "id_card": id_card, "org_unit": org,
                                                         "status": "在籍", **extra})
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    with live_server.app.app_context():
        create_user(CLERK[0], CLERK[1], "clerk", org_code="A")
        create_user(VIEWER[0], VIEWER[1], "viewer", org_code="A")
    data = ScopeData(a_member=live_server.seed_member, phone_member=ids[PHONE_NAME], b_member=ids[B_NAME])
    _seeded[live_server.url] = data
    return data


def clean(network: NetworkLog, where: str) -> None:
    """Offline and without script errors, as every browser test demands."""
    assert network.blocked == [], f"{where}: 页面试图访问其他主机：{network.blocked}"
    assert network.page_errors == [], f"{where}: 页面脚本出错：{network.page_errors}"


def list_rows(page: Any, server: LiveServer) -> Any:
    """Open the members list and wait until its record rows are there."""
    page.goto(f"{server.url}/members/list/")
    rows = page.locator(LIST_ROWS)
    expect(rows.first).to_be_visible()
    return rows


def show_field(page: Any, label: str) -> Any:
    """The value cell next to a label on a show page."""
    return page.locator("tr", has=page.locator("th, td", has_text=label)).last


def test_clerk_of_a_sees_only_a_members(live_server: LiveServer, scope_data: ScopeData, page: Any,
                                        network: NetworkLog) -> None:
    server = live_server
    log_in(page, server, *CLERK)
    clean(network, "会员管理员登录")

    rows = list_rows(page, server)
    expect(rows.filter(has_text=A_NAME)).to_have_count(1)
    expect(rows.filter(has_text=PHONE_NAME)).to_have_count(1)
    expect(rows.filter(has_text=B_NAME)).to_have_count(0)
    texts = rows.all_inner_texts()
    assert not any(B_NAME in text or B_ORG_NAME in text for text in texts), texts
    # The list has a mobile column, not an ID column: the clerk unmasks members.*, so it is in clear.
    expect(rows.filter(has_text=PHONE_NAME)).to_contain_text(PHONE)
    html = page.content()
    assert PHONE_MASKED not in html
    assert B_NAME not in html and B_ID not in html
    clean(network, "会员管理员看会员列表")
    page.screenshot(path=server.screenshot_path("scope-01-clerk-list"), full_page=True)

    # A's member's show page: the ID number in clear.
    response = page.goto(f"{server.url}/members/show/{scope_data.a_member}")
    assert response is not None and response.status == 200
    expect(page.get_by_text(A_ID, exact=True)).to_be_visible()
    expect(page.get_by_text(A_NAME, exact=True).first).to_be_visible()
    assert A_ID_MASKED not in page.content()
    clean(network, "会员管理员看本单位会员")
    page.screenshot(path=server.screenshot_path("scope-02-clerk-show-a"), full_page=True)

    # The quick search by B's ID number finds nothing either.
    page.goto(f"{server.url}/members/list/?q={B_ID}")
    expect(page.locator("input[name=q]")).to_have_value(B_ID)
    expect(page.locator(LIST_ROWS, has_text=B_NAME)).to_have_count(0)
    assert B_NAME not in page.content()
    assert network.bad_responses == [], network.bad_responses


@pytest.mark.parametrize("action", ["show", "edit"])
def test_clerk_of_a_is_refused_a_b_member(live_server: LiveServer, scope_data: ScopeData, page: Any,
                                          network: NetworkLog, action: str) -> None:
    server = live_server
    log_in(page, server, *CLERK)

    url = f"{server.url}/members/{action}/{scope_data.b_member}"
    response = page.goto(url)
    assert response is not None and response.status == 404, (response and response.status, url)
    assert urlsplit(page.url).path == urlsplit(url).path  # no redirect: the refusal is shown right there
    heading = page.locator(".portal-error h2")
    expect(heading).to_contain_text(REFUSAL_TITLE)
    expect(heading.locator("small")).to_have_text("404")
    expect(page.locator(".portal-error .lead")).to_contain_text(REFUSAL_HINT)
    expect(page.locator(".portal-error").get_by_role("link", name="回到首页")).to_be_visible()
    html = page.content()
    for secret in (B_NAME, B_ID, B_ORG_NAME):
        assert secret not in html, f"拒绝页泄露了 B 单位会员的数据：{secret}"
    assert "Traceback" not in html
    expect(page.locator("#model_form")).to_have_count(0)  # no edit form, not even an empty one
    clean(network, f"会员管理员打开 B 单位会员的 {action} 页")
    page.screenshot(path=server.screenshot_path(f"scope-03-clerk-{action}-b-refused"), full_page=True)
    assert network.bad_responses == [f"404 GET {url}"], network.bad_responses

    # The same record through the API, with the clerk's browser session: not found, nothing leaked.
    api = page.request.get(f"{server.url}/api/v1/members/{scope_data.b_member}")
    assert api.status == 404, api.text()[:500]
    assert B_NAME not in api.text() and B_ID not in api.text()


def test_viewer_of_a_sees_masked_id_numbers(live_server: LiveServer, scope_data: ScopeData, page: Any,
                                            network: NetworkLog) -> None:
    server = live_server
    log_in(page, server, *VIEWER)
    clean(network, "只读用户登录")

    # A's member's show page: the ID number masked, never in clear anywhere in the HTML.
    response = page.goto(f"{server.url}/members/show/{scope_data.a_member}")
    assert response is not None and response.status == 200
    expect(page.get_by_text(A_NAME, exact=True).first).to_be_visible()
    expect(page.get_by_text(A_ID_MASKED, exact=True)).to_be_visible()
    expect(show_field(page, "身份证号")).to_contain_text(A_ID_MASKED)
    assert A_ID not in page.content(), "只读用户的查看页 HTML 中出现了明文身份证号"
    clean(network, "只读用户看会员")
    page.screenshot(path=server.screenshot_path("scope-04-viewer-show-masked"), full_page=True)

    # The member with a mobile number: both sensitive values masked.
    page.goto(f"{server.url}/members/show/{scope_data.phone_member}")
    expect(page.get_by_text(PHONE_MASKED, exact=True)).to_be_visible()
    expect(show_field(page, "手机号")).to_contain_text(PHONE_MASKED)
    masked_id = PHONE_ID[:6] + "*" * 8 + PHONE_ID[-4:]
    expect(page.get_by_text(masked_id, exact=True)).to_be_visible()
    html = page.content()
    assert PHONE not in html and PHONE_ID not in html, "只读用户的查看页 HTML 中出现了明文手机号或身份证号"
    clean(network, "只读用户看有手机号的会员")
    page.screenshot(path=server.screenshot_path("scope-05-viewer-show-phone-masked"), full_page=True)

    # The list: A's members only, the mobile column masked, no clear ID or phone in the HTML.
    rows = list_rows(page, server)
    expect(rows.filter(has_text=A_NAME)).to_have_count(1)
    expect(rows.filter(has_text=B_NAME)).to_have_count(0)
    expect(rows.filter(has_text=PHONE_NAME)).to_contain_text(PHONE_MASKED)
    html = page.content()
    for secret in (A_ID, PHONE_ID, PHONE, B_ID, B_NAME):
        assert secret not in html, f"只读用户的会员列表 HTML 中出现了 {secret}"
    clean(network, "只读用户看会员列表")
    page.screenshot(path=server.screenshot_path("scope-06-viewer-list"), full_page=True)

    # A masked field cannot be searched: the viewer's quick search by the clear ID finds nobody.
    page.goto(f"{server.url}/members/list/?q={A_ID}")
    expect(page.locator("input[name=q]")).to_have_value(A_ID)
    expect(page.locator(LIST_ROWS, has_text=A_NAME)).to_have_count(0)
    assert network.bad_responses == [], network.bad_responses
