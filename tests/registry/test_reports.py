"""Report files: the shipped ones load against the shipped registers; mistakes get their codes, all at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.domain.relative_dates import resolve
from portal.registry.loader import load_registry
from portal.registry.reports import read_reports
from portal.security.roles import RolesError, read_roles

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")


def test_the_shipped_reports_load_without_problems() -> None:
    catalogue, problems = read_reports(ROOT / "schemas", REGISTRY)
    assert problems == []
    assert {"members_by_unit", "members_by_status", "members_by_age", "membership_rate", "dues_by_month",
            "dues_arrears", "assistance_by_type", "labour_contracts_expiring",
            "collective_contracts_renewal"} <= set(catalogue.names)
    rate = catalogue.get("membership_rate")
    assert [measure.agg for measure in rate.measures] == ["sum", "related", "ratio"]


BAD = """\
report: bad
label: {zh: 坏报表, en: Bad}
register: members
colour: red
group_by:
  - {name: unit, label: {zh: 单位, en: Unit}, org_level: 0}
  - {name: age, label: {zh: 年龄, en: Age}, field: age}
  - {name: when, label: {zh: 时间, en: When}, field: name, bucket: year}
measures:
  - {name: total, label: {zh: 合计, en: Total}, agg: sum, field: name}
  - {name: odd, label: {zh: 怪, en: Odd}, agg: median}
  - {name: rate, label: {zh: 比, en: Rate}, agg: ratio, of: [total, nothing]}
filters:
  - {field: status, op: eq, value: 不存在的状态}
  - {field: status, op: like, value: 在籍}
chart: {type: radar, x: nowhere}
"""


def test_every_mistake_in_a_report_is_listed_with_its_code(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (tmp_path / "reports" / "wrong_name.yaml").write_text(
        "report: other\nlabel: {zh: x, en: x}\nregister: nowhere\nmeasures: []\n", encoding="utf-8")
    catalogue, problems = read_reports(tmp_path, REGISTRY)
    found = {(problem.file, problem.code, problem.path) for problem in problems}
    assert ("reports/bad.yaml", "E003", "colour") in found
    assert ("reports/bad.yaml", "E053", "group_by[0].org_level") in found
    assert ("reports/bad.yaml", "E052", "group_by[1].field") in found  # age is computed when read
    assert ("reports/bad.yaml", "E053", "group_by[2].bucket") in found
    assert ("reports/bad.yaml", "E054", "measures[0].field") in found
    assert ("reports/bad.yaml", "E054", "measures[1].agg") in found
    assert ("reports/bad.yaml", "E054", "measures[2].of") in found
    assert ("reports/bad.yaml", "E055", "filters[0].value") in found
    assert ("reports/bad.yaml", "E055", "filters[1].op") in found
    assert ("reports/bad.yaml", "E056", "chart.type") in found
    assert ("reports/bad.yaml", "E056", "chart.x") in found
    assert ("reports/wrong_name.yaml", "E050", "report") in found
    assert all(str(problem).startswith("schema.E0") for problem in problems)


def test_a_role_may_only_name_reports_that_exist(tmp_path: Path) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("x:\n  label: X\n  reports: {members_by_unit: [read], nosuch: [read], members_by_age: [delete]}\n",
                    encoding="utf-8")
    catalogue, _ = read_reports(ROOT / "schemas", REGISTRY)
    with pytest.raises(RolesError) as error:
        read_roles(path, REGISTRY, catalogue.names)
    assert {(problem.code, problem.path) for problem in error.value.problems if problem.code == "R013"} == {
        ("R013", "x.reports.nosuch"), ("R013", "x.reports.members_by_age")}
    named = sorted({name for spec in REGISTRY if spec.workflow
                    for name in spec.workflow.roles})  # roles the shipped workflows name (approvers too) must exist
    stubs = "".join(f"{name}:\n  label: {name}\n" for name in named if name != "x")
    path.write_text('x:\n  label: X\n  reports: {"*": [read], dues_arrears: all}\n' + stubs, encoding="utf-8")
    role = read_roles(path, REGISTRY, catalogue.names)["x"]
    assert role.can_report("members_by_unit", "read") and not role.can_report("members_by_unit", "export")
    assert role.can_report("dues_arrears", "export")


def test_relative_dates() -> None:
    today = date(2026, 3, 31)
    assert resolve("today+90d", today) == date(2026, 6, 29)
    assert resolve("month_start-11m", today) == date(2025, 4, 1)
    assert resolve("year_start", today) == date(2026, 1, 1)
    assert resolve("today-1m", today) == date(2026, 2, 28)


UNITS = """\
report: units
label: {zh: 单位测试, en: Units}
register: members
group_by:
  - {name: status, label: {zh: 会籍, en: Status}, field: status}
measures:
  - {name: people, label: {zh: 人数, en: Members}, agg: count, unit: {zh: 人, en: ""}}
  - {name: wage, label: {zh: 工资, en: Wages}, agg: sum, field: monthly_wage, unit: {zh: 元, en: yuan}}
  - {name: same, label: {zh: 同, en: Same}, agg: count, unit: "%"}
  - {name: plain, label: {zh: 无, en: None}, agg: count}
  - {name: bad1, label: {zh: 坏, en: Bad}, agg: count, unit: [元]}
  - {name: bad2, label: {zh: 坏, en: Bad}, agg: count, unit: {zh: "", en: yuan}}
"""


def test_a_unit_is_written_per_language_or_once_for_both(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "units.yaml").write_text(UNITS, encoding="utf-8")
    catalogue, problems = read_reports(tmp_path, REGISTRY)
    assert {(problem.code, problem.path) for problem in problems} == {("E005", "measures[4].unit"),
                                                                      ("E005", "measures[5].unit")}
    assert all("单位应为文字" in str(problem) for problem in problems)
    (tmp_path / "reports" / "units.yaml").write_text(UNITS.split("  - {name: bad1")[0], encoding="utf-8")
    catalogue, problems = read_reports(tmp_path, REGISTRY)
    assert problems == []
    units = {measure.name: (measure.unit.get("zh"), measure.unit.get("en"))
             for measure in catalogue.get("units").measures}
    assert units == {"people": ("人", ""), "wage": ("元", "yuan"), "same": ("%", "%"), "plain": ("", "")}
