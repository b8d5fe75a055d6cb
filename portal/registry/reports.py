"""Read ``schemas/reports/*.yaml`` into a ``ReportCatalogue``, strictly, against the loaded registry.

The reports live in a folder beside the register files (as the print templates do) so one
``PORTAL_SCHEMAS_DIR`` carries the registers and everything declared on them, ``portal check`` sees
both, and the register loader (``schemas/*.yaml``, not recursive) never mistakes a report for a register.
Every problem gets a code (``schema.E050``–``E057``, plus the generic E001–E005) and all are listed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from portal.registry.yaml_text import load_yaml
from portal.domain.relative_dates import is_relative
from portal.registry import meta
from portal.registry.derivations import is_stored
from portal.registry.problems import ProblemList, SchemaError, SchemaProblem
from portal.registry.report_spec import (AGGREGATES, BAND_BUCKETS, BUCKETS, BUILTINS, CHART_TYPES, OPERATORS,
                                         ChartSpec, GroupBy, Measure, ReportCatalogue, ReportFilter, ReportSpec)
from portal.registry.spec import FieldSpec, Label, RegisterSpec, Registry

REPORTS_FOLDER = "reports"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NUMERIC = frozenset({"integer", "decimal", "money"})
DATED = frozenset({"date", "month"})
ORG_REGISTER = "org_units"

#: The rows of a built-in query and their fields (``owed`` is masked as the dues register's ``amount_due``).
BUILTIN_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "dues_arrears": (
        FieldSpec("org_unit", "link", Label("所属工会", "Union"), target=ORG_REGISTER),
        FieldSpec("months", "integer", Label("连续未交月数", "Months unpaid")),
        FieldSpec("owed", "money", Label("欠缴金额", "Amount owed")),
    ),
}
#: A built-in query's field -> the register field whose masking it follows.
BUILTIN_MASKED_AS: dict[str, dict[str, str]] = {"dues_arrears": {"owed": "amount_due"}}


def reports_folder(schemas_dir: Path) -> Path:
    return Path(schemas_dir) / REPORTS_FOLDER


def load_reports(schemas_dir: Path, registry: Registry) -> ReportCatalogue:
    """Load and check every report; raise ``SchemaError`` on any problem."""
    catalogue, problems = read_reports(schemas_dir, registry)
    if problems:
        raise SchemaError(problems)
    return catalogue


def read_reports(schemas_dir: Path, registry: Registry) -> tuple[ReportCatalogue, list[SchemaProblem]]:
    """What can be loaded, with every problem found (no folder: no reports, no problem)."""
    files = sorted(reports_folder(schemas_dir).glob("*.yaml"))
    reports: list[ReportSpec] = []
    problems: list[SchemaProblem] = []
    for path in files:
        found = ProblemList(f"{REPORTS_FOLDER}/{path.name}")
        report = _read_file(path, registry, found)
        if report is not None:
            reports.append(report)
        problems.extend(found.items)
    return ReportCatalogue(tuple(reports)), sorted(problems)


def fields_of(report: ReportSpec, registry: Registry) -> dict[str, FieldSpec]:
    """The fields a report may use: its register's (stored ones) or its built-in query's."""
    if report.builtin:
        return {field.name: field for field in BUILTIN_FIELDS.get(report.builtin, ())}
    if report.register not in registry:
        return {}
    return {field.name: field for field in registry.get(report.register).fields}


def _read_file(path: Path, registry: Registry, problems: ProblemList) -> ReportSpec | None:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.add("E001", "", f"无法读取：{error}".replace("\n", " "))
        return None
    if not isinstance(data, dict):
        problems.add("E002", "", "文件内容必须是“键: 值”的映射")
        return None
    _check_keys(data, meta.REPORT_KEYS, "", problems)
    name = data.get("report")
    if not isinstance(name, str) or not NAME.match(name) or name != path.stem:
        problems.add("E050", "report", f"report 是 {name!r}：应与文件名 '{path.stem}' 相同，只用小写英文字母、数字和下划线")
        return None
    register, builtin = data.get("register"), data.get("builtin")
    if builtin is not None and builtin not in BUILTINS:
        problems.add("E051", "builtin", f"未知的内置查询 {builtin!r}，可用：{', '.join(BUILTINS)}")
        return None
    if not isinstance(register, str) or register not in registry:
        problems.add("E051", "register", f"未知的登记簿 {register!r}，可用：{', '.join(registry.slugs)}")
        return None
    spec = registry.get(register)
    fields = ({field.name: field for field in BUILTIN_FIELDS[builtin]} if builtin
              else {field.name: field for field in spec.fields})
    placed = builtin is not None or spec.org_field is not None or register == ORG_REGISTER
    groups = tuple(_read_list(data.get("group_by"), "group_by", lambda item, where: _read_group(
        item, where, fields, placed, problems), problems))
    filters = _read_filters(data.get("filters"), "filters", fields, problems)
    measures = tuple(_read_list(data.get("measures"), "measures", lambda item, where: _read_measure(
        item, where, fields, spec, registry, problems), problems))
    if not measures and "measures" in data:
        problems.add("E054", "measures", "至少要有一个度量")
    names = [item.name for item in (*groups, *measures)]
    for duplicate in sorted({value for value in names if names.count(value) > 1}):
        problems.add("E057", "measures", f"列标识 '{duplicate}' 在分组和度量中重复")
    if sum(1 for group in groups if group.org_level is not None) > 1:
        problems.add("E053", "group_by", "一个报表只能有一个 org_level 分组")
    _check_ratios(measures, data.get("measures"), problems)
    chart = _read_chart(data.get("chart"), groups, measures, problems)
    dashboard = data.get("dashboard")
    if dashboard is not None and (isinstance(dashboard, bool) or not isinstance(dashboard, int)):
        problems.add("E005", "dashboard", f"dashboard 应为整数（顺序），当前为 {dashboard!r}")
        dashboard = None
    return ReportSpec(
        name=name, label=_label(data.get("label"), "label", problems) or Label(name, name), register=register,
        group_by=groups, measures=measures, filters=filters, chart=chart,
        description=_label(data["description"], "description", problems) if "description" in data else None,
        note=_label(data["note"], "note", problems) if "note" in data else None,
        builtin=builtin, dashboard=dashboard, source=path.name)


def _check_keys(data: dict[str, Any], specs: tuple[meta.KeySpec, ...], base: str, problems: ProblemList) -> None:
    known = meta.keys_by_name(specs)
    for key in data:
        if key not in known:
            problems.add("E003", f"{base}.{key}" if base else str(key), f"未知的键 '{key}'，可用的键：{', '.join(known)}")
    for spec in specs:
        if spec.required and spec.name not in data:
            problems.add("E004", f"{base}.{spec.name}" if base else spec.name, f"缺少必填的键 '{spec.name}'：{spec.doc}")


def _label(value: Any, path: str, problems: ProblemList) -> Label | None:
    if isinstance(value, dict) and set(value) == {"zh", "en"} and all(isinstance(v, str) and v for v in value.values()):
        return Label(value["zh"], value["en"])
    if value is not None:
        problems.add("E005", path, f"应为中英文名称 {{zh: ..., en: ...}}，当前为 {value!r}")
    return None


def _read_list(raw: Any, path: str, read: Any, problems: ProblemList) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add("E005", path, f"{path} 应为列表")
        return []
    out = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.add("E005", where, "每一项应为映射")
            continue
        value = read(item, where)
        if value is not None:
            out.append(value)
    return out


def _column_name(item: dict[str, Any], where: str, problems: ProblemList) -> str | None:
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        problems.add("E057", f"{where}.name", f"列标识 {name!r} 只能用小写英文字母、数字和下划线，并以字母开头")
        return None
    return name


def _field(name: Any, where: str, fields: dict[str, FieldSpec], problems: ProblemList) -> FieldSpec | None:
    field = fields.get(name) if isinstance(name, str) else None
    if field is None:
        problems.add("E052", where, f"字段 {name!r} 不存在，可用：{', '.join(fields)}")
        return None
    if not is_stored(field):
        problems.add("E052", where, f"字段 '{name}' 不保存在数据库中（读取时计算），不能用于报表")
        return None
    return field


def _read_group(item: dict[str, Any], where: str, fields: dict[str, FieldSpec], placed: bool,
                problems: ProblemList) -> GroupBy | None:
    _check_keys(item, meta.GROUP_KEYS, where, problems)
    name = _column_name(item, where, problems)
    label = _label(item.get("label"), f"{where}.label", problems)
    level, bucket, bands = item.get("org_level"), item.get("bucket"), item.get("bands") or []
    field = _field(item["field"], f"{where}.field", fields, problems) if "field" in item else None
    if name is None or label is None or ("field" in item and field is None):
        return None
    if level is not None:
        if isinstance(level, bool) or not isinstance(level, int) or level < 1 or field is not None or bucket:
            problems.add("E053", f"{where}.org_level", "org_level 应为正整数，且不能与 field、bucket 同时写")
            return None
        if not placed:
            problems.add("E053", f"{where}.org_level", "该登记簿没有所属组织（org_field），不能按组织树分组")
            return None
    elif field is None:
        problems.add("E053", where, "分组需要 field 或 org_level")
        return None
    if bucket is not None and (bucket not in BUCKETS or field is None or field.type not in DATED or (
            bucket in BAND_BUCKETS and field.type != "date")):
        problems.add("E053", f"{where}.bucket", f"bucket {bucket!r} 不适用：month/quarter/year 用于日期或年月字段，"
                                                f"age/days_ahead 用于日期字段")
        return None
    if (bucket in BAND_BUCKETS) != bool(bands) or not isinstance(bands, list) or not all(
            isinstance(edge, int) and not isinstance(edge, bool) and edge > 0 for edge in bands) or bands != sorted(
            set(bands)):
        problems.add("E053", f"{where}.bands", "bands 只用于 age、days_ahead，且必须是递增的正整数列表")
        return None
    return GroupBy(name=name, label=label, field=field.name if field else None, org_level=level, bucket=bucket,
                   bands=tuple(bands))


def _read_filters(raw: Any, path: str, fields: dict[str, FieldSpec], problems: ProblemList) -> tuple[ReportFilter, ...]:
    return tuple(_read_list(raw, path, lambda item, where: _read_filter(item, where, fields, problems), problems))


def _read_filter(item: dict[str, Any], where: str, fields: dict[str, FieldSpec],
                 problems: ProblemList) -> ReportFilter | None:
    _check_keys(item, meta.FILTER_KEYS, where, problems)
    field = _field(item.get("field"), f"{where}.field", fields, problems)
    op, value = item.get("op"), item.get("value")
    if field is None:
        return None
    if op not in OPERATORS:
        problems.add("E055", f"{where}.op", f"未知的运算符 {op!r}，可用：{', '.join(OPERATORS)}")
        return None
    message = _value_problem(field, op, value)
    if message:
        problems.add("E055", f"{where}.value", message)
        return None
    return ReportFilter(field.name, op, tuple(value) if isinstance(value, list) else value)


def _value_problem(field: FieldSpec, op: str, value: Any) -> str | None:
    if op in ("blank", "not_blank"):
        return None if value is None else f"{op} 不需要 value"
    if op in ("in", "not_in", "between"):
        if not isinstance(value, list) or not value or (op == "between" and len(value) != 2):
            return f"{op} 的值应为列表" + ("（两项：从、到）" if op == "between" else "")
        return next((problem for one in value if (problem := _one_value_problem(field, one))), None)
    if op in ("ge", "le", "gt", "lt") and field.type not in NUMERIC | DATED:
        return f"{op} 只用于数字、日期和年月字段，'{field.name}' 是 {field.type}"
    return _one_value_problem(field, value)


def _one_value_problem(field: FieldSpec, value: Any) -> str | None:
    if field.type == "choice" and value not in field.choice_values:
        return f"{value!r} 不是 '{field.name}' 的选项（{'、'.join(field.choice_values)}）"
    if field.type in DATED and not (is_relative(value) or isinstance(value, str) or hasattr(value, "year")):
        return f"{value!r} 不是日期：写 2026-01-01、today、today+30d 之类"
    if field.type in NUMERIC and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{value!r} 不是数字"
    if field.type == "boolean" and not isinstance(value, bool):
        return f"{value!r} 应为 true 或 false"
    if field.type == "link":
        return "链接字段只能用 blank、not_blank 筛选"
    return None


def _read_measure(item: dict[str, Any], where: str, fields: dict[str, FieldSpec], spec: RegisterSpec,
                  registry: Registry, problems: ProblemList) -> Measure | None:
    _check_keys(item, meta.MEASURE_KEYS, where, problems)
    name = _column_name(item, where, problems)
    label = _label(item.get("label"), f"{where}.label", problems)
    agg = item.get("agg")
    if name is None or label is None:
        return None
    if agg not in AGGREGATES:
        problems.add("E054", f"{where}.agg", f"未知的 agg {agg!r}，可用：{', '.join(AGGREGATES)}")
        return None
    field: FieldSpec | None = None
    register: str | None = None
    filters: tuple[ReportFilter, ...] = ()
    if agg in ("sum", "avg", "distinct"):
        field = _field(item.get("field"), f"{where}.field", fields, problems)
        if field is None:
            return None
        if agg != "distinct" and field.type not in NUMERIC:
            problems.add("E054", f"{where}.field", f"{agg} 只用于数字字段，'{field.name}' 是 {field.type}")
            return None
    if agg == "count":
        filters = _read_filters(item.get("filters"), f"{where}.filters", fields, problems)
    if agg == "related":
        register = str(item.get("register"))
        if spec.slug != ORG_REGISTER or register not in registry or not registry.get(register).org_field:
            problems.add("E054", f"{where}.register", "related 只用于 org_units 的报表，register 须是有所属组织的登记簿")
            return None
        other = {field.name: field for field in registry.get(register).fields}
        filters = _read_filters(item.get("filters"), f"{where}.filters", other, problems)
    of = item.get("of") or []
    if agg == "ratio" and not (isinstance(of, list) and len(of) == 2 and all(isinstance(one, str) for one in of)):
        problems.add("E054", f"{where}.of", "ratio 需要 of: [分子, 分母]（两个度量的 name）")
        return None
    return Measure(name=name, label=label, agg=agg, field=field.name if field else None, register=register,
                   filters=filters, of=tuple(of) if agg == "ratio" else (), percent=bool(item.get("percent")),
                   unit=_unit(item.get("unit"), f"{where}.unit", problems))


def _unit(value: Any, path: str, problems: ProblemList) -> Label:
    """A measure's unit: one text for both languages, or ``{zh: 人, en: ""}`` (English may go without)."""
    if value is None or value == "":
        return Label("", "")
    if isinstance(value, str):
        return Label(value, value)
    if (isinstance(value, dict) and set(value) == {"zh", "en"} and all(isinstance(v, str) for v in value.values())
            and value["zh"]):
        return Label(value["zh"], value["en"])
    problems.add("E005", path, f"单位应为文字，或中英文 {{zh: 人, en: people}}（英文可留空：\"\"），当前为 {value!r}")
    return Label("", "")


def _check_ratios(measures: tuple[Measure, ...], raw: Any, problems: ProblemList) -> None:
    plain = {measure.name for measure in measures if measure.agg != "ratio"}
    position = {item.get("name"): index for index, item in enumerate(raw) if isinstance(item, dict)} if isinstance(
        raw, list) else {}
    for measure in measures:
        index = position.get(measure.name, 0)
        if measure.agg == "ratio" and not set(measure.of) <= plain:
            problems.add("E054", f"measures[{index}].of", f"ratio 的 {list(measure.of)} 须是本报表中非比率度量的 name")


def _read_chart(raw: Any, groups: tuple[GroupBy, ...], measures: tuple[Measure, ...],
                problems: ProblemList) -> ChartSpec:
    if raw is None:
        return ChartSpec()
    if not isinstance(raw, dict):
        problems.add("E005", "chart", "chart 应为映射（type、x、series、measures）")
        return ChartSpec()
    _check_keys(raw, meta.CHART_KEYS, "chart", problems)
    kind, x, series, drawn = raw.get("type", "bar"), raw.get("x"), raw.get("series"), raw.get("measures") or []
    group_names, measure_names = {group.name for group in groups}, {measure.name for measure in measures}
    if kind not in CHART_TYPES:
        problems.add("E056", "chart.type", f"未知的图表类型 {kind!r}，可用：{', '.join(CHART_TYPES)}")
        kind = "table"
    for key, value in (("x", x), ("series", series)):
        if value is not None and value not in group_names:
            problems.add("E056", f"chart.{key}", f"{value!r} 不是本报表的分组（{', '.join(sorted(group_names)) or '无'}）")
    if series is not None and series == x:
        problems.add("E056", "chart.series", "series 不能与 x 是同一个分组")
    if not isinstance(drawn, list) or not set(drawn) <= measure_names:
        problems.add("E056", "chart.measures", f"chart.measures 须是本报表的度量（{', '.join(sorted(measure_names))}）")
        drawn = []
    return ChartSpec(type=kind, x=x, series=series, measures=tuple(drawn))
