"""The result announcement (决议 / 选举结果公告) as an .xlsx: the same lines as the printable page."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from portal.io.xlsx_export import HEADER_FORMAT, TEXT_KEPT_AS_TEXT


def announcement_xlsx(notice: dict[str, Any]) -> bytes:
    """One sheet: the heading, then one row per line (label, text), as ``publication.announcement`` gives them."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, **TEXT_KEPT_AS_TEXT})
    sheet = workbook.add_worksheet("结果公告")
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    label = workbook.add_format(HEADER_FORMAT)
    text = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90)
    sheet.merge_range(0, 0, 0, 1, f"{notice['heading']}：{notice['subtitle']}", title)
    for row, (name, line) in enumerate(notice["rows"], start=2):
        sheet.write_string(row, 0, name, label)
        sheet.write_string(row, 1, line, text)
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    workbook.close()
    return out.getvalue()
