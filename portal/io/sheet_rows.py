"""Turning a sheet's rows into the table an import reads, without Flask: the reading child uses it too.

``collect`` keeps the non-empty rows (with ``None`` for the empty rows between them and for empty cells),
refusing too many rows, cells or characters; ``square`` trims and pads the result. ``read_excel`` reads an
.xlsx/.xls with calamine as the portal always has: the ``_portal`` sheet, then the first visible worksheet
with data. Refusals carry a ``Text``, an English msgid and its variables, translated only when shown (the
reading child has no catalogue and no request); ``lazy_gettext`` here makes one, under the name the
message extractor looks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

META_SHEET = "_portal"
_is_str = str.__instancecheck__


@dataclass(frozen=True)
class Text:
    """A message not yet translated: its English msgid and variables."""

    msgid: str
    variables: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        from portal.texts import gettext

        return gettext(self.msgid, **self.variables)


def lazy_gettext(string: str, **variables: Any) -> Text:
    """A message translated when shown (``str``), in the language of the one who sees it."""
    return Text(string, variables)


class Refusal(Exception):
    """The file cannot be read as a table; ``text`` says why and what to do."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.msgid)
        self.text = text


EMPTY = lazy_gettext("The file has no data: the sheet is empty; put the data in the first sheet and upload it "
                     "again")


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def reach_text(sheet: str, rows: int, columns: int, max_cells: int) -> Text | None:
    """Why a sheet whose content reaches row ``rows`` and column ``columns`` (1-based) is too large, or ``None``."""
    cells = rows * columns
    if cells <= max_cells:
        return None
    last = f"{column_letter(columns - 1)}{rows}"
    return lazy_gettext("The content of sheet \"%(sheet)s\" reaches cell %(last)s (row %(rows)s, column "
                        "%(columns)s); read as a table it takes at least %(cells)s cells, more than the %(most)s "
                        "cells one import takes; delete what lies outside the data (or copy only the data into a "
                        "new workbook) and upload it again", sheet=sheet, last=last,
                        rows=format(rows, ","), columns=format(columns, ","), cells=format(cells, ","),
                        most=format(max_cells, ","))


def too_many_cells(cells: int, max_cells: int) -> Text:
    return lazy_gettext("The file's data area has at least %(cells)s cells (rows times columns), more than the "
                        "%(most)s cells one import takes; delete the extra columns or split it into several files "
                        "and import them one by one", cells=format(cells, ","), most=format(max_cells, ","))


class Collector:
    """Keeps the rows of one sheet that an import reads, and the width of the widest (``width``)."""

    def __init__(self, max_rows: int, max_cells: int, max_cell_chars: int) -> None:
        self.max_rows, self.max_cells, self.max_cell_chars = max_rows, max_cells, max_cell_chars
        self.width = 0

    def rows(self, source: Iterable[list[Any]]) -> Iterator[list[Any] | None]:
        """Rows as read with "" turned into None; ``None`` stands for an empty row between two kept ones.

        Empty rows cost nothing until a later non-empty row needs them, so a sheet whose used range
        reaches row 1,048,576 with a few rows of data stays cheap. More than ``max_rows`` non-empty
        rows, or content beyond row ``2 * max_rows``, is refused (``Refusal``, once the source is read);
        past that point rows are only counted. A table (rows kept x widest row) beyond ``max_cells`` is
        refused as soon as it gets there. Trailing empty rows never come out; trailing columns are
        trimmed by ``square``.
        """
        max_rows, max_cells, max_cell_chars = self.max_rows, self.max_cells, self.max_cell_chars
        kept = filled = beyond = width = 0
        for number, row in enumerate(source, 1):
            if row.count("") == len(row):
                continue
            filled += 1
            if filled > max_rows or number > 2 * max_rows:
                beyond = number
                continue
            if max(map(len, filter(_is_str, row)), default=0) > max_cell_chars:
                _refuse_long_cell(number, row, max_cell_chars)
            for _ in range(number - 1 - kept):
                yield None
            kept = number
            end = len(row)
            while end > width and row[end - 1] == "":
                end -= 1
            if end > width:
                width = self.width = end
            if width * kept > max_cells:
                raise Refusal(too_many_cells(width * kept, max_cells))
            yield _blank(row)
        if filled > max_rows:
            raise Refusal(lazy_gettext("The file has %(rows)s rows of data, more than the %(most)s rows one import "
                                       "takes; split it into several files and import them one by one",
                                       rows=format(filled, ","), most=format(max_rows, ",")))
        if beyond:
            raise Refusal(lazy_gettext("Row %(row)s of the file still has content, separated from the data above by "
                                       "many empty rows, beyond what one import takes (at most %(most)s rows); "
                                       "delete the extra content and upload it again", row=format(beyond, ","),
                                       most=format(max_rows, ",")))


def square(rows: list[list[Any] | None], width: int) -> list[list[Any]]:
    """``rows`` (from ``Collector.rows``) with every row ``width`` cells long, in place."""
    for at, kept in enumerate(rows):
        if kept is None:
            rows[at] = [None] * width
        elif len(kept) > width:
            del kept[width:]
        elif len(kept) < width:
            kept.extend([None] * (width - len(kept)))
    return rows  # type: ignore[return-value]  # no None is left


def collect(source: Iterable[list[Any]], max_rows: int, max_cells: int, max_cell_chars: int) -> list[list[Any]]:
    """The kept rows of ``source``, square (see ``Collector.rows``)."""
    collector = Collector(max_rows, max_cells, max_cell_chars)
    return square(list(collector.rows(source)), collector.width)


def _blank(row: list[Any]) -> list[Any]:
    """Replace every "" in ``row`` by None, in place (list.index scans at C speed)."""
    if "" in row:
        at = row.index("")
        try:
            while True:
                row[at] = None
                at = row.index("", at + 1)
        except ValueError:
            pass
    return row


def _refuse_long_cell(number: int, row: list[Any], max_cell_chars: int) -> None:
    """Refuse the first cell of ``row`` longer than ``max_cell_chars``."""
    column, value = next((i, v) for i, v in enumerate(row) if isinstance(v, str) and len(v) > max_cell_chars)
    raise Refusal(lazy_gettext("Row %(row)s column %(column)s has %(length)s characters, more than the %(most)s "
                               "a cell may hold; please check that cell", row=format(number, ","),
                               column=column_letter(column), length=format(len(value), ","),
                               most=format(max_cell_chars, ",")))


class Encrypted(Exception):
    """calamine was asked for a password."""


class Corrupt(Exception):
    """calamine could not read the file as a workbook."""


def read_excel(path: Path, collector: Collector, loading: Callable[[str], None],
               meta: Callable[[list[list[Any]]], None]) -> Iterator[list[Any] | None]:
    """The kept rows of an .xlsx/.xls's first visible worksheet with data (``Collector.rows``).

    ``loading`` is told each sheet's name before calamine loads it, ``meta`` gets the rows of our template's
    ``_portal`` sheet. A sheet whose content reaches beyond ``collector.max_cells`` (rows x columns from A1) is
    refused once loaded, naming its last cell. Nothing comes out of an empty workbook; ``Encrypted`` and
    ``Corrupt`` say why calamine could not open it.
    """
    import python_calamine as calamine

    try:
        with path.open("rb") as handle, calamine.CalamineWorkbook.from_filelike(handle) as book:
            sheets = [info for info in book.sheets_metadata if info.typ == calamine.SheetTypeEnum.WorkSheet]
            if any(info.name == META_SHEET for info in sheets):
                loading(META_SHEET)
                meta_collector = Collector(collector.max_rows, collector.max_cells, collector.max_cell_chars)
                meta(square(list(meta_collector.rows(_sheet_rows(_loaded(book, META_SHEET, collector)))),
                            meta_collector.width))
            for info in sheets:
                if info.name == META_SHEET or info.visible != calamine.SheetVisibleEnum.Visible:
                    continue
                loading(info.name)
                sheet = _loaded(book, info.name, collector)
                if sheet.start is None:
                    continue
                found = False
                for row in collector.rows(_sheet_rows(sheet)):
                    found = True
                    yield row
                if found:
                    return
    except calamine.PasswordError:
        raise Encrypted from None
    except calamine.CalamineError:
        raise Corrupt from None


def _loaded(book: Any, name: str, collector: Collector) -> Any:
    """The sheet ``name`` loaded by calamine, refused if its content reaches beyond the cell limit."""
    sheet = book.get_sheet_by_name(name)
    if sheet.end is not None:
        text = reach_text(name, sheet.end[0] + 1, sheet.end[1] + 1, collector.max_cells)
        if text:
            raise Refusal(text)
    return sheet


def _sheet_rows(sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows from row 1 and column A.

    ``iter_rows`` yields the empty rows above the used range but starts each row at the range's
    first column; the missing leading cells are put back.
    """
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None or sheet.end is None:
        return
    pad = [""] * (sheet.end[1] + 1 - len(first))
    if not pad:
        yield first
        yield from rows
        return
    yield pad + first
    for row in rows:
        yield pad + row
