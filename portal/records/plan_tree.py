"""A register that is a tree (org units): the parent chains an import would write must not loop."""

from __future__ import annotations

from portal.models import link_column
from portal.records.lookups import org_parents
from portal.records.plan_types import ImportPlan, RowChecks
from portal.texts import gettext


def check_tree(planner: RowChecks, plan: ImportPlan) -> None:
    """A parent chain must not loop: new units naming each other, or a unit moved below itself."""
    spec = planner.spec
    if not spec.tree:
        return
    column = link_column(spec.field(spec.tree))
    keys = {row.values[spec.key]: row for row in plan.creates}
    for row in list(plan.creates):
        start = row.values[spec.key]
        seen, key = {start}, row.deferred.get(column)
        while key in keys and key not in seen:
            seen.add(key)
            key = keys[key].deferred.get(column)
        if key == start:  # back where it began: this unit is in the loop (one below it is told by _drop_orphans)
            planner.error(row.row, spec.field(spec.tree), planner.message(spec.field(spec.tree), "tree_cycle"))
    moves = {row.record_id: row.values[column] for row in plan.updates
             if column in row.values and row.record_id is not None}
    if moves:
        parents = org_parents(planner.ctx.session, planner.ctx.model, column)
        parents.update(moves)
        for row in plan.updates:
            node, seen = row.values.get(column), set()
            while node is not None and node not in seen:
                if node == row.record_id:
                    planner.error(row.row, spec.field(spec.tree), planner.message(spec.field(spec.tree), "tree_cycle"))
                    break
                seen.add(node)
                node = parents.get(node)
    plan.creates = [row for row in plan.creates if row.row not in planner.by_row]
    plan.updates = [row for row in plan.updates if row.row not in planner.by_row]
    _drop_orphans(planner, plan, column)

def _drop_orphans(planner: RowChecks, plan: ImportPlan, column: str) -> None:
    """A new unit whose parent is a new unit with errors cannot be written either."""
    tree_field = planner.spec.field(planner.spec.tree or "")
    while True:
        written = {row.values[planner.spec.key] for row in plan.creates}
        orphans = [row for row in plan.creates if column in row.deferred and row.deferred[column] not in written]
        if not orphans:
            return
        for row in orphans:
            planner.error(row.row, tree_field, gettext("%(field)s “%(key)s”: its row has errors, please correct "
                                                    "that row first", field=planner.label(tree_field),
                                                    key=row.deferred[column]))
        plan.creates = [row for row in plan.creates if row.row not in planner.by_row]
