"""Exporting the members list to Excel, in a real browser, as a clerk and as an auditor of branch A.

The clerk opens the members list, filters it by org unit with the list's own filter form (筛选条件 →
添加过滤条件 → 所属工会 → 机加工车间分工会 → 搜索), clicks 导出 Excel and gets a file holding exactly
the rows the filtered list shows, with ID numbers in clear. The auditor of the same branch does the
same and gets the same rows with the ID numbers masked, as the auditor sees them on screen.

Seeded through the REST API as admin on the shared live server (whose 张三 sits in A01-1): three
members in A01, one more in A01-1 and one in B. Accounts: ``clerk_export_a`` (会员管理员, org A) and
``auditor_export_a`` (经审, org A; unmasks wages, not ID numbers or mobile numbers).

Screenshots: ``test-artifacts/browser/<database>-export-<step>.png``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from tests.browser.conftest import LIST_ROWS, SEED_MEMBER, LiveServer, NetworkLog, admin_client, log_in

pytestmark = pytest.mark.browser

CLERK = ("clerk_export_a", "Clerk-Export-pass-2026")
AUDITOR = ("auditor_export_a", "Auditor-Export-pass-2026")

A01_NAME = "机加工车间分工会"
#: name -> (org code, mobile number)
MEMBERS = {
    "陈静": ("A01", "13700000001"),
    "杨帆": ("A01", "13700000002"),
    "黄磊": ("A01", None),
    "周婷": ("A01-1", "13700000004"),  # below A01: not in a filter on A01 itself
    "吴刚": ("B", "13700000005"),  # outside A's subtree
}
IN_A01 = {"陈静", "杨帆", "黄磊"}
NOT_SHOWN = {"周婷", "吴刚", SEED_MEMBER["name"]}


def make_ids() -> dict[str, str]:
    from portal.domain.idcard import make_id_card

    return {name: make_id_card("320106", date(1980 + index, 4, 9), 31 + index)
            for index, name in enumerate(MEMBERS)}


IDS = make_ids()


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


@dataclass(frozen=True)
class ExportData:
    a01: int  # the id of org unit A01


_seeded: dict[str, ExportData] = {}


@pytest.fixture(scope="module")
def export_data(live_server: LiveServer) -> ExportData:
    """The members and the two accounts, once per live server."""
    if live_server.url in _seeded:
        return _seeded[live_server.url]
    from portal.security.accounts import create_user

    client = admin_client(live_server.app)
    for name, (org, phone) in MEMBERS.items():
        body = {"name": name, "id_card": IDS[name], "org_unit": org, "status": "在籍"}
        if phone:
            body["phone"] = phone
        response = client.post("/api/v1/members/", json=body)
        assert response.status_code == 201, response.get_json()
    with live_server.app.app_context():
        create_user(CLERK[0], CLERK[1], "clerk", org_code="A")
        create_user(AUDITOR[0], AUDITOR[1], "auditor", org_code="A")
    data = ExportData(a01=live_server.org_units["A01"])
    _seeded[live_server.url] = data
    return data


def clean(network: NetworkLog, where: str) -> None:
    """Offline and without script errors, as every browser test demands."""
    assert network.blocked == [], f"{where}: 页面试图访问其他主机：{network.blocked}"
    assert network.page_errors == [], f"{where}: 页面脚本出错：{network.page_errors}"
    assert network.bad_responses == [], f"{where}: {network.bad_responses}"


def filter_by_a01(page: Any, server: LiveServer, data: ExportData) -> None:
    """Open the members list and filter it on 所属工会 = 机加工车间分工会 with the list's filter form."""
    page.goto(f"{server.url}/members/list/")
    expect(page.locator(LIST_ROWS).first).to_be_visible()
    page.get_by_role("link", name="筛选条件").click()
    form = page.locator("#filter_form")
    form.get_by_role("button", name="添加过滤条件").click()
    form.locator("a.filter[name=org_unit]").click()
    value = form.locator("select[name=_flt_0_org_unit]")
    expect(value).to_have_count(1)
    box = form.locator("select[name=_flt_0_org_unit] + .select2-container")
    expect(box).to_be_visible()
    box.locator(".select2-selection").click()
    option = page.locator(".select2-container--open .select2-results__option", has_text=A01_NAME)
    expect(option).to_have_count(1)
    option.click()
    expect(value).to_have_value(str(data.a01))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("_flt_0_org_unit") == [str(data.a01)], page.url
    # The page shows the filter it applied: 所属工会 关联 机加工车间分工会.
    page.get_by_role("link", name="筛选条件").click()
    expect(page.locator("#accordion1_href")).to_have_class(re.compile(r"\bcollapse in\b"))  # opened, not opening
    applied = page.locator("#filter_form table.filters tr", has=page.locator("select[name=_flt_0_org_unit]"))
    expect(applied).to_be_visible()
    expect(applied).to_contain_text("所属工会")
    expect(applied.locator("select[name=_flt_0_org_unit]")).to_have_value(str(data.a01))
    expect(applied.locator("select[name=_flt_0_org_unit] + .select2-container")).to_contain_text(A01_NAME)


def shown_names(page: Any) -> list[str]:
    rows = page.locator(LIST_ROWS)
    expect(rows.first).to_be_visible()
    headers = [text.strip() for text in page.locator(".table-responsive table.table-hover thead th").all_inner_texts()]
    column = next(index for index, text in enumerate(headers) if text.startswith("姓名")) + 1
    return [text.strip() for text in rows.locator(f"td:nth-child({column})").all_inner_texts()]


def record_count(page: Any) -> int:
    text = page.locator(".well strong", has_text="记录数").locator("xpath=..").inner_text()
    return int(text.split(":")[-1].strip())


def download_xlsx(page: Any, server: LiveServer, step: str) -> list[dict[str, Any]]:
    button = page.locator("#portal-export-xlsx")
    expect(button).to_be_visible()
    expect(button).to_contain_text("导出 Excel")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename.startswith("会员-") and download.suggested_filename.endswith(".xlsx")
    target = server.screenshot_path(step).with_suffix(".xlsx")
    download.save_as(target)
    with CalamineWorkbook.from_path(str(target)) as book:
        rows = book.get_sheet_by_index(0).to_python()
    Path(target).unlink()
    assert rows[0][:2] == ["姓名", "身份证号"], rows[0]
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def open_export_menu(page: Any) -> None:
    page.locator("#portal-export .dropdown-toggle").click()
    for item in ("#portal-export-xlsx-all", "#portal-export-csv", "#portal-export-csv-gb"):
        expect(page.locator(item)).to_be_visible()


def test_clerk_exports_the_filtered_list_in_clear(live_server: LiveServer, export_data: ExportData, page: Any,
                                                  network: NetworkLog) -> None:
    server = live_server
    log_in(page, server, *CLERK)
    filter_by_a01(page, server, export_data)
    names = shown_names(page)
    assert set(names) >= IN_A01, names
    assert not NOT_SHOWN & set(names), names
    assert record_count(page) == len(names)
    expect(page.locator("#portal-export-csv-gb")).to_have_count(1)
    clean(network, "会员管理员筛选会员列表")
    page.screenshot(path=server.screenshot_path("export-01-clerk-filtered-list"), full_page=True)
    open_export_menu(page)
    page.screenshot(path=server.screenshot_path("export-02-clerk-export-menu"))
    page.keyboard.press("Escape")

    rows = download_xlsx(page, server, "export-clerk-download")
    assert [row["姓名"] for row in rows] == names
    for row in rows:
        assert row["所属工会"] == f"{A01_NAME} (A01)"
        if row["姓名"] in IDS:
            assert row["身份证号"] == IDS[row["姓名"]]
        assert "*" not in row["身份证号"]
    phones = {row["姓名"]: row["手机号"] for row in rows}
    assert phones["陈静"] == "13700000001" and phones["黄磊"] == ""
    clean(network, "会员管理员导出 Excel")


def test_auditor_exports_the_filtered_list_masked(live_server: LiveServer, export_data: ExportData, page: Any,
                                                  network: NetworkLog) -> None:
    server = live_server
    log_in(page, server, *AUDITOR)
    filter_by_a01(page, server, export_data)
    names = shown_names(page)
    assert set(names) >= IN_A01, names
    assert not NOT_SHOWN & set(names), names
    # The list itself shows the auditor masked mobile numbers.
    expect(page.locator(LIST_ROWS, has_text="陈静")).to_contain_text("137****0001")
    assert "13700000001" not in page.content()
    expect(page.locator("#portal-import-link")).to_have_count(0)  # read and export only
    clean(network, "经审筛选会员列表")
    page.screenshot(path=server.screenshot_path("export-03-auditor-filtered-list"), full_page=True)

    rows = download_xlsx(page, server, "export-auditor-download")
    assert [row["姓名"] for row in rows] == names
    for row in rows:
        assert "********" in row["身份证号"], row
        if row["姓名"] in IDS:
            assert row["身份证号"] == masked(IDS[row["姓名"]])
            assert IDS[row["姓名"]] not in str(row)
        assert row["出生日期"] == "****-**-**"
    phones = {row["姓名"]: row["手机号"] for row in rows}
    assert phones["陈静"] == "137****0001" and phones["黄磊"] == ""
    clean(network, "经审导出 Excel")
