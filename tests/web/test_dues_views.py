"""The dues screens: the finance role's “按月生成会费” button, the arrears list “欠缴会费” and its export.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import login
from tests.io.test_xlsx_import import PASSWORD, ident, new_user, read_back, rows_of
from tests.records.test_dues_month import members  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("members")


def client_of(app: Any, role: str, org: str) -> Any:
    name = new_user(app, role, org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_finance_role_generates_a_month_from_the_list(app: Any) -> None:
    finance = client_of(app, "finance", "A")
    listing = finance.get("/dues/list/").get_data(as_text=True)
    assert 'id="portal-dues-generate"' in listing and 'action="/dues/generate/"' in listing
    page = finance.post("/dues/generate/", data={"month": "2026-11"})
    assert page.status_code == 200
    shown = text(page)
    assert "新增会费记录 3 条" in shown and "其中免交（保留会籍） 1 条" in shown
    assert "未填月工资收入，未生成 1 人" in shown and "周五（第一机械厂工会）" in shown
    batch = re.search(r'href="(/dues/import/#batch-(\d+))"', page.get_data(as_text=True))
    assert batch is not None
    imports = finance.get("/dues/import/").get_data(as_text=True)
    assert f'id="batch-{batch.group(2)}"' in imports and "按月生成会费 2026-11" in imports
    assert len(rows_of(app, "dues")) == 3
    again = finance.post("/dues/generate/", data={"month": "2026-11"})
    assert "已有本月记录，未改动 3 人" in text(again) and "没有需要新增的记录" in text(again)
    assert len(rows_of(app, "dues")) == 3
    undone = finance.post(f"/dues/import/batch/{batch.group(2)}/undo", follow_redirects=True)
    assert f"已撤销批次 #{batch.group(2)}：删除新增的 3 条" in text(undone)
    assert rows_of(app, "dues") == []


def test_a_bad_month_is_named_and_a_get_is_refused(app: Any) -> None:
    finance = client_of(app, "finance", "A")
    bad = finance.post("/dues/generate/", data={"month": "2026-13"})
    assert bad.status_code == 400 and "缴费月份不是有效年月：“2026-13”" in text(bad)
    assert finance.get("/dues/generate/").status_code == 405
    assert rows_of(app, "dues") == []


def test_a_role_without_the_page_gets_no_button_and_a_403(app: Any) -> None:
    viewer = client_of(app, "viewer", "HQ")
    assert 'id="portal-dues-generate"' not in viewer.get("/dues/list/").get_data(as_text=True)
    assert viewer.post("/dues/generate/", data={"month": "2026-11"}).status_code == 403
    assert rows_of(app, "dues") == []


def test_the_arrears_list_is_scoped_masked_and_exported(app: Any, admin_client: Any, tmp_path: Path) -> None:
    for month in ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        assert admin_client.post("/dues/generate/", data={"month": month}).status_code == 200
    finance = client_of(app, "finance", "A")
    page = finance.get("/dues/arrears/?month=2026-10")
    shown = text(page)
    assert page.status_code == 200
    assert "连续未交 1 个月及以上的会员 2 人，其中连续 6 个月及以上（须教育谈话）2 人" in shown
    assert "赵一" in shown and "孙三" not in shown  # 孙三 is in B
    assert "连续 6 个月未交会费（章程第六条）" in shown and "136.80" in shown  # 6 × 22.80 (4567.89 → 4560 → 22.80)
    viewer = client_of(app, "viewer", "HQ")
    masked = text(viewer.get("/dues/arrears/?month=2026-10&min_months=6"))
    assert "孙三" in masked and ident("19900101", 11) not in masked  # ID numbers and amounts masked
    assert "136.80" not in masked
    export = finance.get("/dues/arrears/export?month=2026-10")
    assert export.status_code == 200
    (tmp_path / "arrears.xlsx").write_bytes(export.data)
    values = read_back(tmp_path / "arrears.xlsx")
    assert values[1][:4] == ["姓名", "身份证号", "所属工会", "连续未交月数"]
    names = {row[0]: row for row in values[2:]}
    assert set(names) == {"赵一", "钱二"}
    assert names["赵一"][3] == 6 and names["赵一"][6] == pytest.approx(136.80)
    bad = finance.get("/dues/arrears/?month=13月&min_months=0")
    assert bad.status_code == 400 and "计算到月份不是有效年月" in text(bad)
