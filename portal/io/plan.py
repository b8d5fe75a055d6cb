"""Phase one of an import: read the sheet's header and cells, then let the register's planner check the rows.

Nothing is written here. Header problems (a missing required column, an approval column the user may
not import, another register's template) stop the whole file; cell problems become row errors.
"""

from __future__ import annotations

from typing import Any

from portal.io.cells import CellParser
from portal.io.columns import import_fields
from portal.io.headers import HEADER_SEARCH_ROWS, HeaderMap, HeaderProblem, find_header
from portal.io.template_meta import parse_meta, version_changes
from portal.records.plan import Planner
from portal.records.plan_types import (MODES, CellError, ImportContext, ImportOptions, ImportPlan, Progress, RowPlan,
                                       no_progress)
from portal.registry.spec import FieldSpec
from portal.texts import gettext

__all__ = ["MODES", "CellError", "ImportContext", "ImportOptions", "ImportPlan", "SheetPlanner", "SheetRows", "Progress",
           "RowPlan", "no_progress"]


class SheetPlanner(Planner):
    """Builds an ``ImportPlan`` from the rows of a sheet."""

    #: What the header says beside its problems (ignored columns, masked columns), set by ``start``.
    warnings: list[str]

    def sheet(self) -> SheetRows:
        """A sheet whose rows will be given a chunk at a time (``SheetRows.take``), as a reading process sends them."""
        return SheetRows(self)

    def start(self, head: list[list[Any]], meta: list[list[Any]] | None) -> CellParser:
        """The header found in the first rows of the sheet and checked: the parser of the rows below it."""
        org = self._supplied_org()
        header = find_header(head, self.spec, frozenset({org.name}) if org is not None else frozenset())
        self.columns = {column.field.name: (column.index, column.header) for column in header.columns}
        self.warnings = self._check_columns(header, meta)
        return CellParser(header, self.ctx, self.progress, self._add)

    def finish(self, cells: CellParser) -> ImportPlan:
        """The plan of every row parsed."""
        parsed, header, warnings = cells.parsed, cells.header, self.warnings
        self.progress("validate", cells.fed, cells.fed)
        if not parsed:
            raise HeaderProblem([gettext("There are no data rows below the header (row %(row)s); fill in the data "
                                         "and import again.", row=header.row_index + 1)])
        fields = list(header.fields)
        org = self._supplied_org()
        if org is not None and org not in fields:
            # No column for the unit: every row belongs to the one the importer chose (checked like a cell).
            unit = str(self.options.org_unit).strip()
            for row in parsed:
                row.values[org.name] = row.texts[org.name] = unit
            fields.append(org)
            warnings.append(gettext("The file has no \"%(column)s\" column: all %(rows)s rows go to \"%(unit)s\".",
                                    column=org.label.zh, rows=len(parsed), unit=unit))
        plan = ImportPlan(header_row=header.row_index, rows=len(parsed), warnings=warnings)
        return self.plan_rows(parsed, fields, plan)

    def _supplied_org(self) -> FieldSpec | None:
        """The org unit field when the importer gave one unit for every row (``--org``)."""
        return self.spec.field(self.spec.org_field) if self.spec.org_field and self.options.org_unit else None

    def _check_columns(self, header: HeaderMap, meta: list[list[Any]] | None) -> list[str]:
        warnings: list[str] = []
        template = parse_meta(meta)
        fields = import_fields(self.spec)
        if template is not None:
            changes = version_changes(template, self.spec, fields)
            if template.register != self.spec.slug:
                raise HeaderProblem(changes)
            warnings += changes
        access, problems = self.ctx.access, []
        for spec_field in header.fields:
            if spec_field.name in self.spec.approval and not access.can(self.spec.slug, "approve"):
                problems.append(gettext("You may not import the \"%(column)s\" column (it needs the right to "
                                        "approve); delete that column.", column=self.columns[spec_field.name][1]))
        if problems:
            raise HeaderProblem(problems)
        if header.unknown:
            warnings.append(gettext("These columns are not fields of %(register)s and were ignored: %(columns)s.",
                                    register=self.spec.label.zh, columns=gettext(", ").join(header.unknown)))
        if header.derived:
            warnings.append(gettext("These columns are computed by the system and were ignored: %(columns)s.",
                                    columns=gettext(", ").join(header.derived)))
        hidden = [self.columns[f.name][1] for f in header.fields if access.hidden(self.spec, f)]
        if hidden and self.options.mode == "upsert":
            warnings.append(gettext("You see %(columns)s masked; updating existing records leaves these columns "
                                    "unchanged.", columns=gettext(", ").join(hidden)))
        if self.options.mode == "upsert":
            warnings.append(gettext("When updating existing records, an empty cell means \"keep the value\"; it "
                                    "does not clear what is there."))
        return warnings


class SheetRows:
    """The rows of one sheet, given a chunk at a time: the header is found as soon as the first rows are in,
    and every row below it is parsed as it comes, so the parsing runs while the file is still being read."""

    def __init__(self, planner: SheetPlanner) -> None:
        self.planner = planner
        self._head: list[list[Any] | None] = []
        self._meta: list[list[Any]] | None = None
        self._cells: CellParser | None = None

    def take(self, rows: list[Any], meta: list[list[Any]] | None, total: int = 0,
             consume: bool = False) -> None:
        """The next rows of the sheet (``None`` for an empty row between two kept ones) and the ``_portal``
        rows read so far; ``total``, ``consume``: as for ``CellParser.feed``. Raises ``HeaderProblem``."""
        if meta is not None:
            self._meta = meta
        if self._cells is None:
            given = rows
            head = rows if not self._head else [*self._head, *rows]
            if len(head) < HEADER_SEARCH_ROWS and not total:
                self._head = head
                return
            self._head = []
            self._cells = self._start(head)
            skip = self._cells.header.row_index + 1
            rows, total = head[skip:], max(0, total - skip)
            if consume and head is given:
                del given[skip:]  # the caller's list no longer holds the data rows either
        self._cells.feed(rows, total, release=consume)

    def plan(self) -> ImportPlan:
        """The plan of the whole sheet, once every row was given. Raises ``HeaderProblem``."""
        if self._cells is None:  # fewer rows than the header is looked for in
            head, self._head = self._head, []
            self._cells = self._start(head)
            self._cells.feed(head[self._cells.header.row_index + 1:])
        return self.planner.finish(self._cells)

    def _start(self, head: list[list[Any] | None]) -> CellParser:
        return self.planner.start([row or [] for row in head[:HEADER_SEARCH_ROWS]], self._meta)
