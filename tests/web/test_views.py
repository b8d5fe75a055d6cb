"""The generated screens: add/edit forms with Chinese field errors, list, quick search, escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import move_member

FORM = {"name": "王小明", "id_card": "360426199101010072", "org_unit": "", "status": "在籍"}


def _field_error(html: str, field: str) -> str:
    """The error text rendered under one form field."""
    block = html.split(f'id="{field}"', 1)[1].split("</tr>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()


def test_add_form_shows_the_chinese_error_on_the_field(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/members/add", data={**FORM, "org_unit": str(org_tree["A01-1"])})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "身份证号校验位错误，应为 1" in _field_error(html, "id_card")
    assert admin_client.get("/api/v1/members/").get_json()["count"] == 0


def test_fixed_form_saves_and_the_list_finds_it_by_id(admin_client: Any, org_tree: dict[str, int]) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": str(org_tree["A01-1"]), "monthly_wage": "5,000"}
    response = admin_client.post("/members/add", data=data)
    assert response.status_code == 302
    listing = admin_client.get("/members/list/?q=360426199101010071").get_data(as_text=True)
    assert "王小明" in listing
    assert "车工一组" in listing  # the link shows the linked record's title
    other = admin_client.get("/members/list/?q=999999199101010071").get_data(as_text=True)
    assert "王小明" not in other


def test_add_form_refuses_an_unknown_choice_with_the_fields_message(admin_client: Any,
                                                                     org_tree: dict[str, int]) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": str(org_tree["A01-1"]), "education": "不存在的学历"}
    response = admin_client.post("/members/add", data=data)
    assert response.status_code == 200
    assert "学历“不存在的学历”不在选项中，请从以下选项中选择：研究生、大学本科" in _field_error(
        response.get_data(as_text=True), "education")
    assert admin_client.get("/api/v1/members/").get_json()["count"] == 0


def test_add_form_stores_a_choice_alias_as_its_option(admin_client: Any, org_tree: dict[str, int]) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": str(org_tree["A01-1"]), "education": "本科",
            "employment_status": "下岗", "political_status": " 党员 "}
    assert admin_client.post("/members/add", data=data).status_code == 302
    (member,) = admin_client.get("/api/v1/members/").get_json()["result"]
    assert (member["education"], member["employment_status"], member["political_status"]) == (
        "大学本科", "下(待)岗", "中共党员")


def test_form_finds_a_link_written_as_title_and_key(admin_client: Any, org_tree: dict[str, int]) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": "车工一组（A01-1）"}
    assert admin_client.post("/members/add", data=data).status_code == 302
    member = admin_client.get("/api/v1/members/").get_json()["result"][0]
    assert member["org_unit"]["key"] == "A01-1"


def test_form_computes_per_capita_income_and_offers_no_box_for_it(admin_client: Any,
                                                                  org_tree: dict[str, int]) -> None:
    member = {"name": "王小明", "id_card": "360426199101010071", "org_unit": "A01-1"}
    member_id = admin_client.post("/api/v1/members/", json=member).get_json()["id"]
    assert 'name="per_capita_monthly_income"' not in admin_client.get("/assistance_cases/add").get_data(as_text=True)
    case = {"case_no": "KN-1", "member": str(member_id), "org_unit": str(org_tree["A"]),
            "hardship_category": "深度困难", "status": "申请中", "household_size": "3",
            "household_annual_income": "36000", "rigid_expenses": "6000", "per_capita_monthly_income": "1"}
    assert admin_client.post("/assistance_cases/add", data=case).status_code == 302
    saved = admin_client.get("/api/v1/assistance_cases/").get_json()["result"][0]
    assert saved["per_capita_monthly_income"] == "833.33"


@pytest.mark.parametrize("typed", ["20200105", "2020-01-05", "2020/1/5", "2020.1.5", "2020年1月5日", " 2020-1-5 "])
def test_form_reads_a_date_in_every_format_the_import_reads(admin_client: Any, org_tree: dict[str, int],
                                                            typed: str) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": str(org_tree["A01-1"]), "joined_on": typed}
    assert admin_client.post("/members/add", data=data).status_code == 302
    assert admin_client.get("/api/v1/members/").get_json()["result"][0]["joined_on"] == "2020-01-05"


@pytest.mark.parametrize("typed", ["abc", "2020-13-45", "2020-02-30", "202015"])
def test_form_refuses_a_date_with_the_apis_message(admin_client: Any, org_tree: dict[str, int], typed: str) -> None:
    data = {**FORM, "id_card": "360426199101010071", "org_unit": str(org_tree["A01-1"]), "joined_on": typed}
    response = admin_client.post("/members/add", data=data)
    assert response.status_code == 200
    api = admin_client.post("/api/v1/members/", json={**data, "org_unit": "A01-1"})
    assert api.status_code == 422
    message = api.get_json()["message"]["joined_on"][0]
    assert message.startswith("入会时间不是有效日期")
    html = response.get_data(as_text=True)
    assert message in _field_error(html, "joined_on")
    assert re.search(r'<input[^>]*id="joined_on"[^>]*value="' + re.escape(typed) + '"', html), "typed text is kept"
    assert admin_client.get("/api/v1/members/").get_json()["count"] == 0


def test_quick_search_matches_the_link_title(admin_client: Any, org_tree: dict[str, int]) -> None:
    admin_client.post("/api/v1/members/", json={"name": "赵六", "id_card": "440524188001010014", "org_unit": "A01-1"})
    assert "赵六" in admin_client.get("/members/list/?q=车工一组").get_data(as_text=True)
    assert "赵六" not in admin_client.get("/members/list/?q=物流中心").get_data(as_text=True)


def test_required_and_bad_values_are_reported_together(admin_client: Any, org_tree: dict[str, int]) -> None:
    html = admin_client.post("/members/add", data={"name": "", "id_card": "", "phone": "12",
                                                   "joined_on": "2020-02-30"}).get_data(as_text=True)
    assert "姓名不能为空，请填写" in html
    assert "身份证号不能为空，请填写" in html
    assert "当前为“12”" in html
    assert "入会时间不是有效日期：“2020-02-30”" in _field_error(html, "joined_on")


def test_user_text_is_escaped(admin_client: Any, org_tree: dict[str, int]) -> None:
    name = "<script>alert(1)</script>"
    created = admin_client.post("/api/v1/members/", json={"name": name, "id_card": "11010519491231002X",
                                                          "org_unit": "A01-1"})
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    for url in ("/members/list/", f"/members/show/{pk}", f"/members/edit/{pk}"):
        html = admin_client.get(url).get_data(as_text=True)
        assert name not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_link_lookup_searches_as_you_type(admin_client: Any, org_tree: dict[str, int]) -> None:
    results = admin_client.get("/lookup/org_units?q=车工").get_json()["results"]
    assert [row["id"] for row in results] == [org_tree["A01-1"]]
    assert admin_client.get("/lookup/no_such_register?q=x").status_code == 404


def test_pages_are_chinese_and_english_on_request(admin_client: Any) -> None:
    html = admin_client.get("/members/list/").get_data(as_text=True)
    assert "会员列表" in html and "身份证号" in html and "搜索" in html
    admin_client.post("/lang/en")
    english = admin_client.get("/members/list/").get_data(as_text=True)
    assert "ID number" in english and "身份证号" not in english
    admin_client.post("/lang/zh")


def test_missing_record_gets_a_chinese_404(admin_client: Any) -> None:
    response = admin_client.get("/members/show/999999")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "找不到页面" in html and "Traceback" not in html


def test_list_shows_blanks_as_empty_and_choices_by_label(admin_client: Any, org_tree: dict[str, int]) -> None:
    created = admin_client.post("/api/v1/members/", json={"name": "周九", "id_card": "11010519491231002X",
                                                          "org_unit": "A01-1"})
    move_member(admin_client, created.get_json()["id"], "保留会籍")
    html = admin_client.get("/members/list/").get_data(as_text=True)
    assert "周九" in html and ">None<" not in html.replace(" ", "").replace("\n", "")
    admin_client.post("/lang/en")
    assert "On hold" in admin_client.get("/members/list/").get_data(as_text=True) or "On Hold" in \
        admin_client.get("/members/list/").get_data(as_text=True)
    admin_client.post("/lang/zh")


# -- filters and sort orders a reader may not use --------------------------------------------------

DUES = {"record_no": "HY001-202401", "member": "11010519491231002X", "org_unit": "A01-1", "month": "2024-01",
        "wage": "10245.67", "amount_paid": "51.20"}


@pytest.fixture()
def viewer(app: Any, admin_client: Any, org_tree: dict[str, int]) -> Any:
    import uuid

    from portal.security.accounts import create_user
    from tests.conftest import login

    member = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍",
              "joined_on": "2015-03-01", "monthly_wage": "10245.67"}
    assert admin_client.post("/api/v1/members/", json=member).status_code == 201
    assert admin_client.post("/api/v1/dues/", json=DUES).status_code == 201
    name = f"viewer_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, "Views-pass-2026", "viewer", org_code="A")
    client = app.test_client()
    assert login(client, name, "Views-pass-2026").status_code == 302
    return client


def _view_name(app: Any, slug: str) -> str:
    return app.extensions["portal"].views[slug].__name__


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_value_that_gives_the_wage_away_is_masked_and_not_sortable(app: Any, viewer: Any) -> None:
    page = viewer.get("/dues/list/").get_data(as_text=True)
    assert "51.20" not in page and "10,240.00" not in page and "****" in page
    view = _view_name(app, "dues")
    assert f"_oc_{view}=amount_paid" not in page  # no sort link on the masked column
    refused = viewer.get(f"/dues/list/?_oc_{view}=amount_paid&_od_{view}=asc")
    assert refused.status_code == 400
    assert "您看到的“实交会费”是打码的，不能按它排序" in _text(refused.get_data(as_text=True))
    assert viewer.get(f"/dues/list/?_oc_{view}=month&_od_{view}=asc").status_code == 200


@pytest.mark.parametrize(("args", "message"), [
    ("_flt_1_joined_on=notadate", "筛选条件“入会时间”的值无效"),
    ("_flt_0_notes=x", "不能按“备注”筛选"),
    ("_flt_9_joined_on=2016-01-01", "“入会时间”没有第 10 种筛选方式"),
])
def test_a_filter_the_list_cannot_run_is_a_400_page_not_the_whole_list(viewer: Any, args: str, message: str) -> None:
    response = viewer.get(f"/members/list/?{args}")
    assert response.status_code == 400
    page = _text(response.get_data(as_text=True))
    assert message in page and "张三" not in page


def test_amounts_are_right_aligned_in_lists(admin_client: Any, viewer: Any) -> None:
    page = admin_client.get("/dues/list/").get_data(as_text=True)
    assert re.search(r'<td class="portal-number"[^>]*>\s*51\.20\s*</td>', page), "实交会费没有右对齐"
    assert re.search(r'<th class="portal-number"><a [^>]*>实交会费', page)
    assert not re.search(r'<td class="portal-number"[^>]*>\s*2024-01', page)  # the month stays as it is
