"""Run a report for a user: refuse it when it would group, sum or filter a value the user sees masked,
else run its one aggregate query and shape the rows into the table, the chart and the API's data.

The same ``ReportResult`` feeds the report page's table, its chart, its xlsx and ``GET /api/v1/reports/<name>``,
so all four show the same numbers. Shaping works on the grouped rows (one per unit, month ...), never on records.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal.records.report_query import GroupColumn, ReportParams, report_select
from portal.registry.report_spec import Measure, ReportSpec
from portal.registry.reports import BUILTIN_MASKED_AS, fields_of
from portal.registry.spec import Registry
from portal.security.access import Access
from portal.texts import current_locale, gettext, lazy_gettext

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
UNKNOWN = lazy_gettext("Not filled in")
__all__ = ["ReportColumn", "ReportParams", "ReportRefused", "ReportResult", "refusal", "run_report"]


class ReportRefused(Exception):
    """The user may not see this report's numbers (a field it uses is masked for them)."""


@dataclass(frozen=True)
class ReportColumn:
    name: str
    label: str
    kind: str  # group or measure
    unit: str = ""

    @property
    def heading(self) -> str:
        return gettext("%(label)s (%(unit)s)", label=self.label, unit=self.unit) if self.unit else self.label


@dataclass
class ReportResult:
    report: ReportSpec
    title: str
    columns: list[ReportColumn]
    #: Group cells are texts; measure cells ints, Decimals or ``None`` (no value, e.g. a ratio over 0).
    rows: list[list[Any]]
    chart: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        """The API's body: columns, rows (amounts as strings, like the register API) and the chart's data."""
        return {"report": self.report.name, "title": self.title,
                "columns": [{"name": column.name, "label": column.label, "kind": column.kind, "unit": column.unit}
                            for column in self.columns],
                "rows": [[str(cell) if isinstance(cell, Decimal) else cell for cell in row] for row in self.rows],
                "chart": self.chart}


def refusal(report: ReportSpec, registry: Registry, access: Access) -> str | None:
    """Why the user may not see this report's numbers, or ``None``: a field it groups by, adds up or
    filters on is masked for them (grouping by it, or summing it, would give the values away)."""
    spec = registry.get(report.register)
    fields = fields_of(report, registry)
    masked_as = BUILTIN_MASKED_AS.get(report.builtin or "", {})
    uses: list[tuple[str, str, str]] = [(report.register, group.field, "group") for group in report.group_by
                                        if group.field]
    uses += [(report.register, item.field, "filter") for item in report.filters]
    for measure in report.measures:
        if measure.field:
            uses.append((report.register, measure.field, "sum"))
        uses += [(measure.register or report.register, item.field, "filter") for item in measure.filters]
    locale = current_locale()
    for register, name, verb in uses:
        if register == report.register and report.builtin:
            if name not in masked_as:
                continue
            label, name = fields[name].label.get(locale), masked_as[name]
        else:
            label = registry.get(register).field(name).label.get(locale)
        owner = registry.get(register) if register != report.register else spec
        if access.hidden(owner, owner.field(name)):
            if verb == "group":
                return gettext("This report groups by “%(field)s”, and the “%(field)s” you see is masked, so you "
                               "cannot view this report.", field=label)
            if verb == "sum":
                return gettext("This report adds up “%(field)s”, and the “%(field)s” you see is masked, so you "
                               "cannot view this report.", field=label)
            return gettext("This report filters by “%(field)s”, and the “%(field)s” you see is masked, so you "
                           "cannot view this report.", field=label)
    return None


def run_report(session: Any, report: ReportSpec, registry: Registry, models: Any, access: Access,
               params: ReportParams, locale: str = "zh") -> ReportResult:
    """The report's numbers in the user's scope; ``ReportRefused`` when a field it uses is masked for them."""
    reason = refusal(report, registry, access)
    if reason:
        raise ReportRefused(reason)
    dialect = session.get_bind().dialect.name
    query, readers = report_select(report, registry, models, access, params, dialect)
    plain = [measure for measure in report.measures if measure.agg != "ratio"]
    rows: list[tuple[list[Any], list[Any], dict[str, Any]]] = []
    for record in session.execute(query):
        values = list(record)
        cells, keys, position = [], [], 0
        for reader in readers:
            part = values[position:position + reader.width]
            position += reader.width
            text, key = _group_cell(reader, part, locale)
            cells.append(text)
            keys.append(key)
        measured = {measure.name: _number(measure, value) for measure, value in zip(plain, values[position:])}
        rows.append((keys, cells, measured))
    rows.sort(key=lambda row: row[0])
    columns = [ReportColumn(group.name, group.label.get(locale), "group") for group in report.group_by]
    columns += [ReportColumn(measure.name, measure.label.get(locale), "measure", measure.unit.get(locale))
                for measure in report.measures]
    table = [cells + [_ratio(measure, measured) if measure.agg == "ratio" else measured[measure.name]
                      for measure in report.measures] for _, cells, measured in rows]
    title = report.label.get(locale)
    return ReportResult(report, title, columns, table, _chart(report, title, [(cells, measured) for _, cells, measured
                                                                              in rows], locale))


def _group_cell(reader: GroupColumn, part: list[Any], locale: str) -> tuple[str, tuple[Any, ...]]:
    """The text shown for a group value, and a key that sorts the rows sensibly (tree code, choice order ...)."""
    group, value = reader.group, part[-1]
    if reader.kind in ("org", "link"):
        key, title = part
        return (str(title) if title is not None else str(UNKNOWN)), (key is None, str(key or ""))
    if reader.kind == "band":
        return _band_text(group.bucket or "", group.bands, value), (value is None, value if value is not None else 0)
    if value is None:
        return str(UNKNOWN), (True, 0, "")
    if reader.kind == "choice" and reader.field is not None:
        order = reader.field.choice_values
        return reader.field.choice_label(value, locale), (False, order.index(value) if value in order else len(order),
                                                          str(value))
    if reader.kind == "boolean":
        return (gettext("Yes") if value else gettext("No")), (False, 0 if value else 1, "")
    return str(value), (False, 0, str(value))


def _band_text(bucket: str, edges: tuple[int, ...], index: Any) -> str:
    if index is None:
        return str(UNKNOWN)
    index = int(index)
    if bucket == "age":
        if index == 0:
            return gettext("under %(age)s", age=edges[0])
        if index >= len(edges):
            return gettext("%(age)s and over", age=edges[-1])
        return gettext("%(low)s–%(high)s years", low=edges[index - 1], high=edges[index] - 1)
    if index < 0:
        return gettext("Overdue")
    if index == 0:
        return gettext("within %(days)s days", days=edges[0])
    if index >= len(edges):
        return gettext("after %(days)s days", days=edges[-1])
    return gettext("%(low)s–%(high)s days", low=edges[index - 1] + 1, high=edges[index])


def _number(measure: Measure, value: Any) -> Any:
    if value is None:
        return None
    if measure.agg in ("count", "distinct", "related"):
        return int(value)
    number = Decimal(str(value))
    if number == number.to_integral_value() and measure.agg == "sum" and not isinstance(value, (Decimal, float)):
        return int(number)
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(measure: Measure, measured: dict[str, Any]) -> Decimal | None:
    top, bottom = (measured.get(name) for name in measure.of)
    if top is None or not bottom:
        return None
    value = Decimal(top) / Decimal(bottom) * (100 if measure.percent else 1)
    return value.quantize(TENTH if measure.percent else CENT, rounding=ROUND_HALF_UP)


def _drawn(report: ReportSpec) -> list[Measure]:
    if report.chart.measures:
        return [report.measure(name) for name in report.chart.measures]
    plain = [measure for measure in report.measures if measure.agg != "ratio"]
    return plain or list(report.measures)


def _chart(report: ReportSpec, title: str, rows: list[tuple[list[str], dict[str, Any]]],
           locale: str) -> dict[str, Any] | None:
    """The data ``static/charts.js`` draws: categories along the x group, one series per value of the
    series group or per drawn measure (other groups added up; a ratio recomputed from the sums)."""
    if report.chart.type == "table":
        return None
    names = [group.name for group in report.group_by]
    x = names.index(report.chart.x) if report.chart.x else (0 if names else None)
    drawn = _drawn(report)
    category = (lambda cells: cells[x]) if x is not None else (lambda cells: title)
    units = {measure.unit.get(locale) for measure in drawn}
    chart: dict[str, Any] = {"type": report.chart.type, "unit": units.pop() if len(units) == 1 else "",
                             "integer": all(measure.agg in ("count", "distinct", "related") for measure in drawn)}
    if report.chart.series:
        by = names.index(report.chart.series)
        measure = drawn[0]
        table: OrderedDict[str, dict[str, Any]] = OrderedDict()
        series_names: list[str] = []
        for cells, measured in rows:
            table.setdefault(category(cells), {})
            if cells[by] not in series_names:
                series_names.append(cells[by])
            table[category(cells)][cells[by]] = measured.get(measure.name)
        chart["categories"] = list(table)
        chart["series"] = [{"name": name, "data": [_plot(values.get(name)) for values in table.values()]}
                           for name in series_names]
        return chart
    sums: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for cells, measured in rows:
        total = sums.setdefault(category(cells), {})
        for name, value in measured.items():
            if value is not None:
                total[name] = total.get(name, 0) + value
    chart["categories"] = list(sums)
    chart["series"] = [{"name": measure.label.get(locale), "data": [
        _plot(_ratio(measure, total) if measure.agg == "ratio" else total.get(measure.name)) for total in sums.values()]}
        for measure in drawn]
    return chart


def _plot(value: Any) -> Any:
    if value is None:
        return 0
    return float(value) if isinstance(value, Decimal) else value
