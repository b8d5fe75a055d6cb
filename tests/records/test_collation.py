"""Names in pinyin order on PostgreSQL (ICU ``zh-x-icu``); code-point order on SQLite."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from portal.domain.idcard import make_id_card

NAMES = ["张伟", "赵磊", "王芳", "李娜", "阿明"]
PINYIN = ["阿明", "李娜", "王芳", "张伟", "赵磊"]  # a, li, wang, zhang, zhao


@pytest.fixture()
def named(admin_client: Any, org_tree: dict[str, int]) -> None:
    for index, name in enumerate(NAMES):
        row = {"name": name, "id_card": make_id_card("110105", date(1986, 5, 1), 41 + index), "org_unit": "A"}
        assert admin_client.post("/api/v1/members/", json=row).status_code == 201


def expected(app: Any) -> list[str]:
    from portal.extensions import db
    from portal.records.collation import has_pinyin_collation

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert has_pinyin_collation(db.session), "PostgreSQL 没有 ICU 排序规则 zh-x-icu"
            return PINYIN
    return sorted(NAMES)  # SQLite: code points (张 U+5F20 before 李 U+674E)


def test_the_api_sorts_names_by_pinyin_where_the_database_can(app: Any, admin_client: Any, named: None) -> None:
    response = admin_client.get("/api/v1/members/?q=" + quote("(order_column:name,order_direction:asc,page_size:100)"))
    assert response.status_code == 200, response.get_json()
    assert [row["name"] for row in response.get_json()["result"]] == expected(app)
    backwards = admin_client.get("/api/v1/members/?q=" + quote("(order_column:name,order_direction:desc)"))
    assert [row["name"] for row in backwards.get_json()["result"]] == expected(app)[::-1]


def test_the_list_page_shows_names_in_the_same_order(app: Any, admin_client: Any, named: None) -> None:
    page = admin_client.get("/members/list/").get_data(as_text=True)  # members are ordered by name
    table = page.split('class="table-responsive"', 1)[-1]
    assert sorted(NAMES, key=table.index) == expected(app)
