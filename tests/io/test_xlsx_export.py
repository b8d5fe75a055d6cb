"""Records to .xlsx and .csv without an app: typed cells, masking as on screen, formula-safe text.

The registers come from ``schemas/`` and the roles from ``permissions/roles.yaml``; records are plain
objects with the field attributes, and a linked record is a small object carrying ``__register__``.
Files are read back with python_calamine (values and types) and, for what a reader does not expose
(number formats, the frozen header, the autofilter, formulas), from the sheet and style XML.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

import pytest
from python_calamine import CalamineWorkbook

from portal.io import xlsx_export
from portal.io.xlsx_export import (
    FORMULA_STARTS,
    columns_for,
    export_fields,
    safe_text,
    write_csv,
    write_xlsx,
)
from portal.registry.loader import load_registry
from portal.registry.spec import RegisterSpec, Registry
from portal.security.access import NO_ACCESS, SYSTEM_ACCESS, Access
from portal.security.roles import RoleSpec, read_roles

ROOT = Path(__file__).resolve().parents[2]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: Excel's built-in number formats that can appear as a bare numFmtId.
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 14: "m/d/yyyy", 49: "@"}

ID = "11010519491231002X"
ID_MASKED = "110105********002X"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schemas")


@pytest.fixture(scope="module")
def roles(registry: Registry) -> dict[str, RoleSpec]:
    return read_roles(ROOT / "permissions" / "roles.yaml", registry)


def access_as(roles: dict[str, RoleSpec], role: str) -> Access:
    """A user with one role of ``roles.yaml``, scope all (row scope is not the writer's concern)."""
    return Access(username=f"{role}_user", roles=(roles[role],), org_ids=None)


# -- records ----------------------------------------------------------------------------------------

class Linked:
    """A linked record as the writer sees it: its register, its key and title, and ``str`` = title."""

    def __init__(self, spec: RegisterSpec, **values: Any) -> None:
        self.__register__ = spec
        self.__dict__.update(values)

    def __str__(self) -> str:
        return str(getattr(self, self.__register__.title))


def org_unit(registry: Registry, code: str = "A01", name: str = "机加工车间分工会") -> Linked:
    return Linked(registry.get("org_units"), id=4, code=code, name=name)


def member(registry: Registry, **overrides: Any) -> SimpleNamespace:
    """A member with every export field filled in (born 1949-12-31; the 17th digit, 2, is even: 女)."""
    values: dict[str, Any] = {
        "name": "张三",
        "id_card": ID,
        "gender": "女",
        "birth_date": date(1949, 12, 31),
        "age": 74,
        "ethnicity": "汉族",
        "education": "大学本科",
        "political_status": "中共党员",
        "phone": PHONE,
        "email": "zhangsan@example.cn",
        "org_unit": org_unit(registry),
        "hukou_type": "非农业",
        "employer": "第一机械厂",
        "employment_status": "在岗",
        "is_migrant_worker": True,
        "joined_on": date(2010, 5, 4),
        "member_card_no": "HY000123",
        "status": "在籍",
        "status_changed_on": None,
        "status_reason": None,
        "monthly_wage": Decimal("5234.56"),
        "dues_base": Decimal("5230.00"),
        "dues_amount": Decimal("26.15"),
        "notes": "",
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def dues_record(registry: Registry, **overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "record_no": "HY000123-202401",
        "member": Linked(registry.get("members"), id=1, org_unit_id=4, name="张三", id_card=ID),
        "org_unit": org_unit(registry),
        "month": "2024-01",
        "wage": Decimal("5234.56"),
        "dues_base": Decimal("5230"),
        "amount_due": Decimal("26.15"),
        "amount_paid": Decimal("1200"),
        "paid_on": date(2024, 1, 15),
        "payment_method": "工资代扣",
        "exempt": False,
        "notes": None,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


# -- reading files back -----------------------------------------------------------------------------

def export_xlsx(path: Path, spec: RegisterSpec, records: list[Any], access: Access = SYSTEM_ACCESS,
                locale: str = "zh", all_fields: bool = False) -> list[list[Any]]:
    columns = columns_for(spec, export_fields(spec, all_fields), access, locale)
    assert write_xlsx(spec, columns, records, path) == len(records)
    return read_rows(path)


def export_csv(path: Path, spec: RegisterSpec, records: list[Any], access: Access = SYSTEM_ACCESS,
               encoding: str = "utf-8") -> list[list[str]]:
    columns = columns_for(spec, export_fields(spec), access)
    assert write_csv(columns, records, path, encoding) == len(records)
    text = path.read_bytes().decode("utf-8-sig" if encoding == "utf-8" else encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def read_rows(path: Path) -> list[list[Any]]:
    with CalamineWorkbook.from_path(str(path)) as book:
        return book.get_sheet_by_index(0).to_python()


def by_header(rows: list[list[Any]], row: int = 1) -> dict[str, Any]:
    return dict(zip(rows[0], rows[row]))


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def cell_format(path: Path, ref: str) -> str:
    """The number format of one cell (``"General"`` when the cell has no style)."""
    with zipfile.ZipFile(path) as archive:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    codes = dict(BUILTIN_FORMATS)
    for number_format in styles.iter(f"{MAIN}numFmt"):
        codes[int(number_format.get("numFmtId", "0"))] = number_format.get("formatCode", "")
    cell_xfs = styles.find(f"{MAIN}cellXfs")
    assert cell_xfs is not None
    xfs = list(cell_xfs)
    for cell in sheet.iter(f"{MAIN}c"):
        if cell.get("r") == ref:
            xf = xfs[int(cell.get("s", "0"))]
            return codes.get(int(xf.get("numFmtId", "0")), f"?{xf.get('numFmtId')}")
    raise AssertionError(f"no cell {ref}")


def cell_type(path: Path, ref: str) -> str | None:
    """The ``t`` attribute of one cell: ``inlineStr``/``s``/``str`` for text, ``None`` for a number."""
    for match in re.finditer(r'<c r="([A-Z]+\d+)"([^>]*)>', sheet_xml(path)):
        if match.group(1) == ref:
            found = re.search(r't="([^"]+)"', match.group(2))
            return found.group(1) if found else None
    raise AssertionError(f"no cell {ref}")


def ref(headers: list[Any], header: str, row: int = 2) -> str:
    index = headers.index(header)
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


# -- columns --------------------------------------------------------------------------------------

def test_export_fields_are_the_schemas_export_columns_or_every_field(registry: Registry) -> None:
    spec = registry.get("members")
    assert [field.name for field in export_fields(spec)] == list(spec.screens.export)
    assert export_fields(spec, all_fields=True) == spec.fields
    assert "age" not in spec.screens.export and "age" in [field.name for field in export_fields(spec, True)]


def test_columns_carry_chinese_headers_and_know_what_is_hidden(registry: Registry,
                                                               roles: dict[str, RoleSpec]) -> None:
    spec = registry.get("members")
    columns = columns_for(spec, export_fields(spec), access_as(roles, "auditor"))
    assert [column.header for column in columns][:4] == ["姓名", "身份证号", "性别", "出生日期"]
    hidden = {column.field.name for column in columns if column.hidden}
    # The auditor unmasks members.monthly_wage (and so its derivations), not the ID number or the phone;
    # the birth date gives the ID number away, the gender does not.
    assert hidden == {"id_card", "birth_date", "phone"}
    english = columns_for(spec, export_fields(spec), SYSTEM_ACCESS, "en")
    assert [column.header for column in english][:2] == ["Name", "ID number"]


# -- typed cells ----------------------------------------------------------------------------------

def test_member_cells_are_typed(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    spec = registry.get("members")
    rows = export_xlsx(path, spec, [member(registry), member(registry, name="李四", is_migrant_worker=False,
                                                              monthly_wage=Decimal("1200"), phone=None)])
    headers = rows[0]
    assert headers == [field.label.zh for field in export_fields(spec)]
    first = by_header(rows)

    assert first["姓名"] == "张三"
    # ID numbers and mobile numbers stay text: no scientific notation, no lost X, no lost leading digits.
    assert first["身份证号"] == ID and isinstance(first["身份证号"], str)
    assert first["手机号"] == PHONE and isinstance(first["手机号"], str)
    assert first["会员证号"] == "HY000123"
    for header in ("身份证号", "手机号"):
        assert cell_type(path, ref(headers, header)) in ("inlineStr", "s", "str")
        assert cell_format(path, ref(headers, header)) == "@"

    # Dates are real dates shown as yyyy-mm-dd.
    assert first["出生日期"] == date(1949, 12, 31)
    assert first["入会时间"] == date(2010, 5, 4)
    assert cell_format(path, ref(headers, "入会时间")) == "yyyy-mm-dd"
    assert cell_type(path, ref(headers, "入会时间")) is None

    # Money is a number with two decimals and a thousands separator.
    assert first["月工资收入"] == pytest.approx(5234.56) and isinstance(first["月工资收入"], float)
    assert first["会费基数"] == pytest.approx(5230.0) and first["月应交会费"] == pytest.approx(26.15)
    for header in ("月工资收入", "会费基数", "月应交会费"):
        assert cell_format(path, ref(headers, header)) == "#,##0.00"
        assert cell_type(path, ref(headers, header)) is None
    assert by_header(rows, 2)["月工资收入"] == pytest.approx(1200.0)

    # Choices by their Chinese label, booleans as 是/否, links as "title (key)".
    assert (first["性别"], first["学历"], first["政治面貌"], first["会籍状态"]) == ("女", "大学本科", "中共党员", "在籍")
    assert first["是否农民工"] == "是" and by_header(rows, 2)["是否农民工"] == "否"
    assert first["所属工会"] == "机加工车间分工会 (A01)"

    # Blanks stay blank.
    assert first["状态变更日期"] == "" and first["状态变更原因"] == "" and first["备注"] == ""
    assert by_header(rows, 2)["手机号"] == ""


def test_a_month_stays_text_and_a_linked_member_reads_by_name_and_id(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "dues.xlsx"
    spec = registry.get("dues")
    rows = export_xlsx(path, spec, [dues_record(registry)])
    headers = rows[0]
    row = by_header(rows)
    assert row["缴费月份"] == "2024-01" and isinstance(row["缴费月份"], str)
    assert cell_type(path, ref(headers, "缴费月份")) in ("inlineStr", "s", "str")
    assert cell_format(path, ref(headers, "缴费月份")) == "@"
    assert row["会员"] == f"张三 ({ID})"
    assert row["所属工会"] == "机加工车间分工会 (A01)"
    assert row["缴费日期"] == date(2024, 1, 15)
    assert row["实交会费"] == pytest.approx(1200.0)
    assert cell_format(path, ref(headers, "实交会费")) == "#,##0.00"
    assert row["缴费方式"] == "工资代扣" and row["免交"] == "否"
    assert row["备注"] == ""


def test_english_locale_reads_choices_and_booleans_in_english(registry: Registry, tmp_path: Path) -> None:
    rows = export_xlsx(tmp_path / "en.xlsx", registry.get("members"), [member(registry)], locale="en")
    row = by_header(rows)
    assert row["Gender"] == "Female" and row["Membership status"] == "Active"
    assert row["Migrant worker"] == "Yes"
    assert row["Education"] == "Bachelor's degree"


def test_a_value_that_is_not_a_choice_is_written_as_it_is(registry: Registry, tmp_path: Path) -> None:
    rows = export_xlsx(tmp_path / "odd.xlsx", registry.get("members"), [member(registry, education="博士后")])
    assert by_header(rows)["学历"] == "博士后"


def test_header_row_is_frozen_and_has_an_autofilter(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    spec = registry.get("members")
    records = [member(registry, name=f"会员{i}") for i in range(3)]
    rows = export_xlsx(path, spec, records)
    assert len(rows) == 4
    xml = sheet_xml(path)
    pane = re.search(r"<pane [^>]*/>", xml)
    assert pane is not None, xml[:500]
    assert 'ySplit="1"' in pane.group(0) and 'state="frozen"' in pane.group(0) and 'topLeftCell="A2"' in pane.group(0)
    last = ref(rows[0], rows[0][-1], row=4)
    assert f'<autoFilter ref="A1:{last}"/>' in xml
    with CalamineWorkbook.from_path(str(path)) as book:
        assert book.sheet_names == ["会员"]


def test_an_empty_selection_is_a_header_row(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    rows = export_xlsx(path, registry.get("members"), [])
    assert rows[0][0] == "姓名"
    assert all(value == "" for row in rows[1:] for value in row)
    assert "<autoFilter" in sheet_xml(path)


def test_progress_is_reported_every_few_thousand_rows(registry: Registry, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_export, "PROGRESS_EVERY", 2)
    spec = registry.get("members")
    columns = columns_for(spec, export_fields(spec), SYSTEM_ACCESS)
    calls: list[tuple[str, int, int]] = []
    records = [member(registry, name=f"会员{i}") for i in range(5)]
    assert write_xlsx(spec, columns, iter(records), tmp_path / "p.xlsx", lambda *a: calls.append(a), 5) == 5
    assert calls == [("rows", 2, 5), ("rows", 4, 5)]
    calls.clear()
    assert write_csv(columns, iter(records), tmp_path / "p.csv", progress=lambda *a: calls.append(a), total=5) == 5
    assert calls == [("rows", 2, 5), ("rows", 4, 5)]


# -- masking --------------------------------------------------------------------------------------

def test_a_viewer_gets_every_sensitive_value_masked(registry: Registry, roles: dict[str, RoleSpec],
                                                     tmp_path: Path) -> None:
    path = tmp_path / "viewer.xlsx"
    rows = export_xlsx(path, registry.get("members"), [member(registry)], access_as(roles, "viewer"))
    row = by_header(rows)
    assert row["身份证号"] == ID_MASKED
    assert row["手机号"] == PHONE_MASKED
    assert row["出生日期"] == "****-**-**"  # it would give the ID number away
    assert row["月工资收入"] == "****" and row["会费基数"] == "****" and row["月应交会费"] == "****"
    assert row["性别"] == "女"  # readable from the masked number's last digits anyway
    assert row["姓名"] == "张三" and row["所属工会"] == "机加工车间分工会 (A01)"
    xml = sheet_xml(path)
    assert ID not in xml and PHONE not in xml and "5234" not in xml and "1949-12-31" not in xml
    assert cell_type(path, ref(rows[0], "月工资收入")) in ("inlineStr", "s", "str")


def test_the_auditor_sees_wages_but_not_id_numbers_or_phones(registry: Registry, roles: dict[str, RoleSpec],
                                                             tmp_path: Path) -> None:
    rows = export_xlsx(tmp_path / "auditor.xlsx", registry.get("members"), [member(registry)],
                       access_as(roles, "auditor"))
    row = by_header(rows)
    assert row["身份证号"] == ID_MASKED and row["手机号"] == PHONE_MASKED
    assert row["月工资收入"] == pytest.approx(5234.56) and row["月应交会费"] == pytest.approx(26.15)


def test_the_clerk_sees_members_in_clear(registry: Registry, roles: dict[str, RoleSpec], tmp_path: Path) -> None:
    rows = export_xlsx(tmp_path / "clerk.xlsx", registry.get("members"), [member(registry)],
                       access_as(roles, "clerk"))
    row = by_header(rows)
    assert row["身份证号"] == ID and row["手机号"] == PHONE and row["出生日期"] == date(1949, 12, 31)
    assert row["月工资收入"] == pytest.approx(5234.56)


def test_no_access_masks_too(registry: Registry, tmp_path: Path) -> None:
    row = by_header(export_xlsx(tmp_path / "none.xlsx", registry.get("members"), [member(registry)], NO_ACCESS))
    assert row["身份证号"] == ID_MASKED and row["手机号"] == PHONE_MASKED and row["月工资收入"] == "****"


def test_a_linked_members_id_number_is_masked_in_the_link_text(registry: Registry, roles: dict[str, RoleSpec],
                                                                tmp_path: Path) -> None:
    spec = registry.get("dues")
    viewer = by_header(export_xlsx(tmp_path / "v.xlsx", spec, [dues_record(registry)], access_as(roles, "viewer")))
    assert viewer["会员"] == f"张三 ({ID_MASKED})"
    assert viewer["当月工资收入"] == "****" and viewer["应交会费"] == "****"
    assert viewer["实交会费"] == "****"  # masked_with the wage it gives away
    auditor = by_header(export_xlsx(tmp_path / "a.xlsx", spec, [dues_record(registry)], access_as(roles, "auditor")))
    assert auditor["会员"] == f"张三 ({ID_MASKED})"
    assert auditor["当月工资收入"] == pytest.approx(5234.56)


def test_a_linked_record_outside_the_readers_scope_reads_as_its_title(registry: Registry, roles: dict[str, RoleSpec],
                                                                     tmp_path: Path) -> None:
    spec = registry.get("dues")
    outside = dataclasses.replace(access_as(roles, "auditor"), org_ids=frozenset({99}))
    row = by_header(export_xlsx(tmp_path / "o.xlsx", spec, [dues_record(registry)], outside))
    assert row["会员"] == "张三" and row["所属工会"] == "机加工车间分工会"
    inside = dataclasses.replace(outside, org_ids=frozenset({4}))
    assert by_header(export_xlsx(tmp_path / "i.xlsx", spec, [dues_record(registry)], inside))["会员"] == \
        f"张三 ({ID_MASKED})"


def test_masked_values_in_csv(registry: Registry, roles: dict[str, RoleSpec], tmp_path: Path) -> None:
    rows = export_csv(tmp_path / "viewer.csv", registry.get("members"), [member(registry)], access_as(roles, "viewer"))
    row = dict(zip(rows[0], rows[1]))
    assert row["身份证号"] == ID_MASKED and row["手机号"] == PHONE_MASKED
    assert row["月工资收入"] == "****" and row["出生日期"] == "****-**-**"
    text = (tmp_path / "viewer.csv").read_text(encoding="utf-8-sig")
    assert ID not in text and PHONE not in text and "5234" not in text


# -- formula injection ----------------------------------------------------------------------------

DANGEROUS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("name", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_formula_like_text_is_a_string_cell_in_xlsx(registry: Registry, tmp_path: Path, name: str) -> None:
    path = tmp_path / "f.xlsx"
    records = [member(registry, name=name, employer=name, notes=name,
                      org_unit=org_unit(registry, "A9", name))]
    row = by_header(export_xlsx(path, registry.get("members"), records))
    assert row["姓名"] == name and row["工作单位"] == name and row["备注"] == name
    assert row["所属工会"] == f"{name} (A9)"
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml, "导出文件里出现了公式"
    assert cell_type(path, "A2") in ("inlineStr", "s", "str")


@pytest.mark.parametrize("name", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_formula_like_text_gets_a_leading_quote_in_csv(registry: Registry, tmp_path: Path, name: str) -> None:
    records = [member(registry, name=name, employer=name, notes=name, org_unit=org_unit(registry, "A9", name))]
    rows = export_csv(tmp_path / "f.csv", registry.get("members"), records)
    row = dict(zip(rows[0], rows[1]))
    assert row["姓名"] == "'" + name
    assert row["工作单位"] == "'" + name and row["备注"] == "'" + name
    assert row["所属工会"] == f"'{name} (A9)"
    assert len(rows) == 2  # a CR inside a value stays inside its (quoted) cell


def test_a_hyperlink_formula_reads_back_quoted_in_csv(registry: Registry, tmp_path: Path) -> None:
    rows = export_csv(tmp_path / "h.csv", registry.get("members"), [member(registry, name=HYPERLINK)])
    assert rows[1][0] == "'" + HYPERLINK


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("张三", "张三"), ("a=b", "a=b"), ("", ""), (" =x", " =x"), ("1-2", "1-2"),
])
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def test_formula_starts_are_the_owasp_list() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


# -- csv ------------------------------------------------------------------------------------------

def test_csv_is_utf8_with_a_bom_and_money_has_two_decimals(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    records = [member(registry), member(registry, name="李四", monthly_wage=Decimal("1200"), dues_base=Decimal("1200"),
                                        dues_amount=Decimal("6"), is_migrant_worker=None, joined_on=None)]
    rows = export_csv(path, registry.get("members"), records)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["姓名", "身份证号", "性别"]
    first, second = dict(zip(rows[0], rows[1])), dict(zip(rows[0], rows[2]))
    assert first["身份证号"] == ID and first["手机号"] == PHONE
    assert first["月工资收入"] == "5234.56" and first["会费基数"] == "5230.00" and first["月应交会费"] == "26.15"
    assert second["月工资收入"] == "1200.00" and second["月应交会费"] == "6.00"
    assert first["入会时间"] == "2010-05-04" and first["出生日期"] == "1949-12-31"
    assert first["所属工会"] == "机加工车间分工会 (A01)"
    assert first["是否农民工"] == "是" and second["是否农民工"] == ""
    assert second["入会时间"] == "" and first["状态变更原因"] == ""
    assert len(rows) == 3


def test_csv_in_gb18030(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "gb.csv"
    # 䶮 is outside GBK: only a real GB18030 file keeps it.
    records = [member(registry, name="刘䶮", employer="第一机械厂（总厂）")]
    rows = export_csv(path, registry.get("members"), records, encoding="gb18030")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    row = dict(zip(rows[0], rows[1]))
    assert row["姓名"] == "刘䶮" and row["工作单位"] == "第一机械厂（总厂）" and row["会籍状态"] == "在籍"
    assert row["月工资收入"] == "5234.56"


def test_csv_of_dues_keeps_the_month_as_written(registry: Registry, tmp_path: Path) -> None:
    rows = export_csv(tmp_path / "dues.csv", registry.get("dues"), [dues_record(registry)])
    row = dict(zip(rows[0], rows[1]))
    assert row["缴费月份"] == "2024-01" and row["缴费日期"] == "2024-01-15"
    assert row["实交会费"] == "1200.00" and row["会员"] == f"张三 ({ID})"


def test_the_amount_paid_is_masked_with_the_wage_it_gives_away(registry: Registry, roles: dict[str, RoleSpec],
                                                               tmp_path: Path) -> None:
    """实交会费 is 0.5 % of the wage base: a chair (wage masked) gets it masked, finance in clear."""
    dues = registry.get("dues")
    chair = dict(zip(*export_csv(tmp_path / "chair.csv", dues, [dues_record(registry)], access_as(roles, "chair"))))
    assert chair["实交会费"] == "****" and chair["应交会费"] == "****" and chair["缴费日期"] == "2024-01-15"
    finance = dict(zip(*export_csv(tmp_path / "finance.csv", dues, [dues_record(registry)],
                                   access_as(roles, "finance"))))
    assert finance["实交会费"] == "1200.00"
