"""Records -> .xlsx or .csv, streamed, typed, masked as on screen, and safe from formula injection.

Pure: the register spec, the records (any iterable, read lazily) and the reader's ``Access`` in; a
file out. Cells are typed from the field-type table: dates are real dates, money has two decimals,
ID numbers and phones are text, choices read by label and links by the linked record's title.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import xlsxwriter

from portal.web.forms import link_text
from portal.registry.fieldtypes import FIELD_TYPES, field_type
from portal.registry.derivations import DERIVATIONS, derive, is_stored
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.access import Access, scope_anchor
from portal.security.masking import mask_value

#: Text that a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Workbook options of every export: text stays text (never a formula, link or number); dates as ISO.
TEXT_KEPT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                     "default_date_format": "yyyy-mm-dd"}
#: The header cells of every export.
HEADER_FORMAT = {"bold": True, "bg_color": "#DDEBF7", "border": 1}
FORMATS = ("xlsx", "csv")
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
#: Rows between two progress reports.
PROGRESS_EVERY = 2000

Progress = Callable[[str, int, int], None]


def export_fields(spec: RegisterSpec, all_fields: bool = False) -> tuple[FieldSpec, ...]:
    """The schema's export columns (default: the list columns), or every field."""
    if all_fields:
        return spec.fields
    return tuple(spec.field(name) for name in spec.screens.export)


def value_type(field: FieldSpec) -> str:
    """The type that decides a derived field's cell (a derivation knows its result type)."""
    if field.is_derived and field.derive_function in DERIVATIONS:
        return DERIVATIONS[field.derive_function].result_type
    return field.type


@dataclass(frozen=True)
class Column:
    field: FieldSpec
    header: str
    kind: str
    hidden: bool
    value: Callable[[Any], Any]


def columns_for(spec: RegisterSpec, fields: Sequence[FieldSpec], access: Access, locale: str = "zh",
                registry: Registry | None = None, layout: Sequence[str] | None = None) -> list[Column]:
    """The columns of an export; ``registry`` lets a link column mask the linked record's key when the
    reader sees that key masked (a member's ID number in a dues export). With ``layout`` (see
    ``row_layout``) records are plain rows read by position; without it, objects read by attribute."""
    return [_column(spec, field, access, locale, registry, layout) for field in fields]


def row_layout(spec: RegisterSpec) -> list[str]:
    """The order of values in a plain export row: id, each stored field, a link as its title and key."""
    names = ["id"]
    for field in spec.fields:
        if field.is_link:
            names += [link_title_column(field.name), link_key_column(field.name), link_org_column(field.name)]
        elif is_stored(field):
            names.append(field.name)
    return names


def _reader(name: str, layout: Sequence[str] | None) -> Callable[[Any], Any]:
    return itemgetter(list(layout).index(name)) if layout is not None else attrgetter(name)


def link_title_column(name: str) -> str:
    """Attribute under which an export row carries a link's title (``org_unit__title``)."""
    return f"{name}__title"


def link_key_column(name: str) -> str:
    return f"{name}__key"


def link_org_column(name: str) -> str:
    """Attribute carrying the linked record's org unit: a key outside the reader's scope is not written."""
    return f"{name}__org"


def _column(spec: RegisterSpec, field: FieldSpec, access: Access, locale: str, registry: Registry | None,
            layout: Sequence[str] | None) -> Column:
    kind = value_type(field)
    hidden = access.hidden(spec, field)
    name = field.name
    raw: Callable[[Any], Any]
    if field.is_derived and not is_stored(field):
        sources = {source: _reader(source, layout) for source in field.derive_sources}

        def raw(record: Any) -> Any:
            return derive(field, lambda source: sources[source](record))
    elif field.is_link and layout is not None:
        raw = _reader(link_title_column(name), layout)
    else:
        raw = _reader(name, layout)

    value: Callable[[Any], Any]
    if hidden:
        def value(record: Any) -> Any:
            return mask_value(field, raw(record))
    elif field.is_link:
        target = registry.get(field.target or "") if registry is not None and field.target in registry else None
        key_hidden = target is not None and access.hidden(target, target.key_field)
        title = raw
        key = _reader(link_key_column(name), layout) if layout is not None else None
        placed = target is not None and scope_anchor(target) is not None
        unit = _reader(link_org_column(name), layout) if layout is not None and placed else None
        scope = access.org_ids

        def value(record: Any) -> Any:
            if key is None:  # an ORM record: the linked object itself
                linked = title(record)
                return None if linked is None else link_text(linked, access)
            text = title(record)
            if text is None:
                return None
            if scope is not None and unit is not None and unit(record) not in scope:
                return text  # an old link to a record outside the reader's scope: its title only
            found = key(record)
            return f"{text} ({mask_value(target.key_field, found) if key_hidden and target else found})"
    elif kind == "choice":
        labels = {choice.value: choice.label.get(locale) for choice in field.choices}

        def value(record: Any) -> Any:
            found = raw(record)
            return labels.get(found, found)
    elif kind == "boolean":
        yes, no = ("Yes", "No") if locale.startswith("en") else ("是", "否")  # i18n: data (zh side of the pair)

        def value(record: Any) -> Any:
            found = raw(record)
            return None if found is None else (yes if found else no)
    else:
        value = raw
    return Column(field, field.label.get(locale), kind, hidden, value)


def safe_text(text: str) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _width(column: Column) -> int:
    fixed = field_type(column.kind).xlsx_width if column.kind in FIELD_TYPES else None
    if fixed is not None and column.kind not in ("text", "link"):
        return max(12, fixed, len(column.header) * 2 + 2)
    return max(12, min(40, len(column.header) * 2 + 6))


def write_xlsx(spec: RegisterSpec, columns: Sequence[Column], records: Iterable[Any], out: Path | Any,
               progress: Progress | None = None, total: int = 0) -> int:
    """Stream ``records`` into an .xlsx with flat memory; returns the number of rows written."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, **TEXT_KEPT_AS_TEXT})
    sheet = workbook.add_worksheet(spec.label.zh[:31])
    header = workbook.add_format(HEADER_FORMAT)
    text = workbook.add_format({"num_format": "@"})
    formats: dict[str, Any] = {"date": workbook.add_format({"num_format": "yyyy-mm-dd"}), "text": text}
    cell_formats = []
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, header)
        number_format = None if column.hidden else field_type(column.kind).xlsx_format
        if number_format and number_format not in formats:
            formats[number_format] = workbook.add_format({"num_format": number_format})
        cell_formats.append(formats.get(number_format) if number_format else None)
        sheet.set_column(index, index, _width(column), formats["text"] if number_format == "@" else None)
    sheet.freeze_panes(1, 0)
    writers = [_xlsx_writer(sheet, column, cell_format, formats["date"]) for column, cell_format
               in zip(columns, cell_formats)]
    count = 0
    for count, record in enumerate(records, start=1):
        for index, (column, write) in enumerate(zip(columns, writers)):
            write(count, index, column.value(record))
        if progress and count % PROGRESS_EVERY == 0:
            progress("rows", count, total)
    sheet.autofilter(0, 0, max(count, 1), max(len(columns) - 1, 0))
    workbook.close()
    return count


def _xlsx_writer(sheet: Any, column: Column, cell_format: Any, date_format: Any) -> Callable[[int, int, Any], None]:
    """The fastest correct write call for a column's values (text is never a formula)."""
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime

    def write(row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            return
        if isinstance(value, str):
            write_string(row, col, value, cell_format)
        elif isinstance(value, bool):
            write_string(row, col, "是" if value else "否", cell_format)  # i18n: data (read back on import)
        elif isinstance(value, (int, float, Decimal)):
            write_number(row, col, float(value), cell_format)
        elif isinstance(value, datetime):
            write_datetime(row, col, value, date_format)
        elif isinstance(value, date):
            write_datetime(row, col, datetime(value.year, value.month, value.day), date_format)
        else:
            write_string(row, col, str(value), cell_format)

    return write


def write_csv(columns: Sequence[Column], records: Iterable[Any], out: Path, encoding: str = "utf-8",
              progress: Progress | None = None, total: int = 0) -> int:
    """CSV for Excel: UTF-8 with BOM (or GB18030), money with two decimals, formula-like text quoted with ``'``."""
    count = 0
    with out.open("w", encoding=CSV_ENCODINGS[encoding], newline="", errors="replace") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.header for column in columns])
        formatters = [_csv_formatter(column) for column in columns]
        for count, record in enumerate(records, start=1):
            writer.writerow([format_cell(column.value(record)) for column, format_cell in zip(columns, formatters)])
            if progress and count % PROGRESS_EVERY == 0:
                progress("rows", count, total)
    return count


def _csv_formatter(column: Column) -> Callable[[Any], str]:
    money = column.kind == "money" and not column.hidden

    def format_cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return safe_text(value)
        if money and isinstance(value, (Decimal, float, int)):
            return f"{Decimal(value):.2f}"
        if isinstance(value, (date, datetime)):
            return value.isoformat()[:10]
        return str(value)

    return format_cell
