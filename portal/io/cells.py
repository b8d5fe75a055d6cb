"""Cells to values: every cell of the mapped columns through its field type's parser, as the rows arrive.

The rows come a chunk at a time and are parsed a column at a time: a value already seen in a column is parsed
once (org units, choices and dates repeat thousands of times in a roll), looked up at C speed; a column whose
values hardly repeat (names, ID numbers) goes through its parser cell by cell. Blank rows and the template's
untouched example row are skipped. Problems go to ``add_error`` as (row number in the file, header as
written, Chinese message).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, MutableSequence, Sequence, cast

from portal.domain.messages import DomainValidationError
from portal.io.columns import import_fields
from portal.io.headers import HeaderMap
from portal.records.plan_types import CellError, ImportContext, ParsedRow, Progress
from portal.io.xlsx_template import example_row
from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec

#: Rows after which a column's cache of parsed values is dropped when most of its values were new.
_CACHE_TRIAL_ROWS = 2000
#: Rows parsed together, a column at a time (the progress is told between two such blocks).
_BLOCK_ROWS = 2000

Parser = Callable[[Any, FieldSpec], Any]


@dataclass(frozen=True, slots=True)
class Refused:
    """A cell its field type's parser refused, with the Chinese message (the value a column holds instead)."""

    message: str


class ParsedValues(dict[Any, Any]):
    """A column's cells already parsed: raw cell -> value (``None`` for a blank, ``Refused`` for a bad one).
    A cell not seen before is parsed on lookup (``__missing__``), so a column is parsed with ``map`` at C speed."""

    def __init__(self, spec_field: FieldSpec, parse: Parser, locale: str) -> None:
        super().__init__({None: None})
        self.spec_field, self.parse, self.locale = spec_field, parse, locale
        #: The cells refused so far (a block that holds none of them has no refused cell in this column).
        self.refused: set[Any] = set()

    def __missing__(self, raw: Any) -> Any:
        ok, value = parse_cell(raw, self.spec_field, self.parse, self.locale)
        if not ok:
            value = Refused(value)
            self.refused.add(raw)
        self[raw] = value
        return value


@dataclass(slots=True)
class _Column:
    index: int
    name: str
    header: str
    spec_field: FieldSpec
    parse: Parser
    is_link: bool
    #: The parsed values seen so far, or ``None`` for a column parsed cell by cell (its values hardly repeat).
    cache: ParsedValues | None


class CellParser:
    """The data rows below ``header`` to ``ParsedRow``s, a chunk at a time (``feed``), in file order: every
    cell of a mapped column through its field type's parser; a value seen before in a column is parsed once."""

    def __init__(self, header: HeaderMap, ctx: ImportContext, progress: Progress,
                 add_error: Callable[[CellError], None]) -> None:
        self.header, self.progress, self.add_error, self.locale = header, progress, add_error, ctx.locale
        self.columns = [_Column(c.index, c.field.name, c.header, c.field, field_type(c.field.type).parse, c.field.is_link,
                                None if c.field.unique else ParsedValues(c.field, field_type(c.field.type).parse,
                                                                         ctx.locale))
                        for c in header.columns]
        indices = [column.index for column in self.columns]
        self.width = max(indices) + 1
        self.pick = itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))
        self.names = tuple(column.name for column in self.columns)
        self.links = tuple(column.name for column in self.columns if column.is_link)
        self.example = _example(header, ctx)
        self.first_row = header.row_index + 2
        #: The rows parsed so far, and how many data rows were fed.
        self.parsed: list[ParsedRow] = []
        self.fed = 0

    def feed(self, data: MutableSequence[list[Any] | None], total: int = 0, release: bool = False) -> None:
        """Parse the next data rows (``None`` for an empty row); ``total``: the data rows in all, 0 while the
        file is still being read. ``release``: each row of ``data`` is dropped (set to ``None``) once read, so
        a big file's cells and their parsed values are not held in memory side by side."""
        step = max(_BLOCK_ROWS, total // 50) if total else max(_BLOCK_ROWS, len(data))
        for start in range(0, len(data), step):
            if total:
                self.progress("validate", self.fed + start, total)
            block = data[start:start + step]
            if release:
                data[start:start + len(block)] = [None] * len(block)
            self._parse_block(block, self.first_row + self.fed + start)
        self.fed += len(data)
        self.progress("validate", self.fed, total)
        if self.fed >= _CACHE_TRIAL_ROWS:  # a column whose values hardly repeat (names) is parsed without its cache
            for column in self.columns:
                if column.cache is not None and len(column.cache) > self.fed // 2:
                    column.cache = None

    def _parse_block(self, block: Sequence[list[Any] | None], first_row: int) -> None:
        """The rows of ``block`` (the first one being row ``first_row`` of the file), a column at a time."""
        numbers = [first_row + offset for offset, cells in enumerate(block) if cells is not None]
        rows: Sequence[list[Any]] = ([cells for cells in block if cells is not None] if len(numbers) < len(block)
                                     else cast("Sequence[list[Any]]", block))
        if not rows:
            return
        width, pick = self.width, self.pick
        if min(map(len, rows)) >= width:
            picked = list(map(pick, rows))
        else:
            pad = [None] * width
            picked = [pick(cells) if len(cells) >= width else pick([*cells, *pad]) for cells in rows]
        values: list[list[Any]] = []
        refused: set[int] = set()
        for column, cells in zip(self.columns, zip(*picked)):
            column_values, some_refused = self._parse_column(column, cells)
            values.append(column_values)
            if some_refused:
                refused.update(position for position, value in enumerate(column_values) if value.__class__ is Refused)
        names, links, example, parsed = self.names, self.links, self.example, self.parsed
        for position, (number, row_values) in enumerate(zip(numbers, zip(*values))):
            if position in refused:
                given = self._report_refused(number, row_values)
            elif None in row_values:
                given = {name: value for name, value in zip(names, row_values) if value is not None}
                if not given:
                    continue  # blank, or only spaces
            else:
                given = dict(zip(names, row_values))
            if example is not None and given == example:
                continue
            parsed.append(ParsedRow(number, given, {name: given[name] for name in links if name in given}))

    def _parse_column(self, column: _Column, cells: tuple[Any, ...]) -> tuple[list[Any], bool]:
        """The values of one column's cells (``None`` for a blank, ``Refused`` for a cell the parser refused), and
        whether any was refused."""
        cache = column.cache
        if cache is not None and bool not in set(map(type, cells)):  # True and 1 are one key of a dict
            return list(map(cache.__getitem__, cells)), bool(cache.refused) and not cache.refused.isdisjoint(cells)
        parse, spec_field, locale = column.parse, column.spec_field, self.locale
        parsed: list[Any] = []
        some_refused = False
        for raw in cells:
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                parsed.append(None)
                continue
            try:
                parsed.append(parse(raw, spec_field))
            except DomainValidationError as error:
                parsed.append(Refused(error.message(locale)))
                some_refused = True
        return parsed, some_refused

    def _report_refused(self, number: int, row_values: tuple[Any, ...]) -> dict[str, Any]:
        """A row with refused cells: each one reported; the row's other values (it is kept even when none are
        left, so that the planner knows the row)."""
        given: dict[str, Any] = {}
        for column, value in zip(self.columns, row_values):
            if value is None:
                continue
            if value.__class__ is Refused:
                self.add_error(CellError(number, column.header, value.message, column.index))
            else:
                given[column.name] = value
        return given


def parse_cell(raw: Any, spec_field: FieldSpec, parse: Parser, locale: str = "zh") -> tuple[bool, Any]:
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
