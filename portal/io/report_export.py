"""A report's numbers as an .xlsx: the same columns and rows as its page table (and its API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import xlsxwriter

from portal.io.xlsx_export import safe_text
from portal.records.reports import ReportResult
from portal.texts import gettext


def write_report_xlsx(result: ReportResult, out: Any, subtitle: str = "") -> int:
    """Title, an optional line (scope, date), the header and the rows; numbers stay numbers. Returns the row count."""
    workbook = xlsxwriter.Workbook(out, {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    sheet = workbook.add_worksheet(safe_text(result.title)[:31].replace("/", "-") or gettext("Report"))
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_string(0, 0, safe_text(result.title), bold)
    if subtitle:
        sheet.write_string(1, 0, safe_text(subtitle))
    head = 2
    for index, column in enumerate(result.columns):
        sheet.write_string(head, index, column.heading, bold)
        sheet.set_column(index, index, max(12, len(column.heading) * 2 + 2))
    for number, row in enumerate(result.rows, start=head + 1):
        for index, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_string(number, index, gettext("Yes") if value else gettext("No"))
            elif isinstance(value, int):
                sheet.write_number(number, index, value)
            elif isinstance(value, Decimal):
                sheet.write_number(number, index, float(value), money)
            else:
                sheet.write_string(number, index, safe_text(str(value)))
    sheet.freeze_panes(head + 1, 0)
    workbook.close()
    return len(result.rows)
