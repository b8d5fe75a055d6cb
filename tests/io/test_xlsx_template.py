"""Tests for portal.io.xlsx_template: the import template workbook and its example row.

Sheet contents are read back with python-calamine; what calamine does not expose (comments, data
validations, number formats, frozen panes, sheet state) is checked in the xlsx XML.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from portal.io.readers import column_letter
from portal.io.columns import header_text, import_fields, needs_column
from portal.io.template_meta import META_SHEET, TemplateMeta, parse_meta, version_changes
from portal.io.xlsx_template import (INSTRUCTIONS_SHEET, LISTS_SHEET, example_row, help_examples, is_example_row,
                                     sheet_title, write_template)
from portal.registry.fieldtypes import FIELD_TYPES, field_type
from portal.registry.loader import load_registry
from portal.registry.spec import Choice, FieldSpec, Label, RegisterSpec, Registry, Screens

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REGISTRY = load_registry(SCHEMAS_DIR)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return REGISTRY


@pytest.fixture(scope="module")
def members_xlsx(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "members.xlsx"
    spec = registry.get("members")
    write_template(spec, import_fields(spec), registry, path)
    return path


def xml(path: Path | bytes, member: str) -> str:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(source) as archive:
        return archive.read(member).decode("utf-8")


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def column_formats(path: Path) -> dict[int, str]:
    """0-based column index -> number format code of the column style on the data sheet."""
    styles = ElementTree.fromstring(xml(path, "xl/styles.xml"))
    codes = {int(fmt.get("numFmtId")): fmt.get("formatCode") for fmt in styles.iterfind("m:numFmts/m:numFmt", NS)}
    codes.update({0: "General", 1: "0"})
    xfs = [int(xf.get("numFmtId", "0")) for xf in styles.iterfind("m:cellXfs/m:xf", NS)]
    sheet = ElementTree.fromstring(xml(path, "xl/worksheets/sheet1.xml"))
    formats = {}
    for col in sheet.iterfind("m:cols/m:col", NS):
        for index in range(int(col.get("min")) - 1, int(col.get("max"))):
            formats[index] = codes.get(xfs[int(col.get("style", "0"))], "?")
    return formats


def sample_spec(fields: tuple[FieldSpec, ...], label: str = "样例") -> RegisterSpec:
    return RegisterSpec(slug="sample", version=1, label=Label(label, "Sample"), key=fields[0].name,
                        title=fields[0].name, fields=fields, screens=Screens((), (), (), ()))


# --- the example row ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", REGISTRY.slugs)
def test_example_row_parses_for_every_register(registry: Registry, slug: str) -> None:
    spec = registry.get(slug)
    fields = import_fields(spec)
    example = example_row(spec, fields, registry)
    assert set(example) <= {field.name for field in fields}
    for field in fields:
        if field.name not in example:
            assert not needs_column(field) or field.target == slug, f"{slug}.{field.name} has no example"
            continue
        value = example[field.name]
        if field.is_link:
            assert isinstance(value, str) and value.strip(), f"{slug}.{field.name}"
        else:
            field_type(field.type).parse(value, field)  # raises on an invalid example


def test_example_values(registry: Registry) -> None:
    members = registry.get("members")
    example = example_row(members, import_fields(members), registry)
    assert example["name"] == "张三"
    assert example["id_card"] == "11010519491231002X"
    assert example["phone"] == "13812345678"
    assert example["email"] == "zhangsan@example.com"
    assert example["org_unit"] == "A01"
    assert example["ethnicity"] == "汉族"
    assert example["education"] == "研究生"
    assert example["is_migrant_worker"] == "否"
    assert example["joined_on"] == date(2020, 1, 5)
    assert float(example["monthly_wage"]) == 5000.0
    assert "notes" not in example
    assert "gender" not in example and "age" not in example

    dues = registry.get("dues")
    example = example_row(dues, import_fields(dues), registry)
    assert example["member"] == "11010519491231002X"
    assert example["record_no"] == "HY000123-202401"
    assert example["month"] == "2024-01"

    org_units = registry.get("org_units")
    example = example_row(org_units, import_fields(org_units), registry)
    assert example["code"] == "A01"
    assert "parent" not in example  # the example is a top-level unit

    activists = registry.get("activists")
    example = example_row(activists, import_fields(activists), registry)
    assert 2000 <= example["award_year"] <= 2100


def test_help_examples() -> None:
    def field(text: str) -> FieldSpec:
        return FieldSpec("f", "string", Label("字段", "F"), help=Label(text, text))

    assert help_examples(field("大写字母开头，例如 A01、A01-1；导入和链接都按编码识别组织。")) == ["A01", "A01-1"]
    assert help_examples(field("写全称，例如“汉族”“蒙古族”。"))[:2] == ["汉族", "蒙古族"]
    assert help_examples(field("例如“退休，保留会籍”“调往某某公司，转出”。"))[0] == "退休，保留会籍"
    assert help_examples(field("没有例子。")) == []


def test_examples_respect_pattern_limits_and_ranges(registry: Registry) -> None:
    fields = (
        FieldSpec("code", "string", Label("编码", "Code"), required=True, pattern="^[0-9]{6}$",
                  help=Label("例如 ABC、123456", "e.g. 123456")),
        FieldSpec("short", "string", Label("很长的字段名称", "Short"), max_length=4),
        FieldSpec("amount", "money", Label("金额", "Amount"), min=None, max=Decimal("100")),
        FieldSpec("count", "integer", Label("人数", "Count"), min=Decimal("10")),
        FieldSpec("ratio", "decimal", Label("比例", "Ratio"), max=Decimal("1")),
        FieldSpec("kind", "choice", Label("类型", "Kind"), choices=(Choice("甲", Label("甲", "A")),)),
        FieldSpec("flag", "boolean", Label("标记", "Flag")),
        FieldSpec("remark", "text", Label("说明", "Remark"), required=True),
    )
    spec = sample_spec(fields)
    example = example_row(spec, fields, Registry((spec,)))
    assert example["code"] == "123456"
    assert len(example["short"]) <= 4
    assert float(example["amount"]) == 100.0
    assert example["count"] == 10
    assert example["ratio"] <= 1
    assert example["kind"] == "甲" and example["flag"] == "否"
    assert example["remark"]
    for field in fields:
        field_type(field.type).parse(example[field.name], field)


def test_is_example_row(registry: Registry) -> None:
    spec = registry.get("members")
    fields = import_fields(spec)
    example = example_row(spec, fields, registry)
    read_back = {name: (float(value) if name == "monthly_wage" else value) for name, value in example.items()}
    read_back["notes"] = ""
    assert is_example_row(read_back, example, fields)
    assert not is_example_row({**read_back, "name": "李四"}, example, fields)
    assert not is_example_row({**read_back, "phone": ""}, example, fields)
    assert not is_example_row({**read_back, "notes": "有备注"}, example, fields)
    assert not is_example_row({}, {}, fields)


# --- the workbook ------------------------------------------------------------------------------------------------


def test_members_headers(members_xlsx: Path, registry: Registry) -> None:
    book = CalamineWorkbook.from_path(str(members_xlsx))
    assert book.sheet_names[0] == "会员"
    headers = book.get_sheet_by_name("会员").to_python()[0]
    assert headers[:3] == ["姓名*", "身份证号*", "所属工会*"]
    assert headers == [header_text(field) for field in import_fields(registry.get("members"))]
    for derived in ("性别", "出生日期", "年龄", "会费基数", "月应交会费"):
        assert derived not in headers and f"{derived}*" not in headers
    assert "会籍状态" in headers  # required, but has a default: no star


def test_sheets_order_visibility_and_active(members_xlsx: Path) -> None:
    book = CalamineWorkbook.from_path(str(members_xlsx))
    assert book.sheet_names == ["会员", INSTRUCTIONS_SHEET, META_SHEET]
    visible = {sheet.name: sheet.visible for sheet in book.sheets_metadata}
    assert visible["会员"] == SheetVisibleEnum.Visible
    assert visible[INSTRUCTIONS_SHEET] == SheetVisibleEnum.Visible
    assert visible[META_SHEET] == SheetVisibleEnum.Hidden
    workbook = xml(members_xlsx, "xl/workbook.xml")
    assert re.search(r'<sheet name="_portal" sheetId="\d+" state="hidden"', workbook)
    assert 'activeTab="' not in workbook or 'activeTab="0"' in workbook
    assert 'tabSelected="1"' in xml(members_xlsx, "xl/worksheets/sheet1.xml")
    assert 'tabSelected="1"' not in xml(members_xlsx, "xl/worksheets/sheet2.xml")


def test_meta_sheet_round_trip(members_xlsx: Path, registry: Registry) -> None:
    spec = registry.get("members")
    meta = parse_meta(sheet_rows(members_xlsx, META_SHEET))
    fields = import_fields(spec)
    assert meta == TemplateMeta("members", spec.version, tuple((f.name, header_text(f)) for f in fields))
    assert version_changes(meta, spec, fields) == []


def test_example_row_in_the_sheet(members_xlsx: Path, registry: Registry) -> None:
    spec = registry.get("members")
    fields = import_fields(spec)
    headers, row = sheet_rows(members_xlsx, "会员")[:2]
    values = dict(zip([field.name for field in fields], row))
    assert values["id_card"] == "11010519491231002X"
    assert values["phone"] == "13812345678"
    assert values["joined_on"] == date(2020, 1, 5)
    assert values["monthly_wage"] == 5000.0
    assert values["is_migrant_worker"] == "否"
    assert is_example_row(values, example_row(spec, fields, registry), fields)
    styles = xml(members_xlsx, "xl/styles.xml")
    assert "<i/>" in styles and 'rgb="FF808080"' in styles


def test_column_formats_widths_and_frozen_header(members_xlsx: Path, registry: Registry) -> None:
    fields = [field.name for field in import_fields(registry.get("members"))]
    formats = column_formats(members_xlsx)
    for name in ("id_card", "phone", "name", "education", "org_unit"):
        assert formats[fields.index(name)] == "@", name
    assert formats[fields.index("joined_on")] == "yyyy-mm-dd"
    assert formats[fields.index("monthly_wage")] == "#,##0.00"
    sheet = xml(members_xlsx, "xl/worksheets/sheet1.xml")
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" [^>]*state="frozen"', sheet)
    id_col = fields.index("id_card") + 1
    width = re.search(rf'<col min="{id_col}" max="{id_col}" width="([\d.]+)"', sheet)
    assert width and 22 <= float(width.group(1)) < 23


def test_required_headers_are_coloured(members_xlsx: Path) -> None:
    sheet = xml(members_xlsx, "xl/worksheets/sheet1.xml")
    required, optional = (re.search(rf'<c r="{cell}" s="(\d+)"', sheet) for cell in ("A1", "D1"))
    assert required and optional and required.group(1) != optional.group(1)
    assert 'rgb="FF9C0006"' in xml(members_xlsx, "xl/styles.xml")


def test_header_comments(members_xlsx: Path) -> None:
    comments = xml(members_xlsx, "xl/comments1.xml")
    assert comments.count("<comment ") == len(sheet_rows(members_xlsx, "会员")[0])
    assert "末位 X 大写" in comments  # help.zh of id_card
    assert FIELD_TYPES["id_card"].doc in comments
    assert "身份证号（必填）" in comments and "民族（选填）" in comments
    assert "可选值：研究生、大学本科、大学专科" in comments
    assert "也可识别：研究生学历、硕士" in comments and "本科、本科学历、大本（记为“大学本科”）" in comments
    assert "填写“组织机构”的组织编码" in comments
    vml = xml(members_xlsx, "xl/drawings/vmlDrawing1.vml")
    assert re.search(r"width:28[0-9]", vml)  # 380 px, wider than Excel's default


def test_drop_downs(members_xlsx: Path, registry: Registry) -> None:
    fields = [field.name for field in import_fields(registry.get("members"))]
    sheet = xml(members_xlsx, "xl/worksheets/sheet1.xml")
    validations = re.findall(r"<dataValidation [^>]*>.*?</dataValidation>", sheet)
    education = column_letter(fields.index("education"))
    found = next(v for v in validations if f'sqref="{education}2:{education}100001"' in v)
    assert 'type="list"' in found and "<formula1>\"研究生,大学本科,大学专科,中专/技校,高中,初中及以下\"</formula1>" in found
    assert 'showErrorMessage="1"' in found and 'errorTitle="不在可选值中"' in found and "请从下拉列表中选择" in found
    flag = column_letter(fields.index("is_migrant_worker"))
    assert any(f'sqref="{flag}2:{flag}100001"' in v and "<formula1>\"是,否\"</formula1>" in v for v in validations)
    joined = column_letter(fields.index("joined_on"))
    assert any(f'sqref="{joined}2:{joined}100001"' in v and "2020-01-05" in v for v in validations)
    assert not any(f'sqref="{column_letter(fields.index("name"))}2' in v for v in validations)


def test_instructions_sheet(members_xlsx: Path) -> None:
    rows = sheet_rows(members_xlsx, INSTRUCTIONS_SHEET)
    cells = [cell for row in rows for cell in row if cell]
    assert cells[0] == "会员导入模板（第 1 版）"
    assert "第 2 行是示例，导入时若未修改会自动忽略，也可以删除。" in cells
    assert any("*" in cell and "必填" in cell for cell in cells)
    assert any("2020-01-05" in cell for cell in cells)
    assert any("性别、出生日期、年龄" in cell for cell in cells)
    head = rows.index(["列名", "是否必填", "格式说明", "可选值", "填写提示"])
    table = {row[0]: row for row in rows[head + 1:]}
    assert table["身份证号*"][1] == "必填" and "末位 X 大写" in table["身份证号*"][4]
    assert table["学历"][1] == "选填" and table["学历"][3] == "研究生、大学本科、大学专科、中专/技校、高中、初中及以下"
    assert table["政治面貌"][3] == "中共党员、共青团员、民主党派、群众、其他"  # aliases are accepted, not offered
    assert table["会籍状态"][1] == "选填（留空时为“在籍”）"
    assert table["是否农民工"][3] == "是、否"
    assert "最长 50 字" in table["姓名*"][2]


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("slug", REGISTRY.slugs)
def test_every_register_writes(registry: Registry, slug: str) -> None:
    spec = registry.get(slug)
    fields = import_fields(spec)
    buffer = io.BytesIO()
    write_template(spec, fields, registry, buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names[:3] == [sheet_title(spec), INSTRUCTIONS_SHEET, META_SHEET]
    rows = book.get_sheet_by_name(sheet_title(spec)).to_python()
    assert rows[0] == [header_text(field) for field in fields]
    assert any(cell not in ("", None) for cell in rows[1])
    assert parse_meta(book.get_sheet_by_name(META_SHEET).to_python()) == TemplateMeta(
        slug, spec.version, tuple((field.name, header_text(field)) for field in fields))
    assert xml(data, "xl/worksheets/sheet1.xml").count("<dataValidation ") == sum(
        1 for field in fields if field.type in ("choice", "boolean", "date"))


@pytest.mark.filterwarnings("error::UserWarning")
def test_long_choice_list_goes_to_a_helper_sheet(tmp_path: Path) -> None:
    long_values = [f"第{index:02d}类非常长的帮扶救助项目名称" for index in range(30)]
    odd_values = ["甲,乙", "丙"]
    fields = (
        FieldSpec("code", "string", Label("编号", "Code"), required=True),
        FieldSpec("kind", "choice", Label("类别", "Kind"), choices=tuple(Choice(v, Label(v, v)) for v in long_values)),
        FieldSpec("pair", "choice", Label("组合", "Pair"), choices=tuple(Choice(v, Label(v, v)) for v in odd_values)),
        FieldSpec("short", "choice", Label("短", "Short"), choices=(Choice("是", Label("是", "Yes")),)),
    )
    spec = sample_spec(fields)
    path = tmp_path / "sample.xlsx"
    write_template(spec, fields, Registry((spec,)), path)

    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["样例", INSTRUCTIONS_SHEET, META_SHEET, LISTS_SHEET]
    visible = {sheet.name: sheet.visible for sheet in book.sheets_metadata}
    assert visible[LISTS_SHEET] == SheetVisibleEnum.Hidden
    lists = book.get_sheet_by_name(LISTS_SHEET).to_python()
    assert [row[0] for row in lists] == long_values
    assert [row[1] for row in lists if row[1]] == odd_values
    sheet = xml(path, "xl/worksheets/sheet1.xml")
    assert "<formula1>'_lists'!$A$1:$A$30</formula1>" in sheet
    assert "<formula1>'_lists'!$B$1:$B$2</formula1>" in sheet
    assert '<formula1>"是"</formula1>' in sheet
    assert re.search(r'<sheet name="_lists" sheetId="\d+" state="hidden"', xml(path, "xl/workbook.xml"))


def test_sheet_title_is_cleaned() -> None:
    field = FieldSpec("code", "string", Label("编号", "Code"))
    assert sheet_title(sample_spec((field,), "会员[2024]/名单:*?\\")) == "会员2024名单"
    assert len(sheet_title(sample_spec((field,), "很" * 40))) == 31
    assert sheet_title(sample_spec((field,), "[]")) == "sample"
    assert sheet_title(sample_spec((field,), "填写说明")) != INSTRUCTIONS_SHEET


def test_write_to_stream_and_path_match(tmp_path: Path, registry: Registry) -> None:
    spec = registry.get("dues")
    buffer = io.BytesIO()
    write_template(spec, import_fields(spec), registry, buffer)
    write_template(spec, import_fields(spec), registry, tmp_path / "dues.xlsx")
    from_stream = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    from_path = CalamineWorkbook.from_path(str(tmp_path / "dues.xlsx"))
    assert from_stream.sheet_names == from_path.sheet_names == ["会费缴纳", INSTRUCTIONS_SHEET, META_SHEET]
    assert (from_stream.get_sheet_by_name("会费缴纳").to_python()
            == from_path.get_sheet_by_name("会费缴纳").to_python())


@pytest.mark.filterwarnings("error::UserWarning")
def test_english_headers(registry: Registry) -> None:
    spec = registry.get("members")
    buffer = io.BytesIO()
    write_template(spec, import_fields(spec), registry, buffer, locale="en")
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    assert book.sheet_names[0] == "Members"
    assert book.get_sheet_by_name("Members").to_python()[0][:3] == ["Name*", "ID number*", "Union*"]
    meta = parse_meta(book.get_sheet_by_name(META_SHEET).to_python())
    assert meta is not None and meta.register == "members"
