"""Cells to values: every cell of the mapped columns through its field type's parser, as the rows arrive.

A value already seen in a column is parsed once (org units, choices and dates repeat thousands of
times in a roll); blank rows and the template's untouched example row are skipped. Problems go to
``add_error`` as (row number in the file, header as written, Chinese message).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, MutableSequence

from portal.domain.messages import DomainValidationError
from portal.io.columns import import_fields
from portal.io.headers import HeaderMap
from portal.records.plan_types import CellError, ImportContext, ParsedRow, Progress
from portal.io.xlsx_template import example_row
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec


#: Rows after which a column's cache of parsed values is dropped when most of its values were new.
_CACHE_TRIAL_ROWS = 2000


class CellParser:
    """The data rows below ``header`` to ``ParsedRow``s, a chunk at a time (``feed``), in file order: every
    cell of a mapped column through its field type's parser; a value seen before in a column is parsed once."""

    def __init__(self, header: HeaderMap, ctx: ImportContext, progress: Progress,
                 add_error: Callable[[CellError], None]) -> None:
        self.header, self.progress, self.add_error, self.locale = header, progress, add_error, ctx.locale
        self.columns: list[tuple[int, str, FieldSpec, Callable[[Any, FieldSpec], Any], dict[Any, tuple[bool, Any]] | None,
                                 bool, str]]
        self.columns = [(c.index, c.field.name, c.field, field_type(c.field.type).parse,
                         None if c.field.unique else {}, c.field.is_link, c.header) for c in header.columns]
        indices = [column[0] for column in self.columns]
        self.width = max(indices) + 1
        self.pick = itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))
        self.example = _example(header, ctx)
        self.first_row = header.row_index + 2
        #: The rows parsed so far, and how many data rows were fed.
        self.parsed: list[ParsedRow] = []
        self.fed = 0

    def feed(self, data: MutableSequence[list[Any] | None], total: int = 0, release: bool = False) -> None:
        """Parse the next data rows (``None`` for an empty row); ``total``: the data rows in all, 0 while the
        file is still being read. ``release``: each row of ``data`` is dropped (set to ``None``) once read, so
        a big file's cells and their parsed values are not held in memory side by side."""
        columns, pick, width, example, locale = self.columns, self.pick, self.width, self.example, self.locale
        add_error, parsed, progress = self.add_error, self.parsed, self.progress
        step = max(1000, total // 50)
        blank = len(columns)
        first_row = self.first_row + self.fed
        for offset, cells in enumerate(data):
            if total and offset % step == 0:
                progress("validate", self.fed + offset, total)
            if cells is None:
                continue
            if release:
                data[offset] = None
            raw_values = pick(cells) if len(cells) >= width else pick([*cells, *([None] * width)])
            if raw_values.count(None) == blank:
                continue
            row_number = first_row + offset
            values: dict[str, Any] = {}
            texts: dict[str, str] = {}
            failed = False
            for raw, (index, name, spec_field, parse, cache, is_link, column_header) in zip(raw_values, columns):
                if raw is None:
                    continue
                if cache is None or raw.__class__ is bool:
                    if isinstance(raw, str) and (not raw or raw.isspace()):
                        continue
                    try:  # parse_cell, written out: a unique column's every cell comes here
                        value = parse(raw, spec_field)
                    except DomainValidationError as error:
                        add_error(CellError(row_number, column_header, error.message(locale), index))
                        failed = True
                        continue
                else:
                    cached = cache.get(raw)
                    if cached is None:
                        cached = cache[raw] = parse_cell(raw, spec_field, parse, locale)
                    ok, value = cached
                    if not ok:
                        add_error(CellError(row_number, column_header, value, index))
                        failed = True
                        continue
                if value is not None:
                    values[name] = value
                    if is_link:
                        texts[name] = value
            if not values and not failed:
                continue  # only spaces
            if example is not None and values == example:
                continue
            parsed.append(ParsedRow(row_number, values, texts))
        self.fed += len(data)
        progress("validate", self.fed, total)
        if self.fed >= _CACHE_TRIAL_ROWS:  # a column whose values hardly repeat (names) is parsed without its cache
            self.columns = [(*column[:4], None, *column[5:]) if column[4] is not None and
                            len(column[4]) > self.fed // 2 else column for column in columns]


def parse_cell(raw: Any, spec_field: FieldSpec, parse: Callable[[Any, FieldSpec], Any],
               locale: str = "zh") -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, Chinese message)``."""
    if isinstance(raw, str) and not raw.strip():
        return (True, None)
    try:
        return (True, parse(raw, spec_field))
    except DomainValidationError as error:
        return (False, error.message(locale))


def _example(header: HeaderMap, ctx: ImportContext) -> dict[str, Any] | None:
    """The template's example row, parsed as a data row would be (skipped when left in the file)."""
    sample = example_row(ctx.spec, import_fields(ctx.spec), ctx.registry)
    values: dict[str, Any] = {}
    for spec_field in header.fields:
        raw = sample.get(spec_field.name)
        if raw is None:
            continue
        ok, value = parse_cell(raw, spec_field, field_type(spec_field.type).parse)
        if not ok or value is None:
            return None
        values[spec_field.name] = value
    return values or None
