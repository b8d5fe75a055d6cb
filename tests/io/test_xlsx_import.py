"""The spreadsheet import end to end, on both databases: what a clerk's file becomes in the registers.

Every file is built in ``tmp_path`` and imported through ``run_import`` with the system's rights or a
user's. Assertions are about what the clerk would see: the rows and columns named in the errors, the
values stored, and whether anything was written at all.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import hashlib
import json
import uuid
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa
import xlsxwriter
from python_calamine import CalamineWorkbook

from portal.domain.idcard import check_character
from portal.extensions import db
from portal.records import write as write_module
from portal.io.columns import import_fields
from portal.io.plan import ImportContext, ImportOptions
from portal.io.read_child import CHUNK_ROWS
from portal.io.readers import FileUnreadable, column_letter
from portal.io.sheet_limits import ReadLimits
from portal.records.batches import ImportBatch
from portal.io.template_meta import META_SHEET, meta_rows
from portal.records.write import UndoRefused, undo_batch
from portal.io.xlsx_import import ImportReport, run_import
from portal.io.xlsx_template import write_template
from portal.registry.spec import RegisterSpec
from portal.security.access import SYSTEM_ACCESS
from portal.security.audit import AuditEntry, acting_as
from portal.security.current import access_for_username
from tests.conftest import reading_children

PASSWORD = "Import-pass-2026"
MEMBER_HEADER = ["姓名", "身份证号", "所属工会"]
ORG_HEADER = ["组织编码", "组织名称", "组织类型", "上级组织"]


# -- building files ---------------------------------------------------------------------------------

def ident(birth: str, sequence: int, area: str = "110101") -> str:
    """A valid 18-character ID number; an odd ``sequence`` is a man, an even one a woman."""
    body = f"{area}{birth}{sequence:03d}"
    return body + check_character(body)


ID_MAN = ident("19900307", 11)
ID_WOMAN = ident("19851120", 22)
ID_3 = ident("19780615", 33)
ID_4 = ident("19950101", 44)
ID_5 = ident("20000229", 55)
ID_6 = ident("19691001", 66)


def wrong_check(number: str) -> str:
    """``number`` with a check character that does not match."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def write_xlsx(path: Path, rows: list[list[Any]], *, meta: list[list[Any]] | None = None,
               sheet_name: str = "Sheet1") -> Path:
    """An .xlsx whose first sheet holds ``rows`` as typed cells (``None`` = empty cell)."""
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(sheet_name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (date, datetime)):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    if meta is not None:
        hidden = book.add_worksheet(META_SHEET)
        for r, row in enumerate(meta):
            for c, value in enumerate(row):
                if isinstance(value, int) and not isinstance(value, bool):
                    hidden.write_number(r, c, value)
                else:
                    hidden.write_string(r, c, str(value))
        hidden.hide()
    book.close()
    return path


def add_text_row(path: Path, number: int, cells: dict[int, str]) -> None:
    """Append row ``number`` (1-based) of text cells to the first sheet of an existing .xlsx."""
    inner = "".join(f'<c r="{column_letter(col)}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
                    for col, text in sorted(cells.items()))
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                assert f'<row r="{number}"' not in text
                data = text.replace("</sheetData>", f'<row r="{number}">{inner}</row></sheetData>').encode("utf-8")
            target.writestr(info, data)


def read_back(path: Path) -> list[list[Any]]:
    with CalamineWorkbook.from_path(str(path)) as book:
        return book.get_sheet_by_index(0).to_python()


# -- running imports ------------------------------------------------------------------------------

def context(app: Any, slug: str, user: str | None = None, spec: RegisterSpec | None = None) -> ImportContext:
    """An import context inside the current app context."""
    state = app.extensions["portal"]
    access = access_for_username(user) if user else SYSTEM_ACCESS
    return ImportContext(spec or state.registry.get(slug), state.registry, state.models, db.session, access)


def import_file(app: Any, slug: str, path: Path, *, mode: str = "insert", partial: bool = False,
                dry_run: bool = False, user: str | None = None, errors_out: Path | None = None,
                spec: RegisterSpec | None = None, filename: str | None = None,
                org_unit: str | None = None) -> ImportReport:
    with app.app_context():
        ctx = context(app, slug, user, spec)
        with acting_as(user or "system"):
            return run_import(ctx, path, filename or path.name,
                              ImportOptions(mode=mode, partial=partial, org_unit=org_unit),
                              dry_run=dry_run, errors_out=errors_out)


def undo(app: Any, batch_id: int, slug: str = "members") -> dict[str, int]:
    with app.app_context():
        ctx = context(app, slug)
        batch = db.session.get(ImportBatch, batch_id)
        try:
            outcome = undo_batch(ctx, batch)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return outcome


def rows_of(app: Any, slug: str) -> list[dict[str, Any]]:
    with app.app_context():
        table = app.extensions["portal"].models[slug].__table__
        return [dict(row._mapping) for row in db.session.execute(sa.select(table).order_by(table.c.id))]


def by_key(app: Any, slug: str, key: str = "id_card") -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows_of(app, slug)}


def batch_count(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) or 0


def audit_count(app: Any, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action)) or 0


def get_batch(app: Any, batch_id: int) -> dict[str, Any]:
    with app.app_context():
        table = ImportBatch.__table__
        return dict(db.session.execute(sa.select(table).where(table.c.id == batch_id)).one()._mapping)


def audit_entries(app: Any, action: str, batch_id: int) -> list[dict[str, Any]]:
    """The batch's own line (``import`` or ``import_undo``): it names the batch, not a record."""
    with app.app_context():
        table = AuditEntry.__table__
        return [dict(row._mapping) for row in db.session.execute(
            sa.select(table).where(table.c.action == action, table.c.batch_id == batch_id))]


def errors(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def messages(report: ImportReport, row: int) -> list[str]:
    return [error.message for error in report.errors if error.row == row]


def new_user(app: Any, role: str, org_code: str | None) -> str:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org_code)
    return name


def members_file(path: Path, *rows: list[Any], header: list[str] = MEMBER_HEADER) -> Path:
    return write_xlsx(path, [header, *rows])


def add_org(admin_client: Any, code: str, name: str, parent: str, unit_type: str = "分工会") -> int:
    response = admin_client.post("/api/v1/org_units/", json={"code": code, "name": name, "unit_type": unit_type,
                                                            "parent": parent})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# -- a real clerk's file ---------------------------------------------------------------------------

def test_a_messy_members_file_is_imported_with_the_right_values(app: Any, org_tree: dict[str, int],
                                                               tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ["2024年第一机械厂会员花名册"],
        ["会员姓名", "身份证号码", "联系电话", "所属组织", "入会时间", "月工资", "性别"],
        [" 张三 ", ID_MAN, "１３８１２３４５６７８", "A01", date(2020, 1, 5), "5,000元", "女"],
        ["李四", f" {ID_WOMAN} ", " 139 0000 1111 ", "物流中心工会", 43835, "1,200.50", None],
        ["王五", ID_3, "13700001111", "A", "2020/1/5", 3000, None],
        ["赵六", ID_4, None, "车工一组", "2020.1.5", None, None],
        ["钱七", ID_5, None, " HQ ", "2020年1月5日", None, None],
        ["孙八", ID_6, None, "A01-1", "20200105", None, None],
    ])
    report = import_file(app, "members", path)
    assert report.errors == [] and report.problems == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (6, 6, 0, 0)
    assert report.committed and not report.blocked and report.batch_id is not None
    assert any("性别" in warning and "自动计算" in warning for warning in report.warnings)

    stored = by_key(app, "members")
    assert set(stored) == {ID_MAN, ID_WOMAN, ID_3, ID_4, ID_5, ID_6}
    man, woman = stored[ID_MAN], stored[ID_WOMAN]
    assert man["name"] == "张三"
    assert man["phone"] == "13812345678"
    assert man["org_unit_id"] == org_tree["A01"]
    assert man["gender"] == "男"  # from the ID number, not the file's 性别 column
    assert man["birth_date"] == date(1990, 3, 7)
    assert man["monthly_wage"] == Decimal("5000.00")
    assert man["dues_base"] == Decimal("5000.00")
    assert man["dues_amount"] == Decimal("25.00")
    assert man["status"] == "在籍"
    assert woman["phone"] == "13900001111"
    assert woman["org_unit_id"] == org_tree["B"]
    assert woman["gender"] == "女" and woman["birth_date"] == date(1985, 11, 20)
    assert woman["monthly_wage"] == Decimal("1200.50")
    assert woman["dues_base"] == Decimal("1200.00")
    assert woman["dues_amount"] == Decimal("6.00")
    assert stored[ID_3]["org_unit_id"] == org_tree["A"]
    assert stored[ID_4]["org_unit_id"] == org_tree["A01-1"]
    assert stored[ID_5]["org_unit_id"] == org_tree["HQ"]
    assert stored[ID_6]["org_unit_id"] == org_tree["A01-1"]
    assert stored[ID_4]["monthly_wage"] is None and stored[ID_4]["dues_base"] is None
    assert {row["joined_on"] for row in stored.values()} == {date(2020, 1, 5)}
    assert stored[ID_5]["birth_date"] == date(2000, 2, 29)


def test_a_rosters_usual_spellings_are_stored_as_the_schemas_options(app: Any, org_tree: dict[str, int],
                                                                     tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ["姓名", "身份证号码", "所属工会", "文化程度", "政治面貌", "就业状况", "户籍"],
        ["张三", ID_MAN, "A01", "本科", "党员", "在岗", "城镇户口"],
        ["李四", ID_WOMAN, "A01", "大专", "团员", "下岗", "农业户口"],
        ["王五", ID_3, "A01", "硕士", "群众", "失业", "农业"],
        ["赵六", ID_4, "A01", "中专", "中共党员", "无业", "非农业"],
    ])
    report = import_file(app, "members", path)
    assert report.errors == [] and report.problems == []
    assert report.created == 4 and report.committed
    stored = by_key(app, "members")
    columns = ("education", "political_status", "employment_status", "hukou_type")
    assert {key: tuple(row[name] for name in columns) for key, row in stored.items()} == {
        ID_MAN: ("大学本科", "中共党员", "在岗", "非农业"),
        ID_WOMAN: ("大学专科", "共青团员", "下(待)岗", "农业"),
        ID_3: ("研究生", "群众", "失(无)业", "农业"),
        ID_4: ("中专/技校", "中共党员", "失(无)业", "非农业"),
    }


def test_the_header_hukou_is_read_and_an_unknown_choice_names_the_options(app: Any, org_tree: dict[str, int],
                                                                         tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "户口", "政治面貌"]
    path = members_file(tmp_path / "members.xlsx", ["张三", ID_MAN, "A01", "农转居", "预备党员"],
                        ["李四", ID_WOMAN, "A01", "非农业户口", "党员"], header=header)
    report = import_file(app, "members", path, partial=True)
    assert report.warnings == []  # no column left out
    assert messages(report, 2) == ["政治面貌“预备党员”不在选项中，请从以下选项中选择：中共党员、共青团员、民主党派、群众、其他"]
    assert [(row["name"], row["hukou_type"], row["political_status"]) for row in rows_of(app, "members")] == [
        ("李四", "非农业", "中共党员")]


def test_a_csv_file_imports_like_a_workbook(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(f"会员花名册\n姓名,身份证号,所属工会,月工资\n张三,{ID_MAN},A01,\"4,567.89\"\n",
                    encoding="gb18030")
    report = import_file(app, "members", path)
    assert report.errors == [] and report.committed and report.created == 1
    man = by_key(app, "members")[ID_MAN]
    assert man["dues_base"] == Decimal("4560.00") and man["dues_amount"] == Decimal("22.80")


@pytest.mark.parametrize("cell", [1.10105194912310e17, "1.10105E+17"], ids=["number", "scientific-text"])
def test_an_id_number_stored_as_a_number_is_refused(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                     cell: Any) -> None:
    path = members_file(tmp_path / "m.xlsx", ["张三", cell, "A01"], ["李四", ID_WOMAN, "A01"])
    report = import_file(app, "members", path)
    assert errors(report) == [(2, "身份证号")]
    message = report.errors[0].message
    assert "被存成了数字" in message and "1.10105E+17" in message and "文本格式" in message
    assert not report.committed and report.blocked
    assert rows_of(app, "members") == []


def test_errors_carry_the_clerks_row_number_and_header_text(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [
        ["2024年会员花名册"],
        ["填报日期：2024年3月1日"],
        [],
        ["会员姓名", "身份证号码*", " 联系电话 ", "所属组织", "入会日期"],
        ["张三", ID_MAN, "13812345678", "A01", "2020-01-05"],
        ["李四", ID_WOMAN, "12345", "A01", "2020-13-45"],
        [None, ID_3, None, "A01", None],
        ["赵六", wrong_check(ident("19900307", 12)), None, "A01", None],
    ])
    report = import_file(app, "members", path)
    assert errors(report) == [(6, "联系电话"), (6, "入会日期"), (7, "会员姓名"), (8, "身份证号码*")]
    assert "手机号" in messages(report, 6)[0] and "12345" in messages(report, 6)[0]
    assert "2020-13-45" in messages(report, 6)[1]
    assert messages(report, 7) == ["姓名不能为空，请填写"]
    assert "校验位" in messages(report, 8)[0]
    assert [error.col_index for error in report.errors] == [2, 4, 0, 1]
    assert report.error_rows == 3
    assert report.as_json()["errors"][0] == {"row": 6, "column": "联系电话", "message": messages(report, 6)[0]}
    assert rows_of(app, "members") == []


def test_a_duplicate_id_in_the_file_points_back_to_the_first_row(app: Any, org_tree: dict[str, int],
                                                                 tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [
        ["会员名单"],
        MEMBER_HEADER,
        ["张三", ID_MAN, "A01"],
        ["李四", ID_WOMAN, "A01"],
        ["张三（重复）", ID_MAN.lower(), "A01"],
    ])
    report = import_file(app, "members", path)
    assert errors(report) == [(5, "身份证号")]
    assert "与第 3 行重复" in report.errors[0].message and ID_MAN in report.errors[0].message
    assert not report.committed
    assert rows_of(app, "members") == []


# -- insert, upsert and uniqueness ----------------------------------------------------------------

def test_insert_refuses_existing_records_and_upsert_updates_only_what_changed(app: Any, org_tree: dict[str, int],
                                                                             tmp_path: Path) -> None:
    header = ["姓名", "身份证号", "所属工会", "手机号", "工作单位", "月工资收入"]
    first = members_file(tmp_path / "first.xlsx",
                         ["张三", ID_MAN, "A01", "13812345678", "第一机械厂", 3000],
                         ["李四", ID_WOMAN, "A01", "13900001111", "第二机械厂", 4000], header=header)
    assert import_file(app, "members", first).created == 2
    before = by_key(app, "members")

    again = import_file(app, "members", first)
    assert errors(again) == [(2, "身份证号"), (3, "身份证号")]
    assert all("已存在" in error.message and "新增或更新" in error.message for error in again.errors)
    assert not again.committed and again.blocked

    second = members_file(tmp_path / "second.xlsx",
                          ["张三", ID_MAN, "A01", "13812345678", "第一机械厂", "3,000.00"],
                          ["李四", ID_WOMAN, "A01", "13900002222", None, 4500],
                          ["王五", ID_3, "B", None, None, None], header=header)
    report = import_file(app, "members", second, mode="upsert")
    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 1, 1, 1)
    assert report.committed
    assert any("空白单元格" in warning for warning in report.warnings)
    after = by_key(app, "members")
    assert after[ID_MAN] == before[ID_MAN]  # not touched at all, updated_at included
    changed = after[ID_WOMAN]
    assert changed["phone"] == "13900002222"
    assert changed["employer"] == "第二机械厂"  # blank cell: kept
    assert changed["monthly_wage"] == Decimal("4500.00")
    assert changed["dues_base"] == Decimal("4500.00") and changed["dues_amount"] == Decimal("22.50")
    assert changed["updated_at"] != before[ID_WOMAN]["updated_at"]
    assert changed["created_at"] == before[ID_WOMAN]["created_at"]
    assert after[ID_3]["org_unit_id"] == org_tree["B"]


def test_a_unique_value_held_by_another_member_is_refused(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "会员证号"]
    first = members_file(tmp_path / "first.xlsx", ["张三", ID_MAN, "A01", "HY0001"],
                         ["李四", ID_WOMAN, "A01", "HY0002"], header=header)
    assert import_file(app, "members", first).created == 2
    second = members_file(tmp_path / "second.xlsx",
                          ["张三", ID_MAN, "A01", None],  # keeps HY0001
                          ["李四", ID_WOMAN, "A01", "HY0001"],  # taken by 张三
                          ["王五", ID_3, "A01", "HY0002"],  # taken by 李四
                          ["赵六", ID_4, "A01", "HY0003"],
                          header=header)
    report = import_file(app, "members", second, mode="upsert")
    assert errors(report) == [(3, "会员证号"), (4, "会员证号")]
    assert report.errors[0].message == "会员证号“HY0001”已被其他记录使用，不能重复"
    assert report.errors[1].message == "会员证号“HY0002”已被其他记录使用，不能重复"
    assert not report.committed
    stored = by_key(app, "members")
    assert set(stored) == {ID_MAN, ID_WOMAN}
    assert stored[ID_WOMAN]["member_card_no"] == "HY0002"


def test_a_member_restating_their_own_unique_value_is_not_refused_but_another_taking_it_is(
        app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "会员证号"]
    first = members_file(tmp_path / "first.xlsx", ["张三", ID_MAN, "A01", "HY0001"],
                         ["李四", ID_WOMAN, "A01", "HY0002"], header=header)
    assert import_file(app, "members", first).created == 2
    again = members_file(tmp_path / "again.xlsx", ["张三", ID_MAN, "A01", "HY0001"],  # their own
                         ["李四", ID_WOMAN, "A01", "HY0009"],  # gives HY0002 up in this very file
                         ["王五", ID_3, "A01", "HY0002"], header=header)  # still 李四's when the file is read
    report = import_file(app, "members", again, mode="upsert")
    assert errors(report) == [(4, "会员证号")]
    assert report.errors[0].message == "会员证号“HY0002”已被其他记录使用，不能重复"
    same = members_file(tmp_path / "same.xlsx", ["张三", ID_MAN, "A01", "HY0001"],
                        ["李四", ID_WOMAN, "A01", "HY0002"], header=header)
    report = import_file(app, "members", same, mode="upsert")
    assert not report.errors and report.unchanged == 2 and report.committed


# -- links ----------------------------------------------------------------------------------------

def test_a_dues_row_finds_its_member_by_id_and_its_union_by_code(app: Any, org_tree: dict[str, int],
                                                                 tmp_path: Path) -> None:
    members = members_file(tmp_path / "members.xlsx", ["张三", ID_MAN, "A01"], ["李四", ID_WOMAN, "B"])
    assert import_file(app, "members", members).created == 2
    people = by_key(app, "members")
    dues = write_xlsx(tmp_path / "dues.xlsx", [
        ["缴费单号", "身份证号", "组织编码", "缴费月份", "当月工资", "实交会费", "免交"],
        ["D-202401-1", ID_MAN, "A01", "2024-01", 5005, "25.00", "否"],
        ["D-202401-2", "李四", "B", "2024年1月", "3,000", None, None],
    ])
    report = import_file(app, "dues", dues)
    assert report.errors == [] and report.created == 2 and report.committed
    stored = by_key(app, "dues", "record_no")
    one, two = stored["D-202401-1"], stored["D-202401-2"]
    assert one["member_id"] == people[ID_MAN]["id"] and one["org_unit_id"] == org_tree["A01"]
    assert one["month"] == "2024-01"
    assert one["dues_base"] == Decimal("5000.00") and one["amount_due"] == Decimal("25.00")
    assert one["exempt"] is False
    assert two["member_id"] == people[ID_WOMAN]["id"] and two["org_unit_id"] == org_tree["B"]
    assert two["amount_due"] == Decimal("15.00")


def test_per_capita_income_is_computed_on_import_and_a_typed_one_ignored(app: Any, org_tree: dict[str, int],
                                                                         tmp_path: Path) -> None:
    assert import_file(app, "members", members_file(tmp_path / "members.xlsx", ["张三", ID_MAN, "A01"])).created == 1
    header = ["档案编号", "身份证号", "所属工会", "困难类别", "家庭人口", "家庭年可支配收入", "刚性支出", "家庭月人均收入"]
    first = write_xlsx(tmp_path / "cases.xlsx", [header, ["KN-1", ID_MAN, "A", "相对困难", 3, 36000, 6000, 99999]])
    report = import_file(app, "assistance_cases", first)
    assert report.errors == [] and report.created == 1
    assert any("家庭月人均收入" in warning and "自动计算" in warning for warning in report.warnings)
    assert by_key(app, "assistance_cases", "case_no")["KN-1"]["per_capita_monthly_income"] == Decimal("833.33")

    # Only the household size changes: the income kept in the database is divided by the new size.
    size_only = write_xlsx(tmp_path / "size.xlsx", [header[:5], ["KN-1", ID_MAN, "A", "相对困难", 2]])
    report = import_file(app, "assistance_cases", size_only, mode="upsert")
    assert report.errors == [] and report.updated == 1
    assert by_key(app, "assistance_cases", "case_no")["KN-1"]["per_capita_monthly_income"] == Decimal("1250.00")
    undo(app, report.batch_id, "assistance_cases")
    restored = by_key(app, "assistance_cases", "case_no")["KN-1"]
    assert (restored["household_size"], restored["per_capita_monthly_income"]) == (3, Decimal("833.33"))


def test_a_link_that_matches_nothing_is_an_error(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    assert import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"])).created == 1
    dues = write_xlsx(tmp_path / "dues.xlsx", [
        ["缴费单号", "会员", "所属工会", "缴费月份"],
        ["D-1", ID_WOMAN, "A01", "2024-01"],
        ["D-2", ID_MAN, "ZZZ", "2024-01"],
        ["D-3", ID_MAN, "A01", "2024-01"],
    ])
    report = import_file(app, "dues", dues)
    assert errors(report) == [(2, "会员"), (3, "所属工会")]
    assert report.errors[0].message.startswith(f"会员找不到“{ID_WOMAN}”")
    assert report.errors[1].message.startswith("所属工会找不到“ZZZ”")
    assert not report.committed
    assert rows_of(app, "dues") == []


def test_a_name_shared_by_two_units_is_ambiguous(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                 tmp_path: Path) -> None:
    a02 = add_org(admin_client, "A02", "装配车间分工会", "A")
    add_org(admin_client, "B01", "装配车间分工会", "B")
    path = members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "装配车间分工会"], ["李四", ID_WOMAN, "A02"])
    report = import_file(app, "members", path)
    assert errors(report) == [(2, "所属工会")]
    assert report.errors[0].message == "所属工会“装配车间分工会”对应多条组织机构记录，请改填唯一的编号"
    assert rows_of(app, "members") == []
    partial = import_file(app, "members", path, partial=True)
    assert partial.committed and partial.created == 1
    assert by_key(app, "members")[ID_WOMAN]["org_unit_id"] == a02


# -- the user's scope -----------------------------------------------------------------------------

def test_a_clerk_imports_only_inside_their_own_branch(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                      tmp_path: Path) -> None:
    clerk = new_user(app, "clerk", "A")
    outside = import_file(app, "members", members_file(tmp_path / "b.xlsx", ["李四", ID_WOMAN, "B"]), user=clerk)
    assert errors(outside) == [(2, "所属工会")]
    assert "找不到“B”" in outside.errors[0].message and "权限范围" in outside.errors[0].message
    by_name = import_file(app, "members", members_file(tmp_path / "b2.xlsx", ["李四", ID_WOMAN, "物流中心工会"]),
                          user=clerk)
    assert errors(by_name) == [(2, "所属工会")]
    assert rows_of(app, "members") == []

    inside = import_file(app, "members", members_file(tmp_path / "a.xlsx", ["张三", ID_MAN, "A01"]), user=clerk)
    assert inside.errors == [] and inside.committed and inside.created == 1
    assert by_key(app, "members")[ID_MAN]["org_unit_id"] == org_tree["A01"]
    assert get_batch(app, inside.batch_id)["username"] == clerk

    # A member registered in B by someone else cannot be updated (or moved) by A's clerk.
    assert import_file(app, "members", members_file(tmp_path / "sys.xlsx", ["王五", ID_3, "B"])).created == 1
    moved = import_file(app, "members", members_file(tmp_path / "move.xlsx", ["王五（改）", ID_3, "A01"]),
                        mode="upsert", user=clerk)
    assert errors(moved) == [(2, "身份证号")]
    assert "权限范围以外" in moved.errors[0].message
    assert not moved.committed
    kept = by_key(app, "members")[ID_3]
    assert kept["name"] == "王五" and kept["org_unit_id"] == org_tree["B"]


def test_a_clerk_sees_only_their_own_unit_of_a_shared_name(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                           tmp_path: Path) -> None:
    a02 = add_org(admin_client, "A02", "装配车间分工会", "A")
    add_org(admin_client, "B01", "装配车间分工会", "B")
    clerk = new_user(app, "clerk", "A")
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "装配车间分工会"]),
                         user=clerk)
    assert report.errors == [] and report.committed
    assert by_key(app, "members")[ID_MAN]["org_unit_id"] == a02


# -- all or nothing, partial, dry run, failures ---------------------------------------------------

def three_rows_one_bad(path: Path) -> Path:
    return members_file(path, ["张三", ID_MAN, "A01", "13812345678"], ["李四", ID_WOMAN, "A01", "1381234"],
                        ["王五", ID_3, "B", None], header=[*MEMBER_HEADER, "手机号"])


def test_one_bad_row_and_nothing_is_written(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    batches = batch_count(app)
    report = import_file(app, "members", three_rows_one_bad(tmp_path / "m.xlsx"))
    assert errors(report) == [(3, "手机号")]
    assert not report.committed and report.blocked and report.batch_id is None
    assert report.error_rows == 1 and report.rows == 3
    assert rows_of(app, "members") == []
    assert batch_count(app) == batches


def test_partial_writes_the_valid_rows(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    report = import_file(app, "members", three_rows_one_bad(tmp_path / "m.xlsx"), partial=True)
    assert errors(report) == [(3, "手机号")]
    assert report.committed and not report.blocked and report.created == 2
    assert set(by_key(app, "members")) == {ID_MAN, ID_3}
    batch = get_batch(app, report.batch_id)
    assert batch["partial"] is True and (batch["rows"], batch["created"], batch["errors"]) == (3, 2, 1)


def test_a_dry_run_writes_nothing(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    batches = batch_count(app)
    path = members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"], ["李四", ID_WOMAN, "A01"])
    report = import_file(app, "members", path, dry_run=True)
    assert report.errors == [] and report.created == 2
    assert not report.committed and not report.blocked and report.batch_id is None
    assert rows_of(app, "members") == []
    assert batch_count(app) == batches


def test_a_failure_midway_leaves_the_database_as_it_was(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real = write_module.bulk_insert
    calls: list[int] = []

    def failing(connection: Any, table: Any, rows: list[dict[str, Any]], *constants: Any) -> None:
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("数据库连接中断")
        real(connection, table, rows, *constants)

    monkeypatch.setattr(write_module, "WRITE_CHUNK", 1)
    monkeypatch.setattr(write_module, "bulk_insert", failing)
    batches, audited = batch_count(app), audit_count(app, "import")
    path = members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"], ["李四", ID_WOMAN, "A01"],
                        ["王五", ID_3, "A01"])
    with pytest.raises(RuntimeError, match="数据库连接中断"):
        import_file(app, "members", path)
    assert calls == [1, 1]  # the first row had been sent to the database
    assert rows_of(app, "members") == []
    assert batch_count(app) == batches
    assert audit_count(app, "import") == audited
    monkeypatch.undo()
    report = import_file(app, "members", path)
    assert report.committed and report.created == 3


# -- batches, audit and undo ----------------------------------------------------------------------

def test_every_commit_records_a_batch_and_an_audit_entry(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "手机号"]
    first = import_file(app, "members", members_file(tmp_path / "first.xlsx", ["张三", ID_MAN, "A01", None],
                                                     ["王五", ID_3, "A01", None], header=header))
    assert first.committed
    path = members_file(tmp_path / "会员名单.xlsx", ["张三", ID_MAN, "A01", "13812345678"],
                        ["李四", ID_WOMAN, "A01", None], ["王五", ID_3, "A01", None], header=header)
    report = import_file(app, "members", path, mode="upsert")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1) and report.committed
    batch = get_batch(app, report.batch_id)
    assert batch["register"] == "members"
    assert batch["file_name"] == "会员名单.xlsx"
    assert batch["file_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch["rows"], batch["created"], batch["updated"], batch["unchanged"], batch["errors"]) == (3, 1, 1, 1, 0)
    assert batch["mode"] == "upsert" and batch["partial"] is False and batch["status"] == "committed"
    assert batch["username"] == "system"
    woman = by_key(app, "members")[ID_WOMAN]
    assert json.loads(batch["created_ids"]) == [[woman["id"], woman["id"]]]
    assert woman["updated_at"] == batch["at"] == woman["created_at"]
    entries = audit_entries(app, "import", report.batch_id)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["register"] == "members" and entry["username"] == "system"
    assert entry["record_key"] == "会员名单.xlsx"
    assert "新增 1" in entry["detail"] and "更新 1" in entry["detail"] and "未变 1" in entry["detail"]


def test_a_users_batch_and_audit_entry_carry_their_name(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    clerk = new_user(app, "clerk", "A")
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"]), user=clerk)
    assert report.committed
    batch = get_batch(app, report.batch_id)
    assert batch["username"] == clerk and batch["org_unit_id"] == org_tree["A"]
    assert [entry["username"] for entry in audit_entries(app, "import", report.batch_id)] == [clerk]


def test_undo_removes_created_rows_and_restores_updated_ones(app: Any, org_tree: dict[str, int],
                                                             tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "手机号", "月工资收入"]
    first = import_file(app, "members", members_file(tmp_path / "first.xlsx",
                                                     ["张三", ID_MAN, "A01", "13812345678", 3000],
                                                     ["李四", ID_WOMAN, "A01", None, None], header=header))
    assert first.committed
    before = by_key(app, "members")
    second = import_file(app, "members", members_file(tmp_path / "second.xlsx",
                                                      ["张三丰", ID_MAN, "B", "13800000000", "4,567.89"],
                                                      ["李四", ID_WOMAN, "A01", None, None],
                                                      ["王五", ID_3, "A01", None, None], header=header),
                         mode="upsert")
    assert (second.created, second.updated, second.unchanged) == (1, 1, 1)
    changed = by_key(app, "members")[ID_MAN]
    assert changed["dues_base"] == Decimal("4560.00") and changed["org_unit_id"] == org_tree["B"]

    assert undo(app, second.batch_id) == {"deleted": 1, "restored": 1}
    after = by_key(app, "members")
    assert set(after) == {ID_MAN, ID_WOMAN}
    restored = after[ID_MAN]
    for column in ("name", "phone", "org_unit_id", "monthly_wage", "dues_base", "dues_amount", "gender",
                   "birth_date"):
        assert restored[column] == before[ID_MAN][column], column
    assert restored["dues_base"] == Decimal("3000.00") and restored["dues_amount"] == Decimal("15.00")
    assert after[ID_WOMAN] == before[ID_WOMAN]
    batch = get_batch(app, second.batch_id)
    assert batch["status"] == "undone" and batch["undone_at"] is not None and batch["undone_by"] == "system"
    assert len(audit_entries(app, "import_undo", second.batch_id)) == 1

    with pytest.raises(UndoRefused) as again:
        undo(app, second.batch_id)
    assert "已经撤销过了" in again.value.message
    assert set(by_key(app, "members")) == {ID_MAN, ID_WOMAN}


def test_undo_of_an_insert_batch_removes_everything_it_created(app: Any, org_tree: dict[str, int],
                                                              tmp_path: Path) -> None:
    earlier = import_file(app, "members", members_file(tmp_path / "earlier.xlsx", ["王五", ID_3, "A01"]))
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"],
                                                      ["李四", ID_WOMAN, "B"]))
    assert earlier.committed and report.committed
    assert undo(app, report.batch_id) == {"deleted": 2, "restored": 0}
    assert set(by_key(app, "members")) == {ID_3}


def test_undo_is_refused_after_a_row_was_edited_on_screen(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                          tmp_path: Path) -> None:
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"],
                                                      ["李四", ID_WOMAN, "A01"]))
    member_id = by_key(app, "members")[ID_MAN]["id"]
    response = admin_client.put(f"/api/v1/members/{member_id}", json={"phone": "13812345678"})
    assert response.status_code == 200, response.get_json()
    with pytest.raises(UndoRefused) as refused:
        undo(app, report.batch_id)
    assert "1 条在导入后被修改或删除过" in refused.value.message
    stored = by_key(app, "members")
    assert set(stored) == {ID_MAN, ID_WOMAN} and stored[ID_MAN]["phone"] == "13812345678"
    assert get_batch(app, report.batch_id)["status"] == "committed"


def test_undo_is_refused_after_an_updated_row_was_changed_again(app: Any, org_tree: dict[str, int],
                                                                tmp_path: Path) -> None:
    header = [*MEMBER_HEADER, "手机号"]
    import_file(app, "members", members_file(tmp_path / "a.xlsx", ["张三", ID_MAN, "A01", None], header=header))
    report = import_file(app, "members", members_file(tmp_path / "b.xlsx", ["张三", ID_MAN, "A01", "13812345678"],
                                                      header=header), mode="upsert")
    assert report.updated == 1
    with app.app_context():
        table = app.extensions["portal"].models["members"].__table__
        db.session.execute(table.update().where(table.c.id_card == ID_MAN).values(
            employer="后来改的单位", updated_at=datetime(2030, 1, 1)))
        db.session.commit()
    with pytest.raises(UndoRefused):
        undo(app, report.batch_id)
    assert by_key(app, "members")[ID_MAN]["phone"] == "13812345678"


def test_undo_is_refused_when_a_created_member_now_has_dues(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                            tmp_path: Path) -> None:
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"]))
    response = admin_client.post("/api/v1/dues/", json={"record_no": "D-1", "member": ID_MAN, "org_unit": "A01",
                                                        "month": "2024-01"})
    assert response.status_code == 201, response.get_json()
    with pytest.raises(UndoRefused) as refused:
        undo(app, report.batch_id)
    assert "1 条会费缴纳" in refused.value.message
    assert set(by_key(app, "members")) == {ID_MAN}
    assert get_batch(app, report.batch_id)["status"] == "committed"


# -- org units: a tree in one file ----------------------------------------------------------------

# -- templates ------------------------------------------------------------------------------------

def test_the_templates_example_row_is_skipped(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "会员导入模板.xlsx"
    with app.app_context():
        state = app.extensions["portal"]
        spec = state.registry.get("members")
        fields = import_fields(spec)
        write_template(spec, fields, state.registry, path)
    columns = {field.name: index for index, field in enumerate(fields)}
    add_text_row(path, 3, {columns["name"]: "王五", columns["id_card"]: ID_3, columns["org_unit"]: "A01-1",
                           columns["phone"]: "13712345678"})
    report = import_file(app, "members", path)
    assert report.errors == [] and report.problems == [] and report.warnings == []
    assert (report.rows, report.created) == (1, 1) and report.committed
    stored = by_key(app, "members")
    assert set(stored) == {ID_3}
    assert stored[ID_3]["org_unit_id"] == org_tree["A01-1"] and stored[ID_3]["phone"] == "13712345678"


def test_only_the_example_row_is_like_an_empty_file(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    with app.app_context():
        state = app.extensions["portal"]
        spec = state.registry.get("members")
        write_template(spec, import_fields(spec), state.registry, path)
    report = import_file(app, "members", path)
    assert report.problems and "没有数据" in report.problems[0]
    assert report.blocked and not report.committed
    assert rows_of(app, "members") == []


def test_an_old_template_version_gives_a_warning_naming_the_change(app: Any, org_tree: dict[str, int],
                                                                   tmp_path: Path) -> None:
    with app.app_context():
        spec = app.extensions["portal"].registry.get("members")
    fields = import_fields(spec)
    meta = meta_rows(spec, fields)  # what a template of the schema's version 1 said
    meta = [["column", "phone", "手机"] if row[:2] == ["column", "phone"] else row for row in meta]
    path = write_xlsx(tmp_path / "old.xlsx", [["姓名*", "身份证号*", "所属工会*", "手机"],
                                             ["张三", ID_MAN, "A01", "13812345678"]], meta=meta, sheet_name="会员")
    current = dataclasses.replace(spec, version=2)  # the schema has moved on since
    report = import_file(app, "members", path, spec=current)
    assert report.errors == [] and report.committed and report.created == 1
    text = "".join(report.warnings)
    assert "第 1 版" in text and "第 2 版" in text
    assert "“手机”改为“手机号”" in text
    assert by_key(app, "members")[ID_MAN]["phone"] == "13812345678"


def test_the_current_template_version_gives_no_warning(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    with app.app_context():
        spec = app.extensions["portal"].registry.get("members")
    path = write_xlsx(tmp_path / "new.xlsx", [["姓名*", "身份证号*", "所属工会*"], ["张三", ID_MAN, "A01"]],
                      meta=meta_rows(spec, import_fields(spec)))
    report = import_file(app, "members", path)
    assert report.committed and report.warnings == []


def test_a_template_of_another_register_is_refused(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    with app.app_context():
        dues = app.extensions["portal"].registry.get("dues")
    batches = batch_count(app)
    path = write_xlsx(tmp_path / "dues-template.xlsx", [MEMBER_HEADER, ["张三", ID_MAN, "A01"]],
                      meta=meta_rows(dues, import_fields(dues)))
    report = import_file(app, "members", path)
    assert len(report.problems) == 1
    assert "另一个登记簿（dues）" in report.problems[0] and "会员" in report.problems[0]
    assert report.blocked and not report.committed and report.created == 0
    assert rows_of(app, "members") == []
    assert batch_count(app) == batches


# -- the error file -------------------------------------------------------------------------------

def test_the_error_file_holds_the_clerks_rows_and_the_messages(app: Any, org_tree: dict[str, int],
                                                               tmp_path: Path) -> None:
    out = tmp_path / "errors.xlsx"
    path = write_xlsx(tmp_path / "m.xlsx", [
        ["2024年会员花名册"],
        ["会员姓名", "身份证号码", "所属组织", "联系电话", "入会时间"],
        ["张三", ID_MAN, "A01", "13812345678", date(2020, 1, 5)],
        ["李四", ID_WOMAN, "ZZZ", "12345", "昨天"],
        ["王五", ID_3, "A01", None, None],
    ])
    report = import_file(app, "members", path, errors_out=out)
    assert errors(report) == [(4, "所属组织"), (4, "联系电话"), (4, "入会时间")]
    rows = read_back(out)
    assert len(rows) == 5
    assert rows[0][0] == "2024年会员花名册"
    assert rows[1] == ["会员姓名", "身份证号码", "所属组织", "联系电话", "入会时间", "错误说明"]
    assert rows[2][:4] == ["张三", ID_MAN, "A01", "13812345678"]
    assert rows[2][4] in (date(2020, 1, 5), datetime(2020, 1, 5))
    assert rows[2][5] == "" and rows[4][5] == ""
    assert rows[3][:5] == ["李四", ID_WOMAN, "ZZZ", "12345", "昨天"]
    explanation = rows[3][5]
    assert explanation.startswith("所属组织：所属工会找不到“ZZZ”")
    assert "联系电话：" in explanation and "入会时间：" in explanation and "昨天" in explanation
    assert rows_of(app, "members") == []


def test_no_error_file_when_there_are_no_errors(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "errors.xlsx"
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"]), errors_out=out)
    assert report.committed and not out.exists()


# -- files that are not a register's table --------------------------------------------------------

def _long_roll(rows: int, wrong: set[int], blank: set[int]) -> list[list[Any]]:
    """A title, an empty row, the header in row 3, then ``rows`` members; file rows in ``wrong`` carry a bad
    check character, those in ``blank`` are left empty."""
    sheet: list[list[Any]] = [["2024年会员花名册"], [], MEMBER_HEADER]
    for number in range(4, rows + 4):
        if number in blank:
            sheet.append([])
            continue
        card = ident(f"{date(1970, 1, 1) + timedelta(days=number // 500):%Y%m%d}", number % 500 + 100)
        sheet.append([f"会员{number}", wrong_check(card) if number in wrong else card, "A01"])
    return sheet


def test_a_long_workbook_is_parsed_as_it_is_read_with_the_clerks_row_numbers(app: Any, org_tree: dict[str, int],
                                                                            tmp_path: Path) -> None:
    """An .xlsx comes from its reading process in chunks of rows, parsed as they arrive: the errors name the
    same rows as the same table read whole (a .csv), at the chunks' edges too, and nothing is lost there."""
    edges = {CHUNK_ROWS, CHUNK_ROWS + 1, 2 * CHUNK_ROWS, 2 * CHUNK_ROWS + 1}
    table = _long_roll(5000, wrong=edges | {5003}, blank={1500, 3999})
    workbook = write_xlsx(tmp_path / "m.xlsx", table)
    text = tmp_path / "m.csv"
    with text.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    streamed = import_file(app, "members", workbook, dry_run=True)
    whole = import_file(app, "members", text, dry_run=True)
    assert errors(streamed) == [(number, "身份证号") for number in sorted(edges | {5003})]
    assert errors(streamed) == errors(whole)
    assert streamed.rows == whole.rows == 5000 - 2
    assert streamed.created == whole.created == 5000 - 2 - 5
    report = import_file(app, "members", workbook, partial=True)
    assert report.committed and len(rows_of(app, "members")) == 5000 - 2 - 5
    assert by_key(app, "members", "name")[f"会员{CHUNK_ROWS + 2}"]["org_unit_id"] == org_tree["A01"]


def test_a_long_workbook_without_a_required_column_stops_at_its_header(app: Any, org_tree: dict[str, int],
                                                                      tmp_path: Path) -> None:
    table = [row[:2] for row in _long_roll(5000, wrong=set(), blank=set())]
    report = import_file(app, "members", write_xlsx(tmp_path / "m.xlsx", table))
    assert report.problems and "缺少必填列：所属工会" in report.problems[0]
    assert report.blocked and not report.errors
    assert reading_children() == []


def test_a_workbook_refused_after_rows_were_parsed_writes_nothing(app: Any, org_tree: dict[str, int],
                                                                  tmp_path: Path) -> None:
    """The row limit is known only once the whole sheet was read, after the first chunks were parsed."""
    path = write_xlsx(tmp_path / "m.xlsx", _long_roll(5000, wrong={10}, blank=set()))
    batches = batch_count(app)
    with app.app_context():
        ctx = context(app, "members")
        with pytest.raises(FileUnreadable) as caught:
            run_import(ctx, path, path.name, ImportOptions(), limits=ReadLimits(rows=4000))
    assert "5,002" in caught.value.message and "4,000" in caught.value.message
    assert batch_count(app) == batches and rows_of(app, "members") == []


def test_an_import_pauses_the_cycle_collector_and_gives_it_back_whatever_happens(app: Any, org_tree: dict[str, int],
                                                                                 tmp_path: Path) -> None:
    """A big import's millions of objects are not walked by the cycle collector again and again; a web worker
    that ran an import, good or refused, collects as before."""
    seen: list[bool] = []
    path = members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"])
    with app.app_context():
        report = run_import(context(app, "members"), path, path.name, ImportOptions(),
                            progress=lambda *_: seen.append(gc.isenabled()))
    assert report.committed and seen and not any(seen)
    assert gc.isenabled()
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(path.read_bytes()[:500])
    with pytest.raises(FileUnreadable):
        import_file(app, "members", broken)
    assert gc.isenabled()
    gc.disable()
    try:
        import_file(app, "members", members_file(tmp_path / "n.xlsx", ["李四", ID_WOMAN, "A01"]))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_that_is_not_a_spreadsheet_is_unreadable(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "名单.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    batches = batch_count(app)
    with pytest.raises(FileUnreadable) as caught:
        import_file(app, "members", path)
    assert "不是电子表格" in caught.value.message and ".pdf" in caught.value.message
    assert batch_count(app) == batches
    assert rows_of(app, "members") == []


def test_an_empty_sheet_is_unreadable(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(FileUnreadable) as caught:
        import_file(app, "members", path)
    assert "没有数据" in caught.value.message and "空" in caught.value.message


def test_a_header_without_rows_is_a_problem(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    batches = batch_count(app)
    report = import_file(app, "members", write_xlsx(tmp_path / "m.xlsx", [["会员花名册"], MEMBER_HEADER]))
    assert len(report.problems) == 1
    assert "第 2 行" in report.problems[0] and "没有数据行" in report.problems[0]
    assert report.blocked and not report.committed
    assert report.as_json()["errors"][0]["message"] == report.problems[0]
    assert batch_count(app) == batches


def test_a_sheet_without_the_required_columns_is_a_problem(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    report = import_file(app, "members", write_xlsx(tmp_path / "m.xlsx", [["姓名", "手机号"], ["张三", "13812345678"]]))
    assert report.problems and "缺少必填列：身份证号、所属工会" in report.problems[0]
    assert report.blocked and report.rows == 0
    assert rows_of(app, "members") == []


def test_a_sheet_of_something_else_has_no_header(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    report = import_file(app, "members", write_xlsx(tmp_path / "m.xlsx", [["产品", "价格"], ["螺丝", 1.5]]))
    assert report.problems and "找不到表头行" in report.problems[0]
    assert report.blocked


def test_a_file_without_the_union_column_goes_to_the_unit_the_importer_names(app: Any, org_tree: dict[str, int],
                                                                           tmp_path: Path) -> None:
    path = members_file(tmp_path / "no-org.xlsx", ["张三", ID_MAN], ["李四", ID_WOMAN], header=["姓名", "身份证号"])
    refused = import_file(app, "members", path)
    assert not refused.committed and "缺少必填列：所属工会" in " ".join(refused.problems)
    report = import_file(app, "members", path, org_unit="车工一组 (A01-1)")
    assert report.committed and report.created == 2, (report.problems, report.errors)
    assert "文件没有“所属工会”列：全部 2 行记入“车工一组 (A01-1)”。" in report.warnings
    assert {row["org_unit_id"] for row in by_key(app, "members").values()} == {org_tree["A01-1"]}


def test_the_unit_named_for_a_file_without_the_column_must_lie_in_the_importers_scope(
        app: Any, admin_client: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    from portal.security.accounts import create_user

    with app.app_context():
        create_user("clerk_b_org", "Import-pass-2026", "clerk", org_code="B")
    path = members_file(tmp_path / "no-org.xlsx", ["张三", ID_MAN], header=["姓名", "身份证号"])
    report = import_file(app, "members", path, org_unit="A01", user="clerk_b_org")
    assert not report.committed and [(error.row, error.column) for error in report.errors] == [(2, "所属工会")]
    assert "A01" in report.errors[0].message
    assert by_key(app, "members") == {}
