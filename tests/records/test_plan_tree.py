"""Org units are a tree: new units may name each other as parents in any order, but a parent chain an import
would write must not loop (``portal.records.plan_tree``), on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.io.test_xlsx_import import ORG_HEADER, by_key, errors, import_file, messages, undo, write_xlsx

def test_new_units_may_name_new_parents_in_any_order(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orgs.xlsx", [
        ORG_HEADER,
        ["C1-1", "三车间一组", "工会小组", "C1"],
        ["C1", "三车间分工会", "分工会", "C"],
        ["C", "第三工厂工会", "基层工会", "HQ"],
        ["D", "第四工厂工会", "基层工会", "集团公司工会"],
        ["C2", "三车间二分会", "分工会", "C"],
    ])
    report = import_file(app, "org_units", path)
    assert report.errors == [] and report.committed and report.created == 5
    units = by_key(app, "org_units", "code")
    assert units["C"]["parent_id"] == org_tree["HQ"]
    assert units["D"]["parent_id"] == org_tree["HQ"]
    assert units["C1"]["parent_id"] == units["C"]["id"]
    assert units["C2"]["parent_id"] == units["C"]["id"]
    assert units["C1-1"]["parent_id"] == units["C1"]["id"]
    assert undo(app, report.batch_id, "org_units") == {"deleted": 5, "restored": 0}
    assert set(by_key(app, "org_units", "code")) == set(org_tree)


def test_a_loop_among_new_units_is_an_error(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orgs.xlsx", [
        ORG_HEADER,
        ["P", "甲厂工会", "基层工会", "Q"],
        ["Q", "乙厂工会", "基层工会", "P"],
        ["R", "丙厂工会", "基层工会", "HQ"],
    ])
    report = import_file(app, "org_units", path)
    assert errors(report) == [(2, "上级组织"), (3, "上级组织")]
    assert all("循环" in error.message for error in report.errors)
    assert not report.committed
    assert set(by_key(app, "org_units", "code")) == set(org_tree)


def test_a_unit_below_a_loop_is_told_which_parent_to_fix(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orgs.xlsx", [
        ORG_HEADER,
        ["P", "甲厂工会", "基层工会", "Q"],
        ["Q", "乙厂工会", "基层工会", "P"],
        ["S", "甲厂分工会", "分工会", "P"],
    ])
    report = import_file(app, "org_units", path)
    assert [row for row, _ in errors(report)] == [2, 3, 4]
    # S itself is not part of the loop: its message points at the row of its parent P.
    assert messages(report, 4) == ["上级组织“P”所在的行有错误，请先改正那一行"]


def test_moving_an_existing_unit_below_itself_is_an_error(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orgs.xlsx", [ORG_HEADER, ["A", "第一机械厂工会", "基层工会", "A01-1"]])
    report = import_file(app, "org_units", path, mode="upsert")
    assert errors(report) == [(2, "上级组织")] and "循环" in report.errors[0].message
    assert by_key(app, "org_units", "code")["A"]["parent_id"] == org_tree["HQ"]
