"""Checks made on a spreadsheet file itself, besides the memory-capped reading (``isolated_read``).

An .xlsx is unzipped entry by entry, counting the bytes really produced (a lying size in the zip cannot
hide a decompression bomb); nothing is parsed, so the pass costs a fraction of the reading it runs beside.
The used range of a sheet is left to the reading child, which is capped in memory and checks what calamine
loaded; when the child dies, ``dimension_end`` gives the far cell an .xlsx sheet records, for the message.
An .xls has its BIFF cell records walked. Each check returns a Chinese sentence naming the sheet and the
limit, or ``None`` when the file may be read.
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Mapping

import olefile

from portal.config import IMPORT_LIMITS
from portal.io.sheet_rows import reach_text
from portal.texts import gettext

_CHUNK = 1 << 20
#: Workbook part and its relationships are small; anything larger is not a workbook a clerk made.
_SMALL_PART = 16 << 20
#: The ``<dimension ref="A1:XFD1048576"/>`` near the start of a worksheet part: its last cell.
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*["\'](?:[A-Za-z]{1,3}\d{1,7}:)?'
                        rb'([A-Za-z]{1,3})(\d{1,7})["\']')
#: How much of a worksheet part is searched for it (Excel writes it before the cells).
_DIMENSION_BYTES = 8192
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_WORKSHEET_TYPE = "/worksheet"
_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

#: BIFF8 record types: beginning of a sheet, the sheet directory, and the cell records that hold a value.
_BOF, _BOUNDSHEET = 0x0809, 0x0085
_VALUE_CELLS = frozenset({0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_MULRK = 0x00BD


@dataclass(frozen=True)
class ReadLimits:
    """How much of one uploaded file is read: data rows, cells of a sheet's used range, bytes unzipped,
    and the memory (MB of address space) of the process that reads an .xlsx/.xls."""

    rows: int = IMPORT_LIMITS["PORTAL_IMPORT_MAX_ROWS"]
    cells: int = IMPORT_LIMITS["PORTAL_IMPORT_MAX_CELLS"]
    unzipped_mb: int = IMPORT_LIMITS["PORTAL_IMPORT_MAX_UNZIPPED_MB"]
    reader_mb: int = IMPORT_LIMITS["PORTAL_IMPORT_READER_MB"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReadLimits:
        return cls(rows=config["PORTAL_IMPORT_MAX_ROWS"], cells=config["PORTAL_IMPORT_MAX_CELLS"],
                   unzipped_mb=config["PORTAL_IMPORT_MAX_UNZIPPED_MB"],
                   reader_mb=config["PORTAL_IMPORT_READER_MB"])


class _Extent:
    """The last row and column with a value in one sheet, and how many cells hold a value."""

    def __init__(self, sheet: str) -> None:
        self.sheet, self.rows, self.columns, self.values = sheet, 0, 0, 0

    def add(self, row: int, column: int) -> None:
        """A value at the 1-based ``row`` and ``column``."""
        self.values += 1
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column

    def problem(self, max_cells: int) -> str | None:
        reach = reach_text(self.sheet, self.rows, self.columns, max_cells)
        if reach:
            return str(reach)
        if self.values > max_cells:
            return gettext("Sheet \"%(sheet)s\" has %(cells)s cells with content, more than the %(most)s cells "
                           "one import takes; split it into several files and import them one by one",
                           sheet=self.sheet, cells=format(self.values, ","), most=format(max_cells, ","))
        return None


def _column_number(letters: bytes) -> int:
    number = 0
    for code in letters.upper():
        number = number * 26 + code - 64
    return number


# --- xlsx -------------------------------------------------------------------------------------

class _UnzipBudget:
    """Counts the bytes really unzipped across the whole file."""

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb, self.left = limit_mb, limit_mb << 20

    def take(self, size: int) -> bool:
        self.left -= size
        return self.left >= 0


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def xlsx_problem(path: Path, limits: ReadLimits) -> str | None:
    """Why an .xlsx must not be read (too big unzipped, a compression Excel does not use), or ``None``."""
    budget = _UnzipBudget(limits.unzipped_mb)
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            for info in archive.infolist():
                for _ in _unzipped(raw, info, budget):
                    pass
    except _Refused as refused:
        return refused.message
    except (zipfile.BadZipFile, zlib.error, OSError, struct.error):
        return None  # not a readable zip: calamine says so in its own words
    return None


def dimension_end(path: Path, sheet: str) -> tuple[int, int] | None:
    """The last row and column (1-based) that the ``<dimension>`` of the .xlsx sheet named ``sheet`` records,
    read from the first few KB of its part; ``None`` when there is none (or the file is no .xlsx)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = next((part for part, name in _sheet_parts(archive).items() if name == sheet), None)
            if part is None:
                return None
            with archive.open(part) as stream:
                found = _DIMENSION.search(stream.read(_DIMENSION_BYTES))
    except (zipfile.BadZipFile, zlib.error, ET.ParseError, OSError, NotImplementedError, KeyError):
        return None
    return (int(found.group(2)), _column_number(found.group(1))) if found else None


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name -> sheet name, from the workbook and its relationships (every
    ``xl/worksheets/*.xml`` part is scanned as well, named by its file)."""
    parts = {name: posixpath.basename(name) for name in archive.namelist()
             if name.startswith("xl/worksheets/") and name.endswith(".xml")}
    try:
        targets = {}
        for rel in ET.fromstring(_small(archive, "xl/_rels/workbook.xml.rels")).iter(_RELATIONSHIPS):
            if rel.get("Type", "").endswith(_WORKSHEET_TYPE):
                target = rel.get("Target", "")
                name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id")] = name
        for sheet in ET.fromstring(_small(archive, "xl/workbook.xml")).iter(_SHEET):
            part = targets.get(sheet.get(_REL_ID))
            if part:
                parts[part] = sheet.get("name", posixpath.basename(part))
    except KeyError:
        pass  # no relationships: the part names are all there is
    return parts


def _small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        data = part.read(_SMALL_PART + 1)
    if len(data) > _SMALL_PART:
        raise zipfile.BadZipFile(name)
    return data


def _unzipped(raw: IO[bytes], info: zipfile.ZipInfo, budget: _UnzipBudget) -> Iterator[bytes]:
    """The entry's bytes as really decompressed (not as its header claims), chunk by chunk."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        inflate = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
    else:
        raise _Refused(gettext("\"%(part)s\" in the file uses a compression Excel does not use and cannot be "
                               "checked or read; open it in Excel, save it as .xlsx and upload it again",
                               part=info.filename))
    while left > 0:
        block = raw.read(min(_CHUNK, left))
        if not block:
            break
        left -= len(block)
        pending = block
        while pending:
            if inflate is None:
                chunk, pending = pending, b""
            else:
                chunk = inflate.decompress(pending, _CHUNK)
                pending = inflate.unconsumed_tail
            if not budget.take(len(chunk)):
                raise _Refused(_bomb_message(info, budget.limit_mb))
            yield chunk


def _bomb_message(info: zipfile.ZipInfo, limit_mb: int) -> str:
    return gettext("Unpacked, the file exceeds %(most)s MB (\"%(part)s\" alone is large), more than one import "
                   "takes; split it into several files and import them one by one (if the file itself is not large, "
                   "it may be damaged: open it in Excel, save it as .xlsx and upload it again)",
                   most=format(limit_mb, ","), part=info.filename)


# --- xls --------------------------------------------------------------------------------------

def xls_problem(path: Path, limits: ReadLimits) -> str | None:
    """Why an .xls must not be loaded (a sheet's used range too large), or ``None``."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
            if stream is None:
                return None
            data = ole.openstream(stream).read()
    except (OSError, ValueError, IndexError, struct.error):
        return None  # calamine says what is wrong in its own words
    return _biff_problem(data, limits.cells)


def _biff_problem(data: bytes, max_cells: int) -> str | None:
    names: dict[int, str] = {}
    extent: _Extent | None = None
    sheets = 0
    at, end = 0, len(data) - 4
    while at <= end:
        kind, size = struct.unpack_from("<HH", data, at)
        body = data[at + 4:at + 4 + size]
        if kind == _BOUNDSHEET and len(body) >= 8:
            names[struct.unpack_from("<I", body)[0]] = _short_string(body[6:])
        elif kind == _BOF:
            if extent:
                problem = extent.problem(max_cells)
                if problem:
                    return problem
            extent = _Extent(names.get(at) or gettext("sheet %(number)s", number=sheets))
            sheets += 1
        elif extent and kind in _VALUE_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            extent.add(row + 1, column + 1)
        elif extent and kind == _MULRK and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            for column in range(first, last + 1):
                extent.add(row + 1, column + 1)
        at += 4 + size
    return extent.problem(max_cells) if extent else None


def _short_string(data: bytes) -> str:
    """A BIFF8 ShortXLUnicodeString: length, flags (bit 0: UTF-16), characters."""
    if len(data) < 2:
        return ""
    length, flags = data[0], data[1]
    if flags & 1:
        return data[2:2 + 2 * length].decode("utf-16-le", "replace")
    return data[2:2 + length].decode("latin-1")
