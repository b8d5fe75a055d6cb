"""One report as one aggregate SQL statement: the register's rows (or a built-in query's) in the user's
row scope, filtered, grouped and measured in the database; never a Python loop over records.

``report_select`` builds the statement and says how to read each selected column back. The org unit
at a level of the tree comes from a recursive CTE over the org table, joined in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

import sqlalchemy as sa

from portal.domain.dues_month import DuesPolicy
from portal.domain.relative_dates import add_months, is_relative, resolve
from portal.records.dues_month import arrears_query
from portal.registry.report_spec import GroupBy, Measure, ReportFilter, ReportSpec
from portal.registry.reports import BUILTIN_FIELDS, ORG_REGISTER
from portal.registry.spec import FieldSpec, Registry
from portal.security.access import Access, row_condition


@dataclass(frozen=True)
class ReportParams:
    """What a report depends on besides the data: today's date (China) and, for the arrears, the dues policy."""

    today: date
    policy: DuesPolicy = field(default_factory=DuesPolicy)

    @property
    def month(self) -> str:
        return self.today.strftime("%Y-%m")


@dataclass
class Source:
    """The rows a report reads: a table or subquery, its columns by field name, and its org column."""

    rows: Any
    fields: dict[str, FieldSpec]
    org_column: Any
    column: Callable[[str], Any]


def source_for(report: ReportSpec, registry: Registry, models: Any, access: Access,
               params: ReportParams) -> tuple[Source, list[Any]]:
    """The source and the conditions that hold it to the user's scope."""
    spec = registry.get(report.register)
    if report.builtin == "dues_arrears":
        rows = arrears_query(spec, models, access, params.month, params.policy).order_by(None).subquery("arrears")
        names = {"org_unit": rows.c.org_unit_id, "months": rows.c.months, "owed": rows.c.owed}
        return Source(rows, {item.name: item for item in BUILTIN_FIELDS["dues_arrears"]}, rows.c.org_unit_id,
                      names.__getitem__), []
    model = models[spec.slug]
    table = model.__table__
    fields = {item.name: item for item in spec.fields}

    def column(name: str) -> Any:
        return table.c[f"{name}_id"] if fields[name].is_link else table.c[name]

    org = table.c.id if spec.slug == ORG_REGISTER else (column(spec.org_field) if spec.org_field else None)
    scope = row_condition(spec, model, access)
    return Source(table, fields, org, column), [] if scope is None else [scope]


def filter_value(field: FieldSpec, value: Any, today: date) -> Any:
    """A filter's value as the column holds it: relative dates resolved, months as ``2026-11``."""
    if field.type in ("date", "month") and isinstance(value, str):
        day = resolve(value, today) if is_relative(value) else None
        if field.type == "month":
            return day.strftime("%Y-%m") if day else value
        return day or date.fromisoformat(value)
    return value


def condition(item: ReportFilter, source: Source, today: date) -> Any:
    field, column = source.fields[item.field], source.column(item.field)
    if item.op == "blank":
        return column.is_(None)
    if item.op == "not_blank":
        return column.is_not(None)
    if item.op in ("in", "not_in", "between"):
        values = [filter_value(field, one, today) for one in item.value]
        if item.op == "between":
            return column.between(values[0], values[1])
        return column.in_(values) if item.op == "in" else sa.or_(column.is_(None), column.not_in(values))
    value = filter_value(field, item.value, today)
    return {"eq": lambda: column == value, "ne": lambda: sa.or_(column.is_(None), column != value),
            "ge": lambda: column >= value, "le": lambda: column <= value, "gt": lambda: column > value,
            "lt": lambda: column < value}[item.op]()


def _month_text(column: Any, field: FieldSpec, dialect: str) -> Any:
    if field.type == "month":
        return column
    if dialect == "postgresql":
        return sa.func.to_char(column, "YYYY-MM", type_=sa.String)
    return sa.func.strftime("%Y-%m", column, type_=sa.String)


def _bucket(group: GroupBy, column: Any, field: FieldSpec, today: date, dialect: str) -> Any:
    if group.bucket in ("month", "quarter", "year"):
        month = _month_text(column, field, dialect)
        year = sa.func.substr(month, 1, 4, type_=sa.String)
        if group.bucket == "month":
            return month
        if group.bucket == "year":
            return year
        quarter = (sa.cast(sa.func.substr(month, 6, 2), sa.Integer) + 2) // 3
        return year + sa.literal("-Q") + sa.cast(quarter, sa.String)
    edges = group.bands
    if group.bucket == "age":  # younger than b ⇔ born after today minus b years
        whens = [(column > add_months(today, -12 * edge), index) for index, edge in enumerate(edges)]
    else:
        whens = [(column < today, -1)] + [(column <= today + timedelta(days=edge), index)
                                          for index, edge in enumerate(edges)]
    return sa.case((column.is_(None), sa.null()), *whens, else_=len(edges))


@dataclass
class GroupColumn:
    """How one group reads back: the selected columns' positions, and its kind."""

    group: GroupBy
    kind: str  # org, link, choice, boolean, band, text
    field: FieldSpec | None
    width: int = 1


def report_select(report: ReportSpec, registry: Registry, models: Any, access: Access, params: ReportParams,
                  dialect: str) -> tuple[sa.Select[Any], list[GroupColumn]]:
    """The statement: one row per group, group columns first (org and link groups select key and title),
    then one column per measure that is not a ratio."""
    source, where = source_for(report, registry, models, access, params)
    for item in report.filters:
        where.append(condition(item, source, params.today))
    if _adds_up_per_unit(report, source):
        return _per_unit_select(report, registry, models, access, source, where, params, dialect)
    joined, selected, grouped, readers = _groups(report, registry, models, source.rows, source.org_column, source.fields,
                                                 lambda group: _group_value(group, source, params, dialect))
    for measure in report.measures:
        if measure.agg == "ratio":
            continue
        expression, joined = _measure(measure, source, joined, registry, models, access, params, dialect)
        selected.append(expression.label(f"m_{measure.name}"))
    query = sa.select(*selected).select_from(joined)
    if where:
        query = query.where(*where)
    if grouped:
        query = query.group_by(*grouped)
    return query, readers


def _group_value(group: GroupBy, source: Source, params: ReportParams, dialect: str) -> Any:
    """The value a group that is not an org level groups by: the field's column, or its band or period."""
    field = source.fields[group.field or ""]
    column = source.column(field.name)
    return _bucket(group, column, field, params.today, dialect) if group.bucket else column


def _groups(report: ReportSpec, registry: Registry, models: Any, rows: Any, org_id: Any, fields: dict[str, FieldSpec],
            value_of: Callable[[GroupBy], Any]) -> tuple[Any, list[Any], list[Any], list[GroupColumn]]:
    """Join what the groups need onto ``rows`` (the level CTE and the unit for an org level, the linked register
    for a link) and return the joined rows, the selected group columns, the GROUP BY terms and how each group
    reads back. ``org_id`` is the rows' org unit; ``value_of`` gives another group's value in ``rows``; ``fields``
    are the report's fields by name."""
    joined = rows
    selected: list[Any] = []
    grouped: list[Any] = []
    readers: list[GroupColumn] = []
    orgs = models[ORG_REGISTER].__table__
    org_spec = registry.get(ORG_REGISTER)
    for group in report.group_by:
        if group.org_level is not None:
            levels = _level_cte(orgs, org_spec.tree or "parent", group.org_level)
            unit = orgs.alias(f"unit_{group.name}")
            joined = joined.join(levels, levels.c.id == org_id).join(unit, unit.c.id == levels.c.anc)
            keys = [unit.c[org_spec.key], unit.c[org_spec.title]]
            readers.append(GroupColumn(group, "org", None, 2))
        else:
            field = fields[group.field or ""]
            column = value_of(group)
            if group.bucket:
                keys = [column]
                readers.append(GroupColumn(group, "band" if group.bands else "text", field))
            elif field.is_link:
                target_spec = registry.get(field.target or "")
                target = models[target_spec.slug].__table__.alias(f"link_{group.name}")
                joined = joined.outerjoin(target, target.c.id == column)
                keys = [target.c.id, target.c[target_spec.title]]
                readers.append(GroupColumn(group, "link", field, 2))
            else:
                keys = [column]
                readers.append(GroupColumn(group, field.type if field.type in ("choice", "boolean") else "text",
                                           field))
        selected += [key.label(f"g_{group.name}_{index}") for index, key in enumerate(keys)]
        grouped += keys
    return joined, selected, grouped, readers


def _unit_key(org_column: Any, dialect: str) -> Any:
    """The org column to group rows by unit. SQLite would walk the table in the org index's order to group it, one
    row lookup per record (three times a plain scan at 100,000 members); ``+ 0`` leaves it the scan, or the index
    of a WHERE condition such as the user's scope."""
    return org_column + 0 if dialect == "sqlite" else org_column


#: Measures whose per-unit partial results add up to the result of a group of units.
ADDITIVE = ("count", "sum")


def _adds_up_per_unit(report: ReportSpec, source: Source) -> bool:
    """Whether the report groups by a level of the org tree and only counts and sums: then the rows are first
    counted per org unit (one pass over the table, by its org index) and the units' partial results added up
    per unit at that level, instead of walking the tree once per row."""
    return (source.org_column is not None and any(group.org_level is not None for group in report.group_by)
            and all(measure.agg in ADDITIVE or measure.agg == "ratio" for measure in report.measures))


def _per_unit_select(report: ReportSpec, registry: Registry, models: Any, access: Access, source: Source,
                     where: list[Any], params: ReportParams, dialect: str) -> tuple[sa.Select[Any], list[GroupColumn]]:
    """``report_select`` for a report that ``_adds_up_per_unit``: the same rows and columns, from partial
    results per org unit (and per value of the other groups)."""
    inner: list[Any] = [_unit_key(source.org_column, dialect).label("org_id")]
    for group in report.group_by:
        if group.org_level is None:
            inner.append(_group_value(group, source, params, dialect).label(f"k_{group.name}"))
    partial_keys = list(inner)
    for measure in report.measures:
        if measure.agg != "ratio":
            expression, _ = _measure(measure, source, source.rows, registry, models, access, params, dialect)
            inner.append(expression.label(f"p_{measure.name}"))
    partial = (sa.select(*inner).select_from(source.rows).where(*where)
               .group_by(*(key.element for key in partial_keys)).subquery("per_unit"))
    joined, selected, grouped, readers = _groups(report, registry, models, partial, partial.c.org_id, source.fields,
                                                 lambda group: partial.c[f"k_{group.name}"])
    selected += [sa.func.sum(partial.c[f"p_{measure.name}"]).label(f"m_{measure.name}")
                 for measure in report.measures if measure.agg != "ratio"]
    return sa.select(*selected).select_from(joined).group_by(*grouped), readers


def _measure(measure: Measure, source: Source, joined: Any, registry: Registry, models: Any, access: Access,
             params: ReportParams, dialect: str) -> tuple[Any, Any]:
    if measure.agg == "count":
        if not measure.filters:
            return sa.func.count(), joined
        met = sa.and_(*(condition(item, source, params.today) for item in measure.filters))
        return sa.func.coalesce(sa.func.sum(sa.case((met, 1), else_=0)), 0), joined
    if measure.agg in ("sum", "avg"):
        column = source.column(measure.field or "")
        return (sa.func.sum(column) if measure.agg == "sum" else sa.func.avg(column)), joined
    if measure.agg == "distinct":
        return sa.func.count(sa.distinct(source.column(measure.field or ""))), joined
    # related: the other register's rows per org unit, in the user's scope there, joined by org id
    other_spec = registry.get(measure.register or "")
    other, other_where = source_for(ReportSpec(measure.name, measure.label, other_spec.slug, (), ()), registry,
                                    models, access, params)
    unit = _unit_key(other.org_column, dialect)
    counted = sa.select(unit.label("org_id"), sa.func.count().label("n")).where(
        *other_where, *(condition(item, other, params.today) for item in measure.filters)).group_by(
        unit).subquery(f"related_{measure.name}")
    joined = joined.outerjoin(counted, counted.c.org_id == source.org_column)
    return sa.func.coalesce(sa.func.sum(counted.c.n), 0), joined


def _level_cte(orgs: sa.Table, tree_field: str, level: int) -> Any:
    """Every org unit's unit at ``level`` of the tree (itself when it lies at or above that level)."""
    parent = orgs.c[f"{tree_field}_id"]
    base = sa.select(orgs.c.id.label("id"), sa.literal(1, sa.Integer).label("depth"), orgs.c.id.label("anc")).where(
        parent.is_(None))
    levels = base.cte(f"org_level_{level}", recursive=True)
    child = orgs.alias("org_child")
    return levels.union_all(sa.select(child.c.id, levels.c.depth + 1, sa.case(
        (levels.c.depth + 1 <= level, child.c.id), else_=levels.c.anc)).where(
        child.c[f"{tree_field}_id"] == levels.c.id))
