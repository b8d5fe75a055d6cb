"""portal.congress.delegate_import and service.import_delegates: a delegates' file checked row by row, then
seated all at once or not at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa
import xlsxwriter

from portal.congress import delegate_import, service
from portal.congress.delegate_import import FileProblem
from portal.congress.errors import WrongState
from portal.congress.models import Delegate
from portal.domain.idcard import make_id_card
from portal.io.sheet_limits import ReadLimits
from portal.security.audit import AuditEntry

from .conftest import STAFF, Sitting, add_members


def members_by_id(db: Any, ids: list[int]) -> dict[int, tuple[str, str]]:
    from portal.demo import Writer

    members = Writer().models["members"]
    return {member_id: (name, id_card) for member_id, name, id_card in db.execute(
        sa.select(members.id, members.name, members.id_card).where(members.id.in_(ids)))}


def other_union_member(name: str) -> tuple[int, str]:
    """A member of union CX, outside the CG clerk's scope."""
    from portal.demo import Writer
    from portal.extensions import db

    writer = Writer()
    org_units, members = writer.models["org_units"], writer.models["members"]
    if db.session.scalar(sa.select(org_units.id).where(org_units.code == "CX")) is None:
        writer.insert("org_units", [{"code": "CX", "name": "外单位工会", "unit_type": "基层工会"}])
    org_id = db.session.scalar(sa.select(org_units.id).where(org_units.code == "CX"))
    id_card = make_id_card("320102", date(1985, 5, 5), 321)
    writer.insert("members", [{"name": name, "org_unit_id": org_id, "status": "在籍", "id_card": id_card}])
    db.session.commit()
    return db.session.scalar(sa.select(members.id).where(members.id_card == id_card)), id_card


def clerk_access(db: Any) -> Any:
    """A 大会秘书处 clerk of union CG (scope: CG and below)."""
    from portal.security.access import build_access
    from portal.state import portal_state

    state = portal_state()
    org_units = state.models["org_units"]
    org_id = db.scalar(sa.select(org_units.id).where(org_units.code == "CG"))
    return build_access("cg_import", ["congress_secretariat"], state.roles, org_id, db, org_units)


def csv_file(folder: Path, lines: list[str], name: str = "代表名单.csv") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plan_of(db: Any, sitting: Sitting, path: Path) -> delegate_import.ImportPlan:
    from portal.state import portal_state

    state = portal_state()
    workbook = delegate_import.read(path, path.name, ReadLimits())
    return delegate_import.plan(db, state.registry, state.models, clerk_access(db), sitting.congress_id, workbook)


@pytest.fixture()
def setting(congress_db: Any, make_sitting: Callable[..., Sitting]) -> tuple[Sitting, dict[int, tuple[str, str]]]:
    """Two delegates seated; four more members of the same union not yet seated."""
    sitting = make_sitting(voters=2, freeze=False)
    free = add_members(4)
    return sitting, members_by_id(congress_db, free)


def test_a_clean_file_finds_each_member_by_id_name_and_union_or_name_with_id(
        congress_db: Any, setting: Any, tmp_path: Path) -> None:
    sitting, free = setting
    (a, (a_name, a_id)), (b, (b_name, _)), (c, (c_name, c_id)), (d, (d_name, _)) = sorted(free.items())
    path = csv_file(tmp_path, [
        "第五届职工代表大会代表名单,,,,,",
        "序号,身份证号码,代表姓名,所属工会,代表团,选区,身份",
        f"1,{a_id},{a_name},,第一代表团,一车间,代表",
        f"2,,{b_name},CG,第一代表团,二车间,",
        f"3,,{c_name} ({c_id}),,第二代表团,,特邀",
        f"4,,{d_name},,第二代表团,,列席代表",
        "5,,,,,,",
    ])
    plan = plan_of(congress_db, sitting, path)
    assert plan.problems == [] and plan.ok
    assert plan.ignored == ["序号"]
    assert [(row.row, row.member_id, row.role, row.delegation, row.constituency) for row in plan.rows] == [
        (3, a, "代表", "第一代表团", "一车间"), (4, b, "代表", "第一代表团", "二车间"),
        (5, c, "特邀", "第二代表团", ""), (6, d, "列席", "第二代表团", "")]
    assert {row.org_name for row in plan.rows} == {"大会测试工会"}
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Delegate)) == 2  # nothing written


def test_every_wrong_row_is_reported_with_its_row_column_and_fix(congress_db: Any, setting: Any,
                                                                tmp_path: Path) -> None:
    sitting, free = setting
    (_, (a_name, a_id)), (_, (b_name, b_id)), *_ = sorted(free.items())
    seated_name, seated_id = members_by_id(congress_db, [service.get_delegate(congress_db, sitting.voters[0])
                                                         .member_id]).popitem()[1]
    _, outside_id = other_union_member("外单位张三")
    wrong_check = a_id[:17] + ("0" if a_id[17] != "0" else "1")
    path = csv_file(tmp_path, [
        "身份证号,姓名,所属工会,代表团,选区,身份",
        f"{wrong_check},{a_name},,,,",          # 2: check digit
        f"{b_id},{b_name},,,,嘉宾",              # 3: role
        f"{a_id},李四,,,,",                      # 4: name does not match
        f"{b_id},{b_name},,,,代表",              # 5: twice (row 3 has a problem of its own, but names the member)
        f"{seated_id},{seated_name},,,,",        # 6: already a delegate
        f"{outside_id},外单位张三,,,,",          # 7: outside the clerk's scope
        ",查无此人,CG,,,",                       # 8: no such member in CG
        ",外单位张三,CX,,,",                     # 9: union outside the scope
        ",,,第一代表团,,",                       # 10: neither ID nor name
    ])
    plan = plan_of(congress_db, sitting, path)
    assert not plan.ok
    found = {(problem.row, problem.column): problem.message for problem in plan.problems}
    assert "校验" in found[(2, "A 列（身份证号）")]
    assert "嘉宾" in found[(3, "F 列（身份）")] and "代表、特邀、列席" in found[(3, "F 列（身份）")]
    assert "不一致" in found[(4, "B 列（姓名）")] and a_name in found[(4, "B 列（姓名）")]
    assert "第 3 行已经出现过" in found[(5, "")]
    assert "已是本届大会的代表" in found[(6, "")]
    assert "找不到" in found[(7, "A 列（身份证号）")] and "管理范围" in found[(7, "A 列（身份证号）")]
    assert "查无此人" in found[(8, "B 列（姓名）")]
    assert "找不到工会“CX”" in found[(9, "C 列（所属工会）")]
    assert "身份证号" in found[(10, "")] and "姓名" in found[(10, "")]
    assert [problem.row for problem in plan.problems] == sorted(problem.row for problem in plan.problems)


def test_two_members_of_one_name_need_the_id_or_the_union(congress_db: Any, setting: Any, tmp_path: Path) -> None:
    sitting, free = setting
    namesake = next(iter(free.values()))[0]
    other_union_member(namesake)
    from portal.security.access import SYSTEM_ACCESS
    from portal.state import portal_state

    state = portal_state()
    workbook = delegate_import.read(csv_file(tmp_path, ["姓名,身份", f"{namesake},代表"]), "a.csv", ReadLimits())
    plan = delegate_import.plan(congress_db, state.registry, state.models, SYSTEM_ACCESS, sitting.congress_id,
                                workbook)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "A 列（姓名）")]
    assert "2 位名为" in plan.problems[0].message
    # inside the CG clerk's scope the namesake of CX is not seen: the name alone is enough
    assert plan_of(congress_db, sitting, csv_file(tmp_path, ["姓名,身份", f"{namesake},代表"], "b.csv")).ok


def test_an_xlsx_with_a_title_row_is_read_and_an_id_typed_as_a_number_is_refused(
        congress_db: Any, setting: Any, tmp_path: Path) -> None:
    sitting, free = setting
    (_, (a_name, a_id)), (_, (b_name, b_id)), *_ = sorted(free.items())
    path = tmp_path / "代表名单.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, ["第五届职工代表大会代表名单"])
    sheet.write_row(1, 0, ["身份证号", "姓名", "代表团"])
    sheet.write_row(2, 0, [a_id, a_name, "第一代表团"])
    sheet.write_row(3, 0, [int(b_id[:15]), b_name, "第一代表团"])
    book.close()
    plan = plan_of(congress_db, sitting, path)
    assert [(p.row, p.column) for p in plan.problems] == [(4, "A 列（身份证号）")]
    assert "文本" in plan.problems[0].message or "数字" in plan.problems[0].message
    assert [row.name for row in plan.rows] == [a_name]


@pytest.mark.parametrize(("lines", "wanted"), [
    (["会员编号,电话", "1,138"], "找不到表头行"),
    (["身份证号,姓名,身份"], "没有数据"),
    (["身份证号,姓名,身份证号", "1,2,3"], "两列都是“身份证号”"),
])
def test_a_file_that_cannot_be_imported_says_why(congress_db: Any, setting: Any, tmp_path: Path,
                                                 lines: list[str], wanted: str) -> None:
    sitting, _ = setting
    with pytest.raises(FileProblem, match=wanted):
        plan_of(congress_db, sitting, csv_file(tmp_path, lines))


def test_an_unreadable_file_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"%PDF-1.4\x00\x01\x02\x03 binary")
    with pytest.raises(FileProblem, match="电子表格"):
        delegate_import.read(path, "名单.pdf", ReadLimits())


def test_import_seats_all_in_one_step_audited_or_none(congress_db: Any, setting: Any) -> None:
    sitting, free = setting
    ids = sorted(free)
    count = service.import_delegates(congress_db, sitting.congress_id, [
        service.NewDelegate(ids[0], "代表", "第一代表团", "一车间"), service.NewDelegate(ids[1], "列席")], STAFF,
        "代表名单.xlsx")
    assert count == 2
    seated = dict(congress_db.execute(sa.select(Delegate.member_id, Delegate.role)
                                      .where(Delegate.congress_id == sitting.congress_id)).tuples().all())
    assert seated[ids[0]] == "代表" and seated[ids[1]] == "列席" and len(seated) == 4
    details = congress_db.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "congress")).all()
    assert any("从文件“代表名单.xlsx”导入" in detail and "2 人" in detail for detail in details)
    assert sum(1 for detail in details if detail.startswith("导入")) == 2
    with pytest.raises(WrongState, match="已是本届大会的代表"):
        service.import_delegates(congress_db, sitting.congress_id, [
            service.NewDelegate(ids[2]), service.NewDelegate(ids[0])], STAFF, "again.xlsx")
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Delegate)) == 4  # ids[2] not seated either
