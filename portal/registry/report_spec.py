"""Typed description of the reports, as read from ``schemas/reports/*.yaml``.

A report counts or adds up the rows of one register: grouped by fields (a field's value, the org unit
at a level of the tree, a month/quarter/year of a date or month field, an age band or a days-ahead
band of a date), with measures (count, sum, average, distinct count, rows of another register per org
unit, a ratio of two measures), filters, and a chart. ``portal.records.reports`` turns one into one
aggregate SQL query. Pure data: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from portal.registry.spec import Label

#: Time buckets of a date or month field, and the bands of a date field.
TIME_BUCKETS = ("month", "quarter", "year")
BAND_BUCKETS = ("age", "days_ahead")
BUCKETS = TIME_BUCKETS + BAND_BUCKETS
#: Measure kinds: ``related`` counts another register's rows per org unit (on org_units only);
#: ``ratio`` divides two other measures of the same output row.
AGGREGATES = ("count", "sum", "avg", "distinct", "related", "ratio")
OPERATORS = ("eq", "ne", "in", "not_in", "ge", "le", "gt", "lt", "between", "blank", "not_blank")
CHART_TYPES = ("bar", "line", "pie", "table")
#: Reports computed over a named query instead of a register's rows.
BUILTINS = ("dues_arrears",)


@dataclass(frozen=True)
class ReportFilter:
    """``field op value``; dates may be written ``today``, ``today+30d``, ``year_start``, ``month_start-11m``."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class GroupBy:
    """One grouping column. ``org_level`` groups by the unit at that level of the org tree (1 = the
    root) that the row's org unit lies in (or is, when it lies above that level)."""

    name: str
    label: Label
    field: str | None = None
    org_level: int | None = None
    bucket: str | None = None
    bands: tuple[int, ...] = ()


@dataclass(frozen=True)
class Measure:
    name: str
    label: Label
    agg: str
    field: str | None = None
    #: ``related``: the register counted per org unit.
    register: str | None = None
    #: Only rows meeting these count (``count`` and ``related``).
    filters: tuple[ReportFilter, ...] = ()
    #: ``ratio``: (numerator, denominator) measure names.
    of: tuple[str, ...] = ()
    percent: bool = False
    #: Shown after the column name and on the chart's axis, in the page's language ("" for none).
    unit: Label = Label("", "")


@dataclass(frozen=True)
class ChartSpec:
    type: str = "bar"
    #: The group whose values run along the axis (default: the first).
    x: str | None = None
    #: A group whose values become the series, or ``None``: one series per listed measure.
    series: str | None = None
    #: The measures drawn (default: every measure that is not a ratio, or the ratio alone).
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportSpec:
    name: str
    label: Label
    register: str
    group_by: tuple[GroupBy, ...]
    measures: tuple[Measure, ...]
    filters: tuple[ReportFilter, ...] = ()
    chart: ChartSpec = ChartSpec()
    description: Label | None = None
    note: Label | None = None
    builtin: str | None = None
    #: Shown on the home dashboard, in this order (``None``: not on the dashboard).
    dashboard: int | None = None
    source: str = ""

    def measure(self, name: str) -> Measure:
        return next(item for item in self.measures if item.name == name)

    def group(self, name: str) -> GroupBy:
        return next(item for item in self.group_by if item.name == name)


@dataclass(frozen=True)
class ReportCatalogue:
    """All reports, in file-name order."""

    reports: tuple[ReportSpec, ...] = ()

    def __iter__(self) -> Iterator[ReportSpec]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    def __contains__(self, name: object) -> bool:
        return any(report.name == name for report in self.reports)

    def get(self, name: str) -> ReportSpec:
        for report in self.reports:
            if report.name == name:
                return report
        raise KeyError(f"unknown report {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(report.name for report in self.reports)
