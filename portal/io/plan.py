"""Phase one of an import: read the sheet's header and cells, then let the register's planner check the rows.

Nothing is written here. Header problems (a missing required column, an approval column the user may
not import, another register's template) stop the whole file; cell problems become row errors.
"""

from __future__ import annotations

from typing import Any

from portal.io.cells import parse_rows
from portal.io.columns import import_fields
from portal.io.headers import HeaderMap, HeaderProblem, find_header
from portal.io.template_meta import parse_meta, version_changes
from portal.records.plan import Planner
from portal.records.plan_types import (MODES, CellError, ImportContext, ImportOptions, ImportPlan, Progress, RowPlan,
                                       no_progress)
from portal.texts import gettext

__all__ = ["MODES", "CellError", "ImportContext", "ImportOptions", "ImportPlan", "SheetPlanner", "Progress",
           "RowPlan", "no_progress"]


class SheetPlanner(Planner):
    """Builds an ``ImportPlan`` from the rows of a sheet."""

    def plan(self, rows: list[list[Any]], meta: list[list[Any]] | None = None, consume: bool = False) -> ImportPlan:
        """``consume``: the data rows (below the header) are taken out of ``rows`` and dropped as they are read."""
        org = self.spec.field(self.spec.org_field) if self.spec.org_field and self.options.org_unit else None
        header = find_header(rows, self.spec, frozenset({org.name}) if org is not None else frozenset())
        self.columns = {column.field.name: (column.index, column.header) for column in header.columns}
        warnings = self._check_columns(header, meta)
        data: list[Any] = rows[header.row_index + 1:]
        if consume:
            del rows[header.row_index + 1:]
        parsed = parse_rows(data, header, self.ctx, self.progress, self._add, release=consume)
        del data
        if not parsed:
            raise HeaderProblem([gettext("There are no data rows below the header (row %(row)s); fill in the data "
                                         "and import again.", row=header.row_index + 1)])
        fields = list(header.fields)
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
