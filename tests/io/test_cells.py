"""Cells the parsers cannot hold (1e400, 40-digit money) are cell errors naming row and column, not a failed import."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

_spec = importlib.util.spec_from_file_location("import_command_tests", Path(__file__).with_name("test_commands.py"))
assert _spec is not None and _spec.loader is not None
commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(commands)

HEADER = ["姓名", "身份证号", "所属工会", "月工资收入"]


@pytest.mark.parametrize(("cell", "message"), [
    ("1e400", "月工资收入不能大于 999999999999.99（当前为 1e400）"),
    ("9" * 40, f"月工资收入不能大于 999999999999.99（当前为 {'9' * 40}）"),
    ("-1E+30", "月工资收入不能小于 -999999999999.99（当前为 -1E+30）"),
])
def test_out_of_range_money_is_one_cell_error(app: Any, org_tree: dict[str, int], tmp_path: Path, cell: str,
                                              message: str) -> None:
    rows = [HEADER, ["张三", commands.ID_1, "A01", "5000"], ["李四", commands.ID_2, "A01", cell]]
    code, report = commands.run_json(app, "members", str(commands.write_xlsx(tmp_path / "m.xlsx", rows)))
    assert code == 1
    assert report["rows"] == 2
    assert report["errors"] == [{"row": 3, "column": "月工资收入", "message": message}]


def test_each_row_with_a_refused_value_is_named_however_often_the_value_repeats(
        app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    """Cells are parsed a column at a time and a repeated value once: still every row holding a bad one is named,
    a true/false cell is not read as 1/0, and a row of spaces is no row."""
    header = ["姓名", "身份证号", "所属工会", "学历", "月工资收入"]
    rows = [header,
            ["张三", commands.ID_1, "A01", "不存在的学历", 5000],
            ["  ", None, " ", None, "   "],
            ["李四", commands.ID_2, "A01", "不存在的学历", 1],
            ["王五", commands.ID_3, "A01", "大学本科", True]]
    book = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"))
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)  # numbers as numbers, true/false as a boolean cell
    book.close()
    code, report = commands.run_json(app, "members", str(tmp_path / "m.xlsx"))
    assert code == 1
    assert report["rows"] == 3
    assert [(error["row"], error["column"]) for error in report["errors"]] == [(2, "学历"), (4, "学历"),
                                                                              (5, "月工资收入")]
    assert report["errors"][0]["message"] == report["errors"][1]["message"]
