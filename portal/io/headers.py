"""Find the header row of a clerk's sheet and map its columns to fields.

Clerks put a title (``2024年会员花名册``) and sometimes a date line above the header, so the header is
the row, among the first few, that names the most fields. Everything about the columns is decided
here, before a single data row is read: unknown columns are reported, derived columns ignored, and a
missing required column refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from portal.io.columns import header_names, import_fields, needs_column, normalize_header
from portal.io.readers import column_letter
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.texts import gettext

#: How many rows from the top may hold titles before the header.
HEADER_SEARCH_ROWS = 20


class HeaderProblem(Exception):
    """The columns cannot be imported; ``messages`` are Chinese sentences, each with its fix."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(gettext("; ").join(messages))


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    field: FieldSpec


@dataclass
class HeaderMap:
    #: 0-based index of the header row in the sheet (the file's row number is ``row_index + 1``).
    row_index: int
    columns: list[Column]
    #: Headers that name no field (reported, not imported).
    unknown: list[str] = field(default_factory=list)
    #: Headers of values the portal computes itself (e.g. 性别 from the ID number); ignored.
    derived: list[str] = field(default_factory=list)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(column.field for column in self.columns)


def _lookup(spec: RegisterSpec) -> dict[str, FieldSpec]:
    """Normalised header spelling -> field; labels and names win over aliases shared with another field."""
    table: dict[str, FieldSpec] = {}
    for spec_field in spec.fields:
        for name in sorted(header_names(spec, spec_field)):
            table.setdefault(name, spec_field)
    for spec_field in spec.fields:
        for name in (spec_field.name, spec_field.label.zh, spec_field.label.en):
            table[normalize_header(name)] = spec_field
    return table


def _score(row: Sequence[Any], table: dict[str, FieldSpec]) -> int:
    return sum(1 for cell in row if isinstance(cell, str) and normalize_header(cell) in table)


def find_header(rows: Sequence[Sequence[Any]], spec: RegisterSpec, supplied: frozenset[str] = frozenset()
                ) -> HeaderMap:
    """Locate and map the header row; raises ``HeaderProblem`` when it cannot be imported. ``supplied``
    fields need no column (the importer gave one value for every row)."""
    table = _lookup(spec)
    scores = [_score(row, table) for row in rows[:HEADER_SEARCH_ROWS]]
    if not scores or max(scores) == 0:
        expected = gettext(", ").join(spec.field(f.name).label.zh for f in import_fields(spec) if needs_column(f))
        raise HeaderProblem([gettext(
            "No header row found: none of the cells in the first %(rows)s rows is a column name of %(register)s. "
            "Add a row of column names above the data (at least: %(expected)s), or download the import template "
            "and fill it in.", rows=HEADER_SEARCH_ROWS, register=spec.label.zh, expected=expected)])
    row_index = scores.index(max(scores))
    header_map = HeaderMap(row_index=row_index, columns=[])
    seen: dict[str, Column] = {}
    problems: list[str] = []
    importable = {f.name for f in import_fields(spec)}
    for index, cell in enumerate(rows[row_index]):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        header = str(cell).strip()
        found = table.get(normalize_header(header))
        if found is None:
            header_map.unknown.append(header)
        elif found.name not in importable:
            header_map.derived.append(header)
        elif found.name in seen:
            first = seen[found.name]
            problems.append(gettext(
                "\"%(first)s\" (column %(first_column)s) and \"%(second)s\" (column %(second_column)s) "
                "both stand for %(field)s; delete or rename one of them.", first=first.header,
                first_column=column_letter(first.index), second=header, second_column=column_letter(index),
                field=found.label.zh))
        else:
            seen[found.name] = Column(index, header, found)
            header_map.columns.append(seen[found.name])
    missing = [f.label.zh for f in import_fields(spec) if needs_column(f) and f.name not in seen
               and f.name not in supplied]
    if missing:
        problems.append(gettext("Required columns missing: %(columns)s (the header is in row %(row)s). Add these "
                                "columns, or download the import template and fill it in.",
                                columns=gettext(", ").join(missing), row=row_index + 1))
    if problems:
        raise HeaderProblem(problems)
    return header_map
