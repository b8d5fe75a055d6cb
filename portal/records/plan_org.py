"""The link consistency rule (``org_from``, ``within_org``) for a whole import, set-based.

Before the rows are decided, the org units of every linked row the file names (and of the rows the
updated records link today) are read with a few chunked ``IN`` queries, and the org tree once; each
row then goes through the same pure rule as a form or an API call (``OrgLinks.settle``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from portal.models import link_column
from portal.records.lookups import linked_units
from portal.records.plan_types import ImportContext
from portal.registry.org_links import OrgLinkProblem, OrgLinks
from portal.security.access import ORG_REGISTER, org_tree


class OrgLinkCheck:
    """The rule of one register for one import: prepared once, applied per row without a query."""

    def __init__(self, ctx: ImportContext, rules: OrgLinks) -> None:
        self.ctx = ctx
        self.rules = rules
        #: Each watched link -> the database column holding it.
        self.columns = {name: link_column(ctx.spec.field(name)) for name in rules.fields}
        self._units: dict[str, dict[int, int | None]] = {}
        self._tree = org_tree(ctx.session, ctx.registry.get(ORG_REGISTER), ctx.models[ORG_REGISTER])

    @classmethod
    def for_import(cls, ctx: ImportContext) -> OrgLinkCheck | None:
        rules = OrgLinks.of(ctx.spec)
        return cls(ctx, rules) if rules.active else None

    def prepare(self, rows: Iterable[Mapping[str, Any]], current: Iterable[Mapping[str, Any]]) -> None:
        """Read the org unit of every row these rows' links (and the stored records' links) name; called once per
        slice of a file, it keeps what earlier slices read."""
        rows, current = list(rows), list(current)
        spec = self.ctx.spec
        for name in self.rules.links:
            ids = {value for row in (*rows, *current) if isinstance(value := row.get(name), int)}
            known = self._units.setdefault(name, {})
            known.update(linked_units(self.ctx.session, self.ctx.registry, self.ctx.models,
                                      spec.field(name).target or "", ids - known.keys()))

    def settle(self, given: Mapping[str, Any], current: Mapping[str, Any] | None) -> tuple[int | None,
                                                                                           list[OrgLinkProblem]]:
        """The org unit the row is stored under, and its problems (ids only; no query)."""
        watched = {name: value for name, value in given.items() if name in self.rules.fields}
        return self.rules.settle(watched, current, self._unit_of, self._tree)

    def _unit_of(self, name: str, record_id: int) -> int | None:
        return self._units.get(name, {}).get(record_id)
