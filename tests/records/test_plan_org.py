"""Link consistency in the import: the same rule as the screens and the API, checked for the whole file.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.io.test_xlsx_import import (ID_MAN, ID_WOMAN, by_key, errors, import_file, members_file, messages,
                                       write_xlsx)

DUES_HEADER = ["缴费单号", "身份证号", "所属工会", "缴费月份"]


def _members(app: Any, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """张三 in A01-1, 李四 in B."""
    report = import_file(app, "members", members_file(tmp_path / "members.xlsx", ["张三", ID_MAN, "A01-1"],
                                                      ["李四", ID_WOMAN, "B"]))
    assert report.created == 2, report.errors
    return by_key(app, "members")


def test_a_dues_row_under_another_union_is_an_error_on_its_row_and_column(app: Any, org_tree: dict[str, int],
                                                                         tmp_path: Path) -> None:
    _members(app, tmp_path)
    dues = write_xlsx(tmp_path / "dues.xlsx", [
        DUES_HEADER,
        ["D-1", ID_MAN, "A01-1", "2024-01"],
        ["D-2", ID_MAN, "B", "2024-01"],
    ])
    report = import_file(app, "dues", dues)
    assert errors(report) == [(3, "所属工会")]
    assert messages(report, 3) == ["所属工会“物流中心工会 (B)”与会员所属的“车工一组 (A01-1)”不一致；"
                                   "请改为“车工一组 (A01-1)”，或留空由系统按会员自动填写"]
    assert not report.committed and by_key(app, "dues", "record_no") == {}


def test_a_blank_union_cell_or_no_union_column_takes_the_members(app: Any, org_tree: dict[str, int],
                                                                 tmp_path: Path) -> None:
    people = _members(app, tmp_path)
    blank_cell = write_xlsx(tmp_path / "dues.xlsx", [
        DUES_HEADER,
        ["D-1", ID_MAN, None, "2024-01"],
        ["D-2", ID_WOMAN, "", "2024-01"],
    ])
    report = import_file(app, "dues", blank_cell)
    assert report.errors == [] and report.created == 2 and report.committed
    no_column = write_xlsx(tmp_path / "dues2.xlsx", [["缴费单号", "身份证号", "缴费月份"], ["D-3", ID_MAN, "2024-02"]])
    report = import_file(app, "dues", no_column)
    assert report.problems == [] and report.errors == [] and report.created == 1
    stored = by_key(app, "dues", "record_no")
    assert stored["D-1"]["org_unit_id"] == stored["D-3"]["org_unit_id"] == org_tree["A01-1"]
    assert stored["D-2"]["org_unit_id"] == org_tree["B"]
    assert stored["D-2"]["member_id"] == people[ID_WOMAN]["id"]


def test_an_update_is_checked_against_the_stored_member(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    _members(app, tmp_path)
    first = write_xlsx(tmp_path / "dues.xlsx", [DUES_HEADER, ["D-1", ID_MAN, None, "2024-01"]])
    assert import_file(app, "dues", first).created == 1
    moved = write_xlsx(tmp_path / "moved.xlsx", [DUES_HEADER, ["D-1", None, "B", "2024-01"]])  # blank = keep
    report = import_file(app, "dues", moved, mode="upsert")
    assert errors(report) == [(2, "所属工会")]
    new_member = write_xlsx(tmp_path / "member.xlsx", [DUES_HEADER, ["D-1", ID_WOMAN, None, "2024-01"]])
    report = import_file(app, "dues", new_member, mode="upsert")
    assert report.errors == [] and report.updated == 1
    assert by_key(app, "dues", "record_no")["D-1"]["org_unit_id"] == org_tree["B"]


def test_a_member_outside_the_records_union_is_an_error_on_the_member_column(app: Any, org_tree: dict[str, int],
                                                                            tmp_path: Path) -> None:
    _members(app, tmp_path)
    contracts = write_xlsx(tmp_path / "contracts.xlsx", [
        ["合同编号", "会员", "所属工会", "用人单位", "合同类型", "合同开始日期"],
        ["LD-1", ID_MAN, "A", "第一机械厂", "固定期限", "2024-01-01"],
        ["LD-2", ID_WOMAN, "A", "第一机械厂", "固定期限", "2024-01-01"],
    ])
    report = import_file(app, "labour_contracts", contracts)
    assert errors(report) == [(3, "会员")]
    assert messages(report, 3) == ["会员属于“物流中心工会 (B)”，不在本记录的所属工会“第一机械厂工会 (A)”及其下级组织内；"
                                   "请选择“第一机械厂工会 (A)”范围内的会员，或修改所属工会"]
