"""The subtree filter 所属工会（含下级） / ``org_unit_subtree`` on the list screens and the REST API.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from portal.domain.idcard import make_id_card
from tests.conftest import login

PASSWORD = "Subtree-pass-2026"
MEMBERS = {"张伟": "A01", "赵磊": "A01-1", "王芳": "A", "李娜": "B"}
IDS = {name: make_id_card("110105", date(1985, 3, 14), 21 + index) for index, name in enumerate(MEMBERS)}
A_SUBTREE = {"张伟", "赵磊", "王芳"}
#: FAB numbers a field's filters: 关联 (0), 无关联 (1), 含下级 (2).
SUBTREE = "_flt_2_org_unit"
UNITS_SUBTREE = "_flt_2_parent"


@pytest.fixture()
def members(admin_client: Any, org_tree: dict[str, int]) -> None:
    for name, org in MEMBERS.items():
        response = admin_client.post("/api/v1/members/", json={"name": name, "id_card": IDS[name], "org_unit": org})
        assert response.status_code == 201, response.get_json()


def user_client(app: Any, role: str, org: str) -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def listed(client: Any, query: str, names: dict[str, str] = MEMBERS, path: str = "/members/list/") -> set[str]:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    html = response.get_data(as_text=True).split('class="table-responsive"', 1)[-1]
    return {name for name in names if name in html}


def api_names(client: Any, unit_id: int, slug: str = "members", col: str = "org_unit") -> Any:
    rison = quote(f"(filters:!((col:{col},opr:org_unit_subtree,value:{unit_id})),page_size:100)")
    return client.get(f"/api/v1/{slug}/?q={rison}")


def test_the_filter_panel_offers_the_subtree_filter(admin_client: Any, org_tree: dict[str, int]) -> None:
    html = admin_client.get("/members/list/").get_data(as_text=True)
    assert json.dumps("含下级") in html  # FAB hands the filter names to its script as JSON


def test_choosing_a_union_lists_the_rows_of_all_its_units(admin_client: Any, org_tree: dict[str, int],
                                                          members: None) -> None:
    assert listed(admin_client, f"{SUBTREE}={org_tree['A']}") == A_SUBTREE
    assert listed(admin_client, f"{SUBTREE}={org_tree['A01']}") == {"张伟", "赵磊"}
    assert listed(admin_client, f"_flt_0_org_unit={org_tree['A']}") == {"王芳"}  # the exact 关联 filter stays


def test_the_api_takes_org_unit_subtree(admin_client: Any, org_tree: dict[str, int], members: None) -> None:
    response = api_names(admin_client, org_tree["A"])
    assert response.status_code == 200, response.get_json()
    assert {row["name"] for row in response.get_json()["result"]} == A_SUBTREE
    info = admin_client.get("/api/v1/members/_info?q=(keys:!(filters))").get_json()
    assert "org_unit_subtree" in [item["operator"] for item in info["filters"]["org_unit"]]


def test_org_units_filter_their_own_subtree_by_parent(admin_client: Any, org_tree: dict[str, int]) -> None:
    units = {"第一机械厂工会": "A", "机加工车间分工会": "A01", "车工一组": "A01-1", "物流中心工会": "B"}
    assert listed(admin_client, f"{UNITS_SUBTREE}={org_tree['A']}", units, "/org_units/list/") == {
        "第一机械厂工会", "机加工车间分工会", "车工一组"}
    response = api_names(admin_client, org_tree["A01"], "org_units", "parent")
    assert sorted(row["code"] for row in response.get_json()["result"]) == ["A01", "A01-1"]


def test_a_unit_outside_the_scope_is_a_chinese_400(app: Any, org_tree: dict[str, int], members: None) -> None:
    clerk = user_client(app, "clerk", "A")
    assert listed(clerk, f"{SUBTREE}={org_tree['A01']}") == {"张伟", "赵磊"}
    for unit in ("B", "HQ"):
        page = clerk.get(f"/members/list/?{SUBTREE}={org_tree[unit]}")
        assert page.status_code == 400 and "不在您的管辖范围内" in page.get_data(as_text=True)
        assert "李娜" not in page.get_data(as_text=True)
        api = api_names(clerk, org_tree[unit])
        assert api.status_code == 400 and "不在您的管辖范围内" in api.get_json()["message"]


def test_the_quick_search_by_a_union_finds_the_rows_of_its_units(app: Any, admin_client: Any,
                                                                 org_tree: dict[str, int], members: None) -> None:
    assert listed(admin_client, f"q={quote('第一机械厂工会')}") == A_SUBTREE
    assert listed(admin_client, "q=A01") == {"张伟", "赵磊"}  # by the unit's code too
    clerk = user_client(app, "clerk", "A01")
    assert listed(clerk, f"q={quote('第一机械厂工会')}") == set()  # the union itself is outside the clerk's scope
    assert listed(clerk, f"q={quote('机加工车间')}") == {"张伟", "赵磊"}


def test_the_openapi_documents_org_unit_subtree(admin_client: Any) -> None:
    paths = admin_client.get("/api/v1/_openapi").get_json()["paths"]
    for slug, col in (("members", "org_unit"), ("dues", "org_unit"), ("org_units", "parent")):
        description = paths[f"/api/v1/{slug}/"]["get"]["description"]
        assert f"col:{col},opr:org_unit_subtree" in description, (slug, description)
