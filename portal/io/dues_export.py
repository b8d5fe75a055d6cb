"""The arrears list (欠缴会费) as an .xlsx: the page's columns, values as the reader sees them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Sequence

import xlsxwriter

from portal.io.xlsx_export import safe_text
from portal.texts import lazy_gettext

SHEET = lazy_gettext("Dues in arrears")


def write_arrears_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: Any, title: str) -> int:
    """Write a title line, the header and ``rows`` (ints and Decimals as numbers, masked values as text);
    returns the number of rows written."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(str(SHEET))
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_string(0, 0, title, bold)
    for index, header in enumerate(headers):
        sheet.write_string(1, index, header, bold)
        sheet.set_column(index, index, 60 if index == len(headers) - 1 else max(12, len(header) * 2 + 2))
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if isinstance(value, bool) or value is None or value == "":
                continue
            if isinstance(value, int):
                sheet.write_number(count + 1, index, value)
            elif isinstance(value, Decimal):
                sheet.write_number(count + 1, index, float(value), money)
            else:
                sheet.write_string(count + 1, index, safe_text(str(value)))
    sheet.freeze_panes(2, 0)
    workbook.close()
    return count
