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

__all__ = ["MODES", "CellError", "ImportContext", "ImportOptions", "ImportPlan", "SheetPlanner", "Progress",
           "RowPlan", "no_progress"]


class SheetPlanner(Planner):
    """Builds an ``ImportPlan`` from the rows of a sheet."""

    def plan(self, rows: list[list[Any]], meta: list[list[Any]] | None = None, consume: bool = False) -> ImportPlan:
        """``consume``: the data rows (below the header) are taken out of ``rows`` and dropped as they are read."""
        header = find_header(rows, self.spec)
        self.columns = {column.field.name: (column.index, column.header) for column in header.columns}
        warnings = self._check_columns(header, meta)
        data: list[Any] = rows[header.row_index + 1:]
        if consume:
            del rows[header.row_index + 1:]
        parsed = parse_rows(data, header, self.ctx, self.progress, self._add, release=consume)
        del data
        if not parsed:
            raise HeaderProblem([f"表头（第 {header.row_index + 1} 行）下面没有数据行，请填写数据后再导入。"])
        plan = ImportPlan(header_row=header.row_index, rows=len(parsed), warnings=warnings)
        return self.plan_rows(parsed, header.fields, plan)

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
                problems.append(f"您没有权限导入“{self.columns[spec_field.name][1]}”列（需要审批权限），请删除该列。")
        if problems:
            raise HeaderProblem(problems)
        if header.unknown:
            warnings.append(f"以下列不是{self.spec.label.zh}的字段，已忽略：{'、'.join(header.unknown)}。")
        if header.derived:
            warnings.append(f"以下列由系统自动计算，已忽略：{'、'.join(header.derived)}。")
        hidden = [self.columns[f.name][1] for f in header.fields if access.hidden(self.spec, f)]
        if hidden and self.options.mode == "upsert":
            warnings.append(f"您看到的{'、'.join(hidden)}是打码的，更新已有记录时不会修改这些列。")
        if self.options.mode == "upsert":
            warnings.append("更新已有记录时，空白单元格表示“保持原值”，不会清空已有内容。")
        return warnings
