"""Cells the parsers cannot hold (1e400, 40-digit money) are cell errors naming row and column, not a failed import."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

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
