"""Names cannot spoof: bidi controls and control characters are refused on every channel, naming the field.

The parsers refuse them (tests/registry/test_parsers.py); these tests show the same sentence reaches the
clerk through the REST API (row schema), the add form and a spreadsheet import.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import xlsxwriter

MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}
SPOOF = "在\u202efdp.exe"
SPOOF_MESSAGE = "姓名中有改变文字显示方向的隐藏字符（U+202E），会让内容显示得和实际不同，请删除后重新填写"


def test_the_api_refuses_a_name_with_a_right_to_left_override(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "name": SPOOF})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"]["name"] == [SPOOF_MESSAGE]
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "name": "张\x00三"})
    assert response.get_json()["message"]["name"] == ["姓名中有看不见的控制字符（U+0000），请删除后重新填写（常见于从其他系统复制的内容）"]
    assert admin_client.get("/api/v1/members/").get_json()["count"] == 0


def test_the_add_form_shows_the_message_on_the_field(admin_client: Any, org_tree: dict[str, int]) -> None:
    data = {**MEMBER, "name": "王\u2066小明", "org_unit": str(org_tree["A01-1"])}
    response = admin_client.post("/members/add", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    block = html.split('id="name"', 1)[1].split("</tr>", 1)[0]
    assert "姓名中有改变文字显示方向的隐藏字符（U+2066）" in re.sub(r"<[^>]+>", " ", block)
    assert admin_client.get("/api/v1/members/").get_json()["count"] == 0


def test_an_imported_cell_is_refused_with_its_row_and_column(app: Any, org_tree: dict[str, int],
                                                             tmp_path: Path) -> None:
    from tests.io.test_xlsx_import import import_file

    path = tmp_path / "spoof.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for row, values in enumerate([["姓名", "身份证号", "所属工会"], [SPOOF, MEMBER["id_card"], "A01-1"]]):
        for column, value in enumerate(values):
            sheet.write_string(row, column, value)
    book.close()
    report = import_file(app, "members", path)
    assert [(error.row, error.column, error.message) for error in report.errors] == [(2, "姓名", SPOOF_MESSAGE)]
    assert not report.committed
