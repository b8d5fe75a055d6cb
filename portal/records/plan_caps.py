"""The planner's yearly-cap rule (``yearly_caps:``): a payment may not take its case's total for one
kind of relief in one calendar year above the cap.

Checked after the rows are decided, for new and changed rows alike: the stored payments of the same
cases and years are read with one query (the rows being changed are left out and counted with their
new values), then the plan's rows are added in order; the first row that goes over the cap is refused
with a message naming the cap, the amount already used that year and what is left.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

import sqlalchemy as sa

from portal.models import link_column
from portal.records.plan_types import ImportContext, ImportPlan, RowPlan
from portal.registry.caps import YearlyCaps
from portal.registry.spec import FieldSpec
from portal.texts import gettext

Key = tuple[Any, str, int]


def cap_limits(caps: YearlyCaps, environ: Mapping[str, str] | None = None) -> dict[str, Decimal]:
    """Each capped kind with its cap: the YAML value, or ``PORTAL_SETTING_CAP_<n>`` (n from 1)."""
    environ = os.environ if environ is None else environ
    limits: dict[str, Decimal] = {}
    for position, (kind, cap) in enumerate(caps.limits, start=1):
        raw = (environ.get(f"PORTAL_SETTING_CAP_{position}") or "").strip()
        try:
            limits[kind] = Decimal(raw) if raw else cap
        except InvalidOperation:
            limits[kind] = cap
    return limits


def yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


class CapCheck:
    """The cap rule of one register for one plan."""

    def __init__(self, ctx: ImportContext, caps: YearlyCaps) -> None:
        spec = ctx.spec
        self.ctx = ctx
        self.caps = caps
        self.limits = cap_limits(caps)
        self.amount_field = spec.field(caps.amount)
        self.per_field = spec.field(caps.per)
        self.per = link_column(self.per_field)
        self.columns = (self.per, caps.kind, caps.date, caps.amount)

    @classmethod
    def for_plan(cls, ctx: ImportContext) -> CapCheck | None:
        caps = ctx.spec.yearly_caps
        return None if caps is None else cls(ctx, caps)

    def check(self, plan: ImportPlan, error: Callable[[int, FieldSpec, str], None]) -> set[int]:
        """Report rows going over a cap with ``error``; returns their row numbers."""
        rows = self._full_rows(plan)
        if not rows:
            return set()
        used = self._stored_totals(rows)
        refused: set[int] = set()
        per = self.ctx.registry.get(self.per_field.target or "") \
            if self.per_field.target in self.ctx.registry else self.per_field
        per_label = per.label.get(self.ctx.locale)
        for row, values in rows:
            kind, amount = values[self.caps.kind], Decimal(values[self.caps.amount])
            key = (values[self.per], kind, values[self.caps.date].year)
            cap, before = self.limits[kind], used.get(key, Decimal(0))
            if before + amount > cap:
                refused.add(row.row)
                left = max(cap - before, Decimal(0))
                error(row.row, self.amount_field,
                      gettext("%(kind)s: at most %(cap)s yuan a year; this %(per)s has received %(before)s yuan in "
                              "%(year)s, %(amount)s yuan more would go over it (at most %(left)s yuan is left)",
                              kind=kind, cap=yuan(cap), per=per_label, year=key[2], before=yuan(before),
                              amount=yuan(amount), left=yuan(left)))
                continue
            used[key] = before + amount
        return refused

    def _full_rows(self, plan: ImportPlan) -> list[tuple[RowPlan, dict[str, Any]]]:
        """Every planned row touching a capped kind, with its complete values (stored + changed)."""
        table = self.ctx.model.__table__
        watched = set(self.columns)
        updates = [row for row in plan.updates if row.record_id is not None and watched & set(row.values)]
        stored: dict[int, dict[str, Any]] = {}
        ids = [row.record_id for row in updates]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            query = sa.select(table.c.id, *(table.c[name] for name in self.columns)).where(table.c.id.in_(chunk))
            for found in self.ctx.session.execute(query):
                stored[found[0]] = dict(zip(self.columns, found[1:]))
        rows: list[tuple[RowPlan, dict[str, Any]]] = []
        for row in plan.creates:
            rows.append((row, {name: row.values.get(name) for name in self.columns}))
        for row in updates:
            rows.append((row, {**stored.get(row.record_id or 0, {}), **{k: v for k, v in row.values.items()
                                                                        if k in watched}}))
        return [(row, values) for row, values in rows
                if values.get(self.caps.kind) in self.limits and values.get(self.per) is not None
                and isinstance(values.get(self.caps.date), date) and values.get(self.caps.amount) is not None]

    def _stored_totals(self, rows: list[tuple[RowPlan, dict[str, Any]]]) -> dict[Key, Decimal]:
        """What is already paid per (case, kind, year), leaving out the records the plan changes."""
        table = self.ctx.model.__table__
        cases = sorted({values[self.per] for _, values in rows})
        years = [values[self.caps.date].year for _, values in rows]
        changed = [row.record_id for row, _ in rows if row.record_id is not None]
        totals: dict[Key, Decimal] = {}
        amount, when = table.c[self.caps.amount], table.c[self.caps.date]
        for start in range(0, len(cases), 500):
            query = (sa.select(table.c[self.per], table.c[self.caps.kind], when, amount)
                     .where(table.c[self.per].in_(cases[start:start + 500]),
                            table.c[self.caps.kind].in_(list(self.limits)),
                            when >= date(min(years), 1, 1), when <= date(max(years), 12, 31)))
            if changed:
                query = query.where(table.c.id.notin_(changed))
            for case, kind, day, paid in self.ctx.session.execute(query):
                key = (case, kind, day.year)
                totals[key] = totals.get(key, Decimal(0)) + Decimal(paid or 0)
        return totals
