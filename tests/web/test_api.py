"""The generated REST API: create, validate in Chinese, update, search, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}


def test_create_member_links_by_natural_key_and_derives_fields(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json=MEMBER)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert result["org_unit"] == {"id": org_tree["A01-1"], "key": "A01-1", "title": "车工一组"}
    assert result["gender"] == "女"
    assert result["birth_date"] == "1949-12-31"
    assert result["age"] >= 76


def test_wrong_check_character_is_a_chinese_field_error(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "id_card": "360426199101010072"})
    assert response.status_code == 422
    assert response.get_json()["message"]["id_card"] == ["身份证号校验位错误，应为 1"]


def test_lower_case_x_and_full_width_digits_are_normalised(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "id_card": "１１０１０５１９４９１２３１００２x"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["result"]["id_card"] == "11010519491231002X"


def test_a_choice_alias_is_stored_as_its_option(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "education": "大专", "employment_status": "失业",
                                                           "political_status": "团员", "hukou_type": "农业户口"})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert [result[name] for name in ("education", "employment_status", "political_status", "hukou_type")] == [
        "大学专科", "失(无)业", "共青团员", "农业"]
    edited = admin_client.put(f"/api/v1/members/{response.get_json()['id']}", json={"education": "硕士"})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["result"]["education"] == "研究生"


def test_every_problem_is_reported_at_once(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={"id_card": "123", "phone": "12345", "org_unit": "ZZZ",
                                                          "status": "失踪"})
    assert response.status_code == 422
    errors = response.get_json()["message"]
    assert errors["name"] == ["姓名不能为空，请填写"]
    assert errors["id_card"] == ["身份证号应为 18 位（当前 3 位）"]
    assert "手机号应为以 1 开头的 11 位数字" in errors["phone"][0]
    assert "在籍" in errors["status"][0]


def test_unknown_link_and_duplicate_key_are_refused(admin_client: Any, org_tree: dict[str, int]) -> None:
    bad_link = admin_client.post("/api/v1/members/", json={**MEMBER, "org_unit": "NOPE"})
    assert bad_link.status_code == 422
    assert "找不到“NOPE”" in bad_link.get_json()["message"]["org_unit"][0]
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    again = admin_client.post("/api/v1/members/", json=MEMBER)
    assert again.status_code == 422
    assert again.get_json()["message"]["id_card"] == ["身份证号“11010519491231002X”已被其他记录使用，不能重复"]


@pytest.mark.parametrize("written", ["车工一组 (A01-1)", "车工一组（A01-1）", "车工一组(A01-1)"])
def test_a_link_written_as_title_and_key_is_found_as_the_import_finds_it(admin_client: Any, org_tree: dict[str, int],
                                                                         written: str) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "org_unit": written})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["result"]["org_unit"]["key"] == "A01-1"
    moved = admin_client.put(f"/api/v1/members/{response.get_json()['id']}", json={"org_unit": "物流中心工会 (B)"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["result"]["org_unit"]["key"] == "B"


def test_a_title_and_key_naming_no_record_is_refused(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "org_unit": "车工一组 (ZZ)"})
    assert response.status_code == 422
    assert "车工一组 (ZZ)" in response.get_json()["message"]["org_unit"][0]


CASE = {"case_no": "KN-2024-1", "member": MEMBER["id_card"], "org_unit": "A", "hardship_category": "相对困难",
        "household_size": 1, "household_annual_income": "12,000.06", "rigid_expenses": "0"}


def test_per_capita_income_is_computed_from_household_income_and_size(admin_client: Any,
                                                                      org_tree: dict[str, int]) -> None:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    created = admin_client.post("/api/v1/assistance_cases/", json=CASE)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"]["per_capita_monthly_income"] == "1000.01"  # 1000.005, half up
    pk = created.get_json()["id"]
    bigger = admin_client.put(f"/api/v1/assistance_cases/{pk}", json={"household_size": 2})
    assert bigger.get_json()["result"]["per_capita_monthly_income"] == "500.00"
    costs = admin_client.put(f"/api/v1/assistance_cases/{pk}", json={"rigid_expenses": "2,400.06"})
    assert costs.get_json()["result"]["per_capita_monthly_income"] == "400.00"


def test_per_capita_income_typed_by_hand_is_refused(admin_client: Any, org_tree: dict[str, int]) -> None:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    typed = admin_client.post("/api/v1/assistance_cases/", json={**CASE, "per_capita_monthly_income": "300"})
    assert typed.status_code == 422
    assert "由系统计算" in typed.get_json()["message"]["per_capita_monthly_income"][0]
    assert admin_client.get("/api/v1/assistance_cases/").get_json()["count"] == 0


def test_put_changes_only_given_fields_and_validates(admin_client: Any, org_tree: dict[str, int]) -> None:
    created = admin_client.post("/api/v1/members/", json={**MEMBER, "phone": "13800138000"}).get_json()
    pk = created["id"]
    bad = admin_client.put(f"/api/v1/members/{pk}", json={"phone": "138"})
    assert bad.status_code == 422
    ok = admin_client.put(f"/api/v1/members/{pk}", json={"name": "张三丰", "monthly_wage": "4,567.89"})
    assert ok.status_code == 200, ok.get_json()
    result = ok.get_json()["result"]
    assert result["name"] == "张三丰"
    assert result["phone"] == "13800138000"
    assert result["dues_amount"] == "22.80"


def test_tree_cannot_point_at_its_own_descendant(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.put(f"/api/v1/org_units/{org_tree['A']}", json={"parent": "A01"})
    assert response.status_code == 422
    assert "循环" in response.get_json()["message"]["parent"][0]


def test_list_filters_through_q(admin_client: Any, org_tree: dict[str, int]) -> None:
    admin_client.post("/api/v1/members/", json=MEMBER)
    admin_client.post("/api/v1/members/", json={**MEMBER, "name": "李四", "id_card": "440524188001010014"})
    query = "(filters:!((col:id_card,opr:eq,value:'440524188001010014')))"
    response = admin_client.get(f"/api/v1/members/?q={query}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1
    assert body["result"][0]["name"] == "李四"


def test_openapi_describes_every_register(admin_client: Any) -> None:
    spec = admin_client.get("/api/v1/_openapi").get_json()
    schemas = spec["components"]["schemas"]
    post = schemas["MembersApi.post"]["properties"]
    assert {"name", "id_card", "org_unit", "monthly_wage"} <= set(post)
    assert "gender" not in post or post["gender"].get("readOnly")
    for slug in ("org_units", "members", "activists", "dues", "labour_contracts", "collective_contracts",
                 "assistance_cases", "assistance_grants"):
        assert f"/api/v1/{slug}/" in spec["paths"], slug


def test_api_requires_login(app: Any) -> None:
    response = app.test_client().get("/api/v1/members/")
    assert response.status_code == 401
