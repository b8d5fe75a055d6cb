"""Reading the clerks' own spreadsheets (.xlsx, .xls, .csv) into plain rows for bulk import.

The format is told by the file's first bytes, never by its name. Cells come back as read: ``str``
(not stripped), ``int``/``float``, ``bool``, ``date``/``datetime``/``time``/``timedelta``, or
``None`` for an empty cell. Anything that keeps the file from being read as a table raises
``FileUnreadable`` with a Chinese sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import python_calamine as calamine

from portal.io.sheet_limits import ReadLimits, xls_problem, xlsx_problem
from portal.texts import gettext, lazy_gettext

META_SHEET = "_portal"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Directory-entry names of an encrypted OOXML package inside an OLE container (MS-OFFCRYPTO).
_ENCRYPTED_STREAMS = tuple((name + "\0").encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
#: Control characters that never occur in a text table (tab, CR, LF, VT, FF and Ctrl-Z do).
_BINARY_TEXT = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
_MARKUP_START = re.compile(r"\s*<(?:!doctype\s+html|html|table|\?xml)", re.IGNORECASE)
_CSV_DELIMITERS = ",\t;"
_is_str = str.__instancecheck__

ENCRYPTED = lazy_gettext("The file is encrypted (it has a password to open it); remove the password in Excel, "
                         "save it as .xlsx and upload it again")
MARKUP = lazy_gettext("The file is a web page (HTML) or XML; only its extension looks like an Excel file (common "
                      "with \".xls\" files exported by other systems); open it in Excel, save it as .xlsx and "
                      "upload it again")
EMPTY = lazy_gettext("The file has no data: the sheet is empty; put the data in the first sheet and upload it "
                     "again")


class FileUnreadable(Exception):
    """The file cannot be read as a table; ``message`` is a Chinese sentence saying what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        message = str(message)
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Workbook:
    """The data sheet of an uploaded file, plus the rows of our template's ``_portal`` sheet.

    ``rows[0]`` is the file's row 1; every row has the same length; trailing empty rows and
    columns are trimmed.
    """

    kind: str
    sheet_name: str
    rows: list[list[Any]]
    meta: list[list[Any]] | None
    encoding: str | None = None


def read_workbook(path: Path, filename: str = "", *, max_rows: int = ReadLimits.rows,
                  max_cells: int = ReadLimits.cells, max_unzipped_mb: int = ReadLimits.unzipped_mb,
                  max_cell_chars: int = 32_767) -> Workbook:
    """Read the first non-empty visible sheet of an .xlsx/.xls file, or a .csv file.

    ``filename`` is the name the file was uploaded under; it is only used in messages.
    ``max_rows`` limits the non-empty rows (title and header rows included), ``max_cells`` the
    rectangle from A1 to the last cell with a value, ``max_unzipped_mb`` an .xlsx once unzipped;
    the sheet limits are checked on the file itself, before calamine loads a sheet.
    """
    path = Path(path)
    limits = ReadLimits(rows=max_rows, cells=max_cells, unzipped_mb=max_unzipped_mb)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_xlsx = False
        if not is_xlsx:
            raise FileUnreadable(_corrupt(filename))
        _refuse(xlsx_problem(path, limits))
        return _read_excel(path, "xlsx", filename, limits, max_cell_chars)
    if head == OLE_MAGIC:
        if _is_encrypted_package(path.read_bytes()):
            raise FileUnreadable(ENCRYPTED)
        _refuse(xls_problem(path, limits))
        return _read_excel(path, "xls", filename, limits, max_cell_chars)
    return _read_csv(path.read_bytes(), filename, limits, max_cell_chars)


def _refuse(problem: str | None) -> None:
    if problem:
        raise FileUnreadable(problem)


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _uploaded_suffix(filename: str) -> str | None:
    """The extension of an upload whose name says it is not a spreadsheet (``名单.pdf`` -> ``.pdf``)."""
    suffix = Path(filename).suffix.lower()
    return None if not suffix or suffix in {".xlsx", ".xls", ".csv"} else suffix


def _not_a_table(filename: str) -> str:
    suffix = _uploaded_suffix(filename)
    if suffix is None:
        return gettext("This is not a spreadsheet file and cannot be read as a table; please upload a .xlsx, .xls "
                       "or .csv file")
    return gettext("This is not a spreadsheet file (the upload is a %(suffix)s file) and cannot be read as a "
                   "table; please upload a .xlsx, .xls or .csv file", suffix=suffix)


def _corrupt(filename: str) -> str:
    suffix = _uploaded_suffix(filename)
    if suffix is None:
        return gettext("The file is damaged or not a valid Excel file and cannot be read; open it in Excel, save "
                       "it as .xlsx and upload it again")
    return gettext("The file is damaged or not a valid Excel file (the upload is a %(suffix)s file) and cannot "
                   "be read; open it in Excel, save it as .xlsx and upload it again", suffix=suffix)


def _is_encrypted_package(data: bytes) -> bool:
    """An OLE file whose directory holds EncryptionInfo/EncryptedPackage (a password-protected .xlsx).

    Directory entries are 128-byte records at 128-byte-aligned offsets, starting with the
    NUL-terminated UTF-16LE name, whose byte length (terminator included) is stored at offset 64.
    """
    for name in _ENCRYPTED_STREAMS:
        at = data.find(name)
        while at != -1:
            if at % 128 == 0 and int.from_bytes(data[at + 64:at + 66], "little") == len(name):
                return True
            at = data.find(name, at + 1)
    return False


def _read_excel(path: Path, kind: str, filename: str, limits: ReadLimits, max_cell_chars: int) -> Workbook:
    """Read an .xlsx/.xls with calamine: the first visible sheet with data, and ``_portal``."""
    try:
        with path.open("rb") as handle, calamine.CalamineWorkbook.from_filelike(handle) as book:
            sheets = [info for info in book.sheets_metadata if info.typ == calamine.SheetTypeEnum.WorkSheet]
            meta = None
            if any(info.name == META_SHEET for info in sheets):
                meta = _collect(_sheet_rows(book.get_sheet_by_name(META_SHEET)), limits, max_cell_chars)
            for info in sheets:
                if info.name == META_SHEET or info.visible != calamine.SheetVisibleEnum.Visible:
                    continue
                sheet = book.get_sheet_by_name(info.name)
                if sheet.start is None:
                    continue
                rows = _collect(_sheet_rows(sheet), limits, max_cell_chars)
                if rows:
                    return Workbook(kind=kind, sheet_name=info.name, rows=rows, meta=meta)
    except calamine.PasswordError:
        raise FileUnreadable(ENCRYPTED) from None
    except calamine.CalamineError:
        raise FileUnreadable(_corrupt(filename)) from None
    raise FileUnreadable(EMPTY)


def _sheet_rows(sheet: calamine.CalamineSheet) -> Iterator[list[Any]]:
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


def _read_csv(data: bytes, filename: str, limits: ReadLimits, max_cell_chars: int) -> Workbook:
    """Read CSV text in UTF-8 (with or without BOM) or GB18030, comma/tab/semicolon separated."""
    text, encoding = _decode(data, filename)
    if _MARKUP_START.match(text[:1024]):
        raise FileUnreadable(MARKUP)
    # Title rows above the header often hold a single cell; they would hide the delimiter.
    lines = [line for line in text[:65_536].splitlines()[:30] if any(d in line for d in _CSV_DELIMITERS)]
    sample = "\n".join(lines[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    # Every separator starts a cell: a row of millions of them must be refused before it is split.
    if text.count(delimiter) > limits.cells:
        raise FileUnreadable(_too_many_cells(text.count(delimiter), limits.cells))
    # Over-long cells are reported by ``_collect`` with their position, so the csv module's own
    # field limit (process-wide; only ever raised here) must not stop the reader first.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    try:
        rows = _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), limits, max_cell_chars)
    except csv.Error:
        raise FileUnreadable(_not_a_table(filename)) from None
    if not rows:
        raise FileUnreadable(EMPTY)
    return Workbook(kind="csv", sheet_name="", rows=rows, meta=None, encoding=encoding)


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """Decode CSV bytes, trying UTF-8 with BOM, UTF-8, then GB18030 (which covers GBK and GB2312)."""
    if b"\0" not in data:
        attempts = [("utf-8-sig", data[len(codecs.BOM_UTF8):])] if data.startswith(codecs.BOM_UTF8) else [
            ("utf-8", data), ("gb18030", data)]
        for encoding, payload in attempts:
            try:
                text = payload.decode(encoding.removesuffix("-sig"))
            except UnicodeDecodeError:
                continue
            if not _BINARY_TEXT.search(text):
                return text, encoding
    raise FileUnreadable(_not_a_table(filename))


def _collect(source: Iterable[list[Any]], limits: ReadLimits, max_cell_chars: int) -> list[list[Any]]:
    """Rows as read with "" turned into None, trimmed of trailing empty rows and columns, padded square.

    Empty rows cost nothing until a later non-empty row needs them, so a sheet whose used range
    reaches row 1,048,576 with a few rows of data stays cheap. More than ``max_rows`` non-empty
    rows, or content beyond row ``2 * max_rows``, is refused; past that point rows are only counted.
    A table (rows kept x widest row) beyond ``limits.cells`` is refused as soon as it gets there.
    """
    max_rows = limits.rows
    rows: list[list[Any] | None] = []
    width = filled = beyond = 0
    for number, row in enumerate(source, 1):
        if row.count("") == len(row):
            continue
        filled += 1
        if filled > max_rows or number > 2 * max_rows:
            beyond = number
            continue
        if max(map(len, filter(_is_str, row)), default=0) > max_cell_chars:
            _raise_long_cell(number, row, max_cell_chars)
        if len(rows) < number - 1:
            rows.extend([None] * (number - 1 - len(rows)))
        end = len(row)
        while end > width and row[end - 1] == "":
            end -= 1
        width = max(width, end)
        if width * (len(rows) + 1) > limits.cells:
            raise FileUnreadable(_too_many_cells(width * (len(rows) + 1), limits.cells))
        rows.append(_blank(row))
    if filled > max_rows:
        raise FileUnreadable(gettext("The file has %(rows)s rows of data, more than the %(most)s rows one import "
                                     "takes; split it into several files and import them one by one",
                                     rows=format(filled, ","), most=format(max_rows, ",")))
    if beyond:
        raise FileUnreadable(gettext("Row %(row)s of the file still has content, separated from the data above by "
                                     "many empty rows, beyond what one import takes (at most %(most)s rows); delete "
                                     "the extra content and upload it again", row=format(beyond, ","),
                                     most=format(max_rows, ",")))
    square: list[list[Any]] = []
    for kept in rows:
        if kept is None:
            kept = [None] * width
        elif len(kept) > width:
            del kept[width:]
        elif len(kept) < width:
            kept.extend([None] * (width - len(kept)))
        square.append(kept)
    return square


def _too_many_cells(cells: int, max_cells: int) -> str:
    return gettext("The file's data area has at least %(cells)s cells (rows times columns), more than the "
                   "%(most)s cells one import takes; delete the extra columns or split it into several files and "
                   "import them one by one", cells=format(cells, ","), most=format(max_cells, ","))


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


def _raise_long_cell(number: int, row: list[Any], max_cell_chars: int) -> None:
    """Raise for the first cell of ``row`` longer than ``max_cell_chars``."""
    column, value = next((i, v) for i, v in enumerate(row) if isinstance(v, str) and len(v) > max_cell_chars)
    raise FileUnreadable(gettext("Row %(row)s column %(column)s has %(length)s characters, more than the %(most)s "
                                 "a cell may hold; please check that cell", row=format(number, ","),
                                 column=column_letter(column), length=format(len(value), ","),
                                 most=format(max_cell_chars, ",")))
