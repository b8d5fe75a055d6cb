"""The clerk's own rows given back with an added ``错误说明`` column and the bad cells highlighted."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Sequence

import xlsxwriter

from portal.io.plan import CellError
from portal.texts import gettext, lazy_gettext

ERROR_HEADER = lazy_gettext("Error details")


def write_error_file(rows: Sequence[Sequence[Any]], header_index: int, errors: Sequence[CellError],
                     out: BinaryIO | Path, sheet_name: str | None = None) -> None:
    """Every row of the sheet as it was read; rows with problems get their messages in a last column."""
    by_row: dict[int, list[CellError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    bad_date = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "yyyy-mm-dd"})
    plain_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    message_format = workbook.add_format({"font_color": "#9C0006", "text_wrap": True})
    sheet = workbook.add_worksheet((sheet_name or gettext("Import errors"))[:31])
    width = max((len(row) for row in rows), default=0)
    sheet.set_column(0, width - 1, 14)
    sheet.set_column(width, width, 60)
    sheet.freeze_panes(header_index + 1, 0)
    for index, cells in enumerate(rows):
        row_number = index + 1
        problems = by_row.get(row_number, [])
        marked = {error.col_index for error in problems if error.col_index is not None}
        for column, value in enumerate(cells):
            if value is None:
                if column in marked:
                    sheet.write_blank(index, column, None, bad)
                continue
            is_date = isinstance(value, (date, datetime))
            cell_format = (bad_date if is_date else bad) if column in marked else (plain_date if is_date else None)
            if isinstance(value, str):
                sheet.write_string(index, column, value, cell_format)
            elif is_date:
                sheet.write_datetime(index, column, value if isinstance(value, datetime)
                                     else datetime(value.year, value.month, value.day), cell_format)
            else:
                sheet.write(index, column, value, cell_format)
        if index == header_index:
            sheet.write_string(index, width, str(ERROR_HEADER), header)
        elif problems:
            text = gettext("; ").join(gettext("%(column)s: %(message)s", column=error.column, message=error.message)
                                      if error.column else error.message for error in problems)
            sheet.write_string(index, width, text, message_format)
    workbook.close()
