"""The REST API's column selection, filters and sort order, as a reader who sees some fields masked.

(Every register × masked field × selection is tried in tests/security/test_masking_matrix.py.)
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import login

PASSWORD = "Columns-pass-2026"
MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍",
          "phone": "13812345678", "monthly_wage": "10245.67", "joined_on": "2015-03-01"}
LATER = {**MEMBER, "name": "李四", "id_card": "440524188001010014", "phone": "13912345678", "joined_on": "2020-06-01"}


def user_client(app: Any, role: str) -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code="A")
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


@pytest.fixture()
def members(admin_client: Any, org_tree: dict[str, int]) -> dict[str, int]:
    ids = {}
    for row in (MEMBER, LATER):
        response = admin_client.post("/api/v1/members/", json=row)
        assert response.status_code == 201, response.get_json()
        ids[row["name"]] = response.get_json()["id"]
    return ids


@pytest.fixture()
def viewer(app: Any, members: dict[str, int]) -> Any:
    return user_client(app, "viewer")


def test_a_column_selection_comes_back_masked(viewer: Any, members: dict[str, int]) -> None:
    wanted = "id_card,phone,monthly_wage,birth_date,dues_base"
    for query in (f"columns:!({wanted})", f"select_columns:!(id,{wanted})"):
        # 张三 by name (the name order is pinyin on PostgreSQL and code points on SQLite)
        response = viewer.get(f"/api/v1/members/?q=({query},filters:!((col:name,opr:eq,value:张三)))")
        assert response.status_code == 200, response.get_json()
        row = response.get_json()["result"][0]
        assert row == {**({"id": members["张三"]} if "select" in query else {}), "id_card": "110105********002X",
                       "phone": "138****5678", "monthly_wage": "****", "birth_date": "****-**-**",
                       "dues_base": "****"}
    shown = viewer.get(f"/api/v1/members/{members['张三']}?q=(columns:!(id_card,org_unit))").get_json()["result"]
    assert shown == {"id_card": "110105********002X", "org_unit": {"id": shown["org_unit"]["id"], "key": "A01-1",
                                                                   "title": "车工一组"}}


def test_keys_and_info_give_nothing_masked_away(viewer: Any, members: dict[str, int]) -> None:
    body = viewer.get("/api/v1/members/?q=(keys:!(list_columns,order_columns))").get_json()
    assert {row["phone"] for row in body["result"]} == {"138****5678", "139****5678"}
    assert "phone" not in body["order_columns"] and "name" in body["order_columns"]
    info = viewer.get("/api/v1/members/_info").get_json()
    assert not {"id_card", "phone"} & set(info["filters"]) and "joined_on" in info["filters"]
    assert "13812345678" not in str(info)


def test_columns_and_select_columns_together_are_a_chinese_400(viewer: Any, members: dict[str, int]) -> None:
    response = viewer.get("/api/v1/members/?q=(columns:!(name),select_columns:!(name))")
    assert response.status_code == 400
    assert response.get_json()["message"] == "columns 和 select_columns 只能用其中一个，请删掉另一个。"


def test_sorting_by_a_masked_field_is_refused(app: Any, viewer: Any, members: dict[str, int]) -> None:
    response = viewer.get("/api/v1/members/?q=(order_column:phone,order_direction:asc)")
    assert response.status_code == 400
    assert response.get_json()["message"] == "您看到的“手机号”是打码的，不能按它排序；请去掉这个排序条件。"
    clerk = user_client(app, "clerk")  # unmasks members.*
    assert clerk.get("/api/v1/members/?q=(order_column:phone,order_direction:asc)").status_code == 200


def test_a_filter_value_that_does_not_parse_is_a_chinese_400(viewer: Any, members: dict[str, int]) -> None:
    response = viewer.get("/api/v1/members/?q=(filters:!((col:joined_on,opr:gt,value:notadate)))")
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("筛选条件“入会时间”的值无效：")
    later = viewer.get("/api/v1/members/?q=(filters:!((col:joined_on,opr:gt,value:'2016年1月1日')))").get_json()
    assert [row["name"] for row in later["result"]] == ["李四"]


def test_an_unknown_operator_or_column_is_a_chinese_400(viewer: Any, members: dict[str, int]) -> None:
    unknown = viewer.get("/api/v1/members/?q=(filters:!((col:joined_on,opr:zz,value:'2016-01-01')))")
    assert unknown.status_code == 400 and unknown.get_json()["message"].startswith("“入会时间”不支持筛选运算“zz”")
    column = viewer.get("/api/v1/members/?q=(filters:!((col:notes,opr:eq,value:x)))")
    assert column.status_code == 400 and column.get_json()["message"].startswith("不能按“备注”筛选")
    masked = viewer.get("/api/v1/members/?q=(filters:!((col:phone,opr:eq,value:'13812345678')))")
    assert masked.status_code == 400 and "打码" in masked.get_json()["message"]
