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
from typing import Any

from portal.io.isolated_read import Idle, IsolatedRead, RowSink
from portal.io.sheet_limits import ReadLimits, xls_problem, xlsx_problem
from portal.io.sheet_rows import EMPTY, META_SHEET, Corrupt, Encrypted, Refusal, collect, column_letter, too_many_cells
from portal.texts import gettext, lazy_gettext

__all__ = ["EMPTY", "ENCRYPTED", "MARKUP", "META_SHEET", "FileUnreadable", "PendingRead", "Workbook", "column_letter", "read_workbook"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Directory-entry names of an encrypted OOXML package inside an OLE container (MS-OFFCRYPTO).
_ENCRYPTED_STREAMS = tuple((name + "\0").encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
#: Control characters that never occur in a text table (tab, CR, LF, VT, FF and Ctrl-Z do).
_BINARY_TEXT = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
_MARKUP_START = re.compile(r"\s*<(?:!doctype\s+html|html|table|\?xml)", re.IGNORECASE)
_CSV_DELIMITERS = ",\t;"

ENCRYPTED = lazy_gettext("The file is encrypted (it has a password to open it); remove the password in Excel, "
                         "save it as .xlsx and upload it again")
MARKUP = lazy_gettext("The file is a web page (HTML) or XML; only its extension looks like an Excel file (common "
                      "with \".xls\" files exported by other systems); open it in Excel, save it as .xlsx and "
                      "upload it again")


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
                  max_cell_chars: int = 32_767, max_reader_mb: int = ReadLimits.reader_mb) -> Workbook:
    """Read the first non-empty visible sheet of an .xlsx/.xls file, or a .csv file.

    ``filename`` is the name the file was uploaded under; it is only used in messages.
    ``max_rows`` limits the non-empty rows (title and header rows included), ``max_cells`` the
    rectangle from A1 to the last cell with a value, ``max_unzipped_mb`` an .xlsx once unzipped.
    An .xlsx/.xls is read by a separate process capped at ``max_reader_mb`` MB of address space
    (``PORTAL_IMPORT_READER_MB``), so a sheet too large for memory costs only that process.
    """
    limits = ReadLimits(rows=max_rows, cells=max_cells, unzipped_mb=max_unzipped_mb,
                        reader_mb=max_reader_mb)
    return _read(Path(path), filename, limits, max_cell_chars, None, None)


class PendingRead:
    """A file whose reading has begun: an .xlsx/.xls is already being read by its own process, so the
    caller can do other work meanwhile (``portal import`` builds its app). ``workbook()`` finishes the
    reading with every check of ``read_workbook`` and its ``FileUnreadable``; use as a context manager,
    which ends the reading process when the caller leaves without the workbook."""

    def __init__(self, path: Path, filename: str, limits: ReadLimits, max_cell_chars: int = 32_767) -> None:
        self.path, self.filename, self.limits, self.max_cell_chars = Path(path), filename, limits, max_cell_chars
        with self.path.open("rb") as handle:
            head = handle.read(8)
        excel = head.startswith(ZIP_MAGIC) or head == OLE_MAGIC
        self._reading = IsolatedRead(self.path, limits, max_cell_chars) if excel else None

    def __enter__(self) -> PendingRead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def workbook(self, sink: RowSink | None = None, idle: Idle | None = None) -> Workbook:
        """The file's rows; raises ``FileUnreadable``. Only once: the reading process is gone afterwards.
        ``sink``: an .xlsx/.xls's rows go there as they arrive instead (``IsolatedRead.result``); a .csv's
        come back in ``Workbook.rows`` as always. ``idle``: work to do while waiting for an .xlsx/.xls's rows."""
        try:
            return _read(self.path, self.filename, self.limits, self.max_cell_chars, self._reading, sink, idle)
        finally:
            self.close()

    def close(self) -> None:
        if self._reading is not None:
            self._reading.close()
            self._reading = None


def _read(path: Path, filename: str, limits: ReadLimits, max_cell_chars: int, reading: IsolatedRead | None,
          sink: RowSink | None, idle: Idle | None = None) -> Workbook:
    """``read_workbook``, with the reading process of an .xlsx/.xls already started when ``reading`` is given."""
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
        return _read_excel(path, "xlsx", filename, limits, max_cell_chars, reading, sink, idle)
    if head == OLE_MAGIC:
        if _is_encrypted_package(path.read_bytes()):
            raise FileUnreadable(ENCRYPTED)
        return _read_excel(path, "xls", filename, limits, max_cell_chars, reading, sink, idle)
    return _read_csv(path.read_bytes(), filename, limits, max_cell_chars)


def _refuse(problem: str | None) -> None:
    if problem:
        raise FileUnreadable(problem)


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


def _read_excel(path: Path, kind: str, filename: str, limits: ReadLimits, max_cell_chars: int,
                started: IsolatedRead | None, sink: RowSink | None, idle: Idle | None = None) -> Workbook:
    """Read an .xlsx/.xls in a memory-capped child (``isolated_read``; ``started`` when it is already at work):
    the first visible sheet with data, and ``_portal``. The file's own checks (bytes unzipped, the .xls cell
    records) run meanwhile."""
    try:
        with started or IsolatedRead(path, limits, max_cell_chars) as reading:
            _refuse(xlsx_problem(path, limits) if kind == "xlsx" else xls_problem(path, limits))
            sheet, rows, meta = reading.result(sink, idle)
    except Refusal as refusal:
        raise FileUnreadable(str(refusal.text)) from None
    except Encrypted:
        raise FileUnreadable(ENCRYPTED) from None
    except Corrupt:
        raise FileUnreadable(_corrupt(filename)) from None
    return Workbook(kind=kind, sheet_name=sheet, rows=rows, meta=meta)


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
        raise FileUnreadable(str(too_many_cells(text.count(delimiter), limits.cells)))
    # Over-long cells are reported by ``_collect`` with their position, so the csv module's own
    # field limit (process-wide; only ever raised here) must not stop the reader first.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    try:
        rows = _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), limits, max_cell_chars)
    except csv.Error:
        raise FileUnreadable(_not_a_table(filename)) from None
    if not rows:
        raise FileUnreadable(str(EMPTY))
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


def _collect(source: Any, limits: ReadLimits, max_cell_chars: int) -> list[list[Any]]:
    """``sheet_rows.collect`` with its refusal as ``FileUnreadable``."""
    try:
        return collect(source, limits.rows, limits.cells, max_cell_chars)
    except Refusal as refusal:
        raise FileUnreadable(str(refusal.text)) from None
