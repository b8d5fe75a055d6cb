"""Filters that fit the field: choices by label (no "开头是"), dates as 从/到 ranges, booleans as 是/否,
links by search box; the same operators on the list screens, the REST API and the export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest

from portal.domain.idcard import make_id_card
from portal.registry.loader import load_registry
from portal.security.access import Access
from portal.security.roles import read_roles
from portal.web.field_filters import filter_panel, panel_kind
from tests.conftest import move_member

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")
ROLES = read_roles(ROOT / "permissions" / "roles.yaml", REGISTRY)
MEMBERS_SPEC = REGISTRY.get("members")

#: name -> (org unit, joined on, status, migrant worker)
ROLL = {
    "张伟": ("A01", "2015-12-31", "在籍", True),
    "赵磊": ("A01-1", "2016-01-01", "在籍", False),
    "王芳": ("A", "2018-12-31", "转出中", False),
    "李娜": ("B", "2019-01-01", "在籍", True),
}


@pytest.fixture()
def roll(admin_client: Any, org_tree: dict[str, int]) -> None:
    for index, (name, (org, joined, status, migrant)) in enumerate(ROLL.items()):
        row = {"name": name, "id_card": make_id_card("110105", date(1985, 3, 14), 31 + index), "org_unit": org,
               "joined_on": joined, "is_migrant_worker": migrant}
        response = admin_client.post("/api/v1/members/", json=row)
        assert response.status_code == 201, response.get_json()
        if status != "在籍":
            move_member(admin_client, response.get_json()["id"], status)


def panel(client: Any, query: str = "") -> dict[str, Any]:
    html = client.get(f"/members/list/?{query}").get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="portal-filter-data"[^>]*>(.*?)</script>', html, re.S)
    assert match, "列表页没有筛选栏的数据"
    return json.loads(match.group(1))


def operator(data: dict[str, Any], name: str, arg: str) -> int:
    column = next(column for column in data["columns"] if column["name"] == name)
    return next(index for index, _, op in column["operators"] if op == arg)


def listed(client: Any, query: str) -> set[str]:
    response = client.get(f"/members/list/?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    html = response.get_data(as_text=True).split('class="table-responsive"', 1)[-1]
    return {name for name in ROLL if name in html}


def api(client: Any, *filters: str) -> Any:
    return client.get("/api/v1/members/?q=" + quote(f"(filters:!({','.join(filters)}),page_size:100)"))


def test_a_choice_is_a_drop_down_of_its_labels_without_text_patterns(admin_client: Any) -> None:
    data = panel(admin_client)
    status = next(column for column in data["columns"] if column["name"] == "status")
    assert status["kind"] == "choice"
    assert ["在籍", "在籍"] in status["choices"]
    assert {op for _, _, op in status["operators"]} == {"eq", "neq", "in", "not_in"}  # no 开头是, 包含 …
    assert [name for _, name, op in status["operators"] if op in status["panel"]] == ["等于", "不等于"]
    kinds = {column["name"]: column["kind"] for column in data["columns"]}
    assert kinds["joined_on"] == "range" and kinds["is_migrant_worker"] == "boolean" and kinds["org_unit"] == "link"
    link = next(column for column in data["columns"] if column["name"] == "org_unit")
    assert link["lookup"] == "/lookup/org_units"


def test_the_api_refuses_starts_with_on_a_choice(admin_client: Any, roll: None) -> None:
    refused = api(admin_client, "(col:status,opr:sw,value:在)")
    assert refused.status_code == 400
    assert "不支持筛选运算" in refused.get_json()["message"]
    exact = api(admin_client, "(col:status,opr:eq,value:转出中)")
    assert {row["name"] for row in exact.get_json()["result"]} == {"王芳"}


def test_a_date_range_includes_both_ends_on_the_list_the_api_and_the_export(admin_client: Any, roll: None) -> None:
    data = panel(admin_client)
    since, until = operator(data, "joined_on", "ge"), operator(data, "joined_on", "le")
    query = f"_flt_{since}_joined_on=2016-01-01&_flt_{until}_joined_on=2018年12月31日"
    assert listed(admin_client, query) == {"赵磊", "王芳"}
    assert listed(admin_client, f"_flt_{since}_joined_on=2016-01-01") == {"赵磊", "王芳", "李娜"}
    response = api(admin_client, "(col:joined_on,opr:ge,value:'2016-01-01')", "(col:joined_on,opr:le,value:'2018-12-31')")
    assert response.status_code == 200, response.get_json()
    assert {row["name"] for row in response.get_json()["result"]} == {"赵磊", "王芳"}
    exported = admin_client.get(f"/members/export/?fmt=csv&{query}")
    assert exported.status_code == 200, exported.get_data(as_text=True)[:400]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:]} == {"赵磊", "王芳"}
    bad = admin_client.get(f"/members/list/?_flt_{since}_joined_on=notadate")
    assert bad.status_code == 400 and "入会时间" in bad.get_data(as_text=True)


def test_the_panel_shows_the_applied_range_and_link_with_its_title(admin_client: Any, org_tree: dict[str, int],
                                                                     roll: None) -> None:
    data = panel(admin_client)
    since, subtree = operator(data, "joined_on", "ge"), operator(data, "org_unit", "org_unit_subtree")
    applied = panel(admin_client, f"_flt_{since}_joined_on=2016-01-01&_flt_{subtree}_org_unit={org_tree['A']}")
    by_name = {entry["name"]: entry for entry in applied["active"]}
    assert by_name["joined_on"]["arg"] == "ge" and by_name["joined_on"]["value"] == "2016-01-01"
    assert by_name["org_unit"]["text"] == "第一机械厂工会 (A)"
    assert listed(admin_client, f"_flt_{since}_joined_on=2016-01-01&_flt_{subtree}_org_unit={org_tree['A']}") == \
        {"赵磊", "王芳"}


def test_a_boolean_is_yes_or_no(admin_client: Any, roll: None) -> None:
    assert listed(admin_client, "_flt_0_is_migrant_worker=是") == {"张伟", "李娜"}
    assert listed(admin_client, "_flt_0_is_migrant_worker=否") == {"赵磊", "王芳"}
    response = api(admin_client, "(col:is_migrant_worker,opr:eq,value:否)")
    assert {row["name"] for row in response.get_json()["result"]} == {"赵磊", "王芳"}


def test_a_choice_label_filters_the_list(admin_client: Any, roll: None) -> None:
    assert listed(admin_client, "_flt_0_status=转出中") == {"王芳"}
    assert listed(admin_client, "_flt_1_status=转出中") == {"张伟", "赵磊", "李娜"}


def test_the_panel_leaves_out_a_field_the_user_sees_masked() -> None:
    viewer = Access(username="v", roles=(ROLES["viewer"],), org_ids=frozenset({1}))
    assert viewer.hidden(MEMBERS_SPEC, MEMBERS_SPEC.field("phone"))
    filters = SimpleNamespace(get_search_filters=lambda: {"phone": [], "status": []}, filters=[], values=[])
    data = filter_panel(MEMBERS_SPEC, ["phone", "status"], {}, filters, None, viewer, "zh")
    assert [column["name"] for column in data["columns"]] == ["status"]


@pytest.mark.parametrize(("field", "kind"), [("status", "choice"), ("joined_on", "range"), ("monthly_wage", "range"),
                                             ("is_migrant_worker", "boolean"), ("org_unit", "link"), ("name", "text")])
def test_panel_kinds(field: str, kind: str) -> None:
    assert panel_kind(MEMBERS_SPEC.field(field)) == kind
