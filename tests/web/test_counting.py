"""A list's record count (portal/web/counting.py): exact, or on PostgreSQL the planner's estimate of a very long
list, said on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.extensions import db
from tests.records.test_org_checks import LI, ZHANG


def _dialect(app: Any) -> str:
    with app.app_context():
        return str(db.engine.dialect.name)


def test_a_short_list_is_counted_exactly(admin_client: Any, org_tree: dict[str, int]) -> None:
    for member in (ZHANG, LI):
        assert admin_client.post("/api/v1/members/", json=member).status_code == 201
    page = admin_client.get("/members/list/").get_data(as_text=True)
    assert "portal-count-estimate" not in page
    assert "记录数" in page


def test_a_long_list_shows_the_estimate_and_says_so(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for member in (ZHANG, LI):
        assert admin_client.post("/api/v1/members/", json=member).status_code == 201
    monkeypatch.setattr("portal.web.counting.ESTIMATE_FROM", 1)  # every list is "long"
    page = admin_client.get("/members/list/").get_data(as_text=True)
    if _dialect(app) == "postgresql":
        assert "portal-count-estimate" in page and "数据库的估计数" in page
        assert re.search(r"记录数:</strong>\s*约 [\d,]+", page)  # the count itself says it is an estimate
    else:  # SQLite counts quickly at the sizes it serves: always exact
        assert "portal-count-estimate" not in page
    search = admin_client.get(f"/members/list/?q={ZHANG['id_card']}").get_data(as_text=True)
    assert "张三" in search and "李四" not in search  # the estimate never changes which rows are listed


def test_the_planner_estimate_is_asked_only_of_postgresql(app: Any) -> None:
    import sqlalchemy as sa

    from portal.web.counting import planner_estimate

    with app.app_context():
        members = app.extensions["portal"].models["members"]
        estimate = planner_estimate(db.session, sa.select(members.id))
        if _dialect(app) == "postgresql":
            assert isinstance(estimate, int) and estimate >= 0
        else:
            assert estimate is None


def test_a_page_far_down_the_list_holds_the_same_rows_as_with_offset(admin_client: Any, org_tree: dict[str, int],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages past ``DEFERRED_FROM`` rows read their ids first; the rows and their order are those of OFFSET."""
    from datetime import date

    from portal.domain.idcard import make_id_card

    for index in range(7):
        member = {"name": f"会员{index}", "org_unit": "A01-1", "id_card": make_id_card("110105", date(1980, 1, 1), index)}
        assert admin_client.post("/api/v1/members/", json=member).status_code == 201

    def page(number: int) -> list[str]:
        html = admin_client.get(f"/members/list/?psize_MembersView=2&page_MembersView={number}").get_data(as_text=True)
        return re.findall(r"/members/show/(\d+)", html)

    plain = [page(number) for number in range(4)]
    monkeypatch.setattr("portal.web.bounds.DEFERRED_FROM", 2)  # every page after the first reads its ids first
    assert [page(number) for number in range(4)] == plain
    assert [len(set(rows)) for rows in plain] == [2, 2, 2, 1]
