"""Report pages, their xlsx and the API serve the same numbers, in the user's scope; the home dashboard
shows each role its to-dos, figures and the charts of the reports it may read (both databases)."""

from __future__ import annotations

import io
import re
from typing import Any

from python_calamine import CalamineWorkbook

from tests.conftest import login
from tests.io.test_xlsx_import import PASSWORD, new_user
from tests.records.test_reports import people  # noqa: F401  (fixture)


def client_for(app: Any, role: str, org: str) -> Any:
    client = app.test_client()
    assert login(client, new_user(app, role, org), PASSWORD).status_code == 302
    return client


def test_page_table_xlsx_and_api_show_the_same_numbers(app: Any, admin_client: Any, people: dict[str, int]) -> None:
    page = admin_client.get("/reports/members_by_unit/").get_data(as_text=True)
    assert 'data-chart="report-chart-members_by_unit"' in page and "portal-report-table" in page
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    api = admin_client.get("/api/v1/reports/members_by_unit").get_json()
    assert api["rows"] == [["第一机械厂工会", "男", 2], ["第一机械厂工会", "女", 1], ["物流中心工会", "男", 1]]
    assert cells == [str(cell) for row in api["rows"] for cell in row]
    assert api["chart"]["categories"] == ["第一机械厂工会", "物流中心工会"] and api["chart"]["integer"]
    assert api["chart"]["series"] == [{"name": "男", "data": [2, 1]}, {"name": "女", "data": [1, 0]}]
    response = admin_client.get("/reports/members_by_unit/export")
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "各单位会员人数" and sheet[2] == ["单位", "性别", "人数（人）"]
    assert [[int(cell) if isinstance(cell, float) else cell for cell in row] for row in sheet[3:]] == api["rows"]


def test_a_branch_clerk_gets_only_their_subtree_and_no_report_they_lack(app: Any, people: dict[str, int]) -> None:
    clerk = client_for(app, "clerk", "A01")
    assert clerk.get("/api/v1/reports/members_by_unit").get_json()["rows"] == [["第一机械厂工会", "男", 1]]
    page = clerk.get("/reports/members_by_unit/").get_data(as_text=True)
    assert "范围：机加工车间分工会及其下级单位" in page
    response = clerk.get("/api/v1/reports/dues_by_month")
    assert response.status_code == 403 and "没有查看报表" in response.get_json()["message"]
    assert clerk.get("/reports/dues_by_month/").status_code == 403
    assert clerk.get("/reports/nosuch/").status_code == 404
    index = clerk.get("/reports/").get_data(as_text=True)
    assert "各单位会员人数" in index and "会费应交与实交" not in index


def test_a_masked_field_refuses_the_report_everywhere(app: Any, people: dict[str, int]) -> None:
    chair = client_for(app, "chair", "HQ")  # may read every report; birth dates and wages are masked for it
    response = chair.get("/api/v1/reports/members_by_age")
    assert response.status_code == 403 and "出生日期" in response.get_json()["message"]
    assert "打码" in chair.get("/reports/members_by_age/").get_data(as_text=True)
    assert chair.get("/reports/members_by_unit/export").status_code == 403  # read only
    home = chair.get("/").get_data(as_text=True)
    assert "home-chart-members_by_unit" in home
    assert "home-chart-members_by_age" not in home and "home-chart-dues_by_month" not in home


def test_the_dashboard_follows_the_role(app: Any, people: dict[str, int]) -> None:
    clerk = client_for(app, "clerk", "A01").get("/").get_data(as_text=True)
    assert re.findall(r'data-chart="home-chart-(\w+)"', clerk) == ["members_by_unit", "members_by_status",
                                                                   "members_by_age"]
    assert "portal-card" in clerk and "vendor/echarts/echarts.min.js" in clerk
    finance = client_for(app, "finance", "HQ").get("/").get_data(as_text=True)
    charts = re.findall(r'data-chart="home-chart-(\w+)"', finance)
    assert charts == ["members_by_unit", "dues_by_month", "dues_arrears", "assistance_by_type"]
    assert "须教育谈话" in finance and "/dues/arrears/?month=" in finance
    admin = client_for(app, "admin", "HQ").get("/").get_data(as_text=True)
    assert len(re.findall(r'data-chart="home-chart-', admin)) == 6
    assert "天内到期的劳动合同" in admin


def test_the_units_follow_the_readers_language(app: Any, people: dict[str, int]) -> None:
    client = app.test_client()
    assert login(client).status_code == 302
    units = lambda: {column["name"]: column["unit"]  # noqa: E731
                     for column in client.get("/api/v1/reports/dues_by_month").get_json()["columns"]
                     if column["kind"] == "measure"}
    assert units() == {"due": "元", "paid": "元", "rows": "条"}
    assert "人数（人）" in client.get("/reports/members_by_unit/").get_data(as_text=True)
    with client.session_transaction() as session:
        session["locale"] = "en"
    assert units() == {"due": "yuan", "paid": "yuan", "rows": ""}
    page = client.get("/reports/members_by_unit/").get_data(as_text=True)
    assert ">Members<" in page and "人）" not in page and "(人)" not in page
