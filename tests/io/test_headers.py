"""Finding the header row of a clerk's sheet and mapping its cells to fields (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.io.headers import HeaderMap, HeaderProblem, find_header
from portal.registry.loader import load_registry
from portal.registry.spec import RegisterSpec

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
REGISTRY = load_registry(SCHEMAS_DIR)


@pytest.fixture(scope="module")
def members() -> RegisterSpec:
    return REGISTRY.get("members")


def pad(rows: list[list[Any]]) -> list[list[Any]]:
    """Square rows, as the readers return them."""
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


def mapped(header: HeaderMap) -> dict[str, tuple[int, str]]:
    """field name -> (column index, header as written)."""
    return {column.field.name: (column.index, column.header) for column in header.columns}


def problems(rows: list[list[Any]], spec: RegisterSpec) -> list[str]:
    with pytest.raises(HeaderProblem) as caught:
        find_header(pad(rows), spec)
    assert caught.value.messages
    return caught.value.messages


def test_header_row_is_found_below_title_rows(members: RegisterSpec) -> None:
    rows = pad([
        ["2024年会员花名册"],
        ["填报单位：第一机械厂工会", None, "制表日期：2024-01-01"],
        [],
        ["姓名", "身份证号", "所属工会", "手机号"],
        ["张三", "11010519491231002X", "A01", "13812345678"],
    ])
    header = find_header(rows, members)
    assert header.row_index == 3
    assert mapped(header) == {"name": (0, "姓名"), "id_card": (1, "身份证号"), "org_unit": (2, "所属工会"),
                              "phone": (3, "手机号")}
    assert header.unknown == [] and header.derived == []


@pytest.mark.parametrize(("cells", "how"), [
    (["姓名", "身份证号", "所属工会", "电子邮箱"], "Chinese label"),
    (["Name", "ID number", "Union", "Email"], "English label"),
    (["name", "id_card", "org_unit", "email"], "field name"),
    (["会员姓名", "身份证号码", "所属组织", "邮箱"], "alias"),
    (["NAME", "id number", "UNION", "E-MAIL"], "case"),
])
def test_a_column_matches_by_label_name_or_alias(members: RegisterSpec, cells: list[str], how: str) -> None:
    header = find_header(pad([cells, ["张三", "11010519491231002X", "A01", "a@b.cn"]]), members)
    assert header.row_index == 0, how
    assert [column.field.name for column in header.columns] == ["name", "id_card", "org_unit", "email"], how
    assert [column.header for column in header.columns] == cells, how


def test_spaces_full_width_letters_and_the_required_mark_are_ignored(members: RegisterSpec) -> None:
    cells = [" 姓 名 ", "身份证号*", "ｏｒｇ＿ｕｎｉｔ＊", "手机号 *", "Ｅｍａｉｌ"]
    header = find_header(pad([cells]), members)
    assert [column.field.name for column in header.columns] == ["name", "id_card", "org_unit", "phone", "email"]
    # The header is kept as written (only the outer spaces trimmed) so messages quote the clerk's text.
    assert header.columns[0].header == "姓 名"
    assert header.columns[2].header == "ｏｒｇ＿ｕｎｉｔ＊"


def test_full_width_english_label_with_an_ideographic_space(members: RegisterSpec) -> None:
    header = find_header(pad([["姓名", "ＩＤ　ｎｕｍｂｅｒ", "所属工会"]]), members)
    assert mapped(header)["id_card"] == (1, "ＩＤ　ｎｕｍｂｅｒ")


def test_unknown_columns_are_reported_not_mapped(members: RegisterSpec) -> None:
    header = find_header(pad([["序号", "姓名", "身份证号", "所属工会", "爱好", "籍贯"]]), members)
    assert header.unknown == ["序号", "爱好", "籍贯"]
    assert [column.index for column in header.columns] == [1, 2, 3]


def test_derived_columns_are_listed_as_derived(members: RegisterSpec) -> None:
    header = find_header(pad([["姓名", "身份证号", "性别", "出生日期", "所属工会", "会费基数"]]), members)
    assert header.derived == ["性别", "出生日期", "会费基数"]
    assert "gender" not in mapped(header) and "birth_date" not in mapped(header)
    assert header.unknown == []


def test_two_columns_naming_the_same_field_are_refused_with_their_letters(members: RegisterSpec) -> None:
    messages = problems([["姓名", "身份证号", "所属工会", "手机号", "联系电话"]], members)
    assert len(messages) == 1
    text = messages[0]
    assert "“手机号”（D 列）" in text and "“联系电话”（E 列）" in text
    assert "手机号" in text and "删除或改名" in text


def test_a_duplicate_far_to_the_right_gets_a_two_letter_column(members: RegisterSpec) -> None:
    row: list[Any] = ["姓名", "身份证号", "所属工会"] + [None] * 25 + ["会员姓名"]
    messages = problems([row], members)
    assert "“姓名”（A 列）和“会员姓名”（AC 列）" in messages[0]


def test_a_missing_required_column_is_named(members: RegisterSpec) -> None:
    messages = problems([["2024年花名册"], ["姓名", "身份证号", "手机号"]], members)
    assert len(messages) == 1
    assert "缺少必填列：所属工会" in messages[0]
    assert "第 2 行" in messages[0]


def test_a_required_column_with_a_default_may_be_left_out(members: RegisterSpec) -> None:
    header = find_header(pad([["姓名", "身份证号", "所属工会"]]), members)
    assert "status" not in mapped(header)


def test_every_header_problem_is_reported_at_once(members: RegisterSpec) -> None:
    messages = problems([["姓名", "会员姓名", "手机号"]], members)
    assert len(messages) == 2
    assert any("“姓名”（A 列）和“会员姓名”（B 列）" in text for text in messages)
    assert any("身份证号、所属工会" in text for text in messages)


def test_no_header_at_all_is_refused(members: RegisterSpec) -> None:
    messages = problems([["张三", "11010519491231002X", "A01"], ["李四", "110101199003070013", "B"]], members)
    assert len(messages) == 1
    assert "找不到表头行" in messages[0]
    assert "姓名、身份证号、所属工会" in messages[0]


def test_a_header_below_the_search_window_is_not_found(members: RegisterSpec) -> None:
    rows: list[list[Any]] = [[f"说明第 {number} 行"] for number in range(1, 21)] + [["姓名", "身份证号", "所属工会"]]
    assert "找不到表头行" in problems(rows, members)[0]


def test_an_empty_sheet_has_no_header(members: RegisterSpec) -> None:
    with pytest.raises(HeaderProblem) as caught:
        find_header([], members)
    assert "找不到表头行" in caught.value.messages[0]


def test_the_row_naming_most_fields_wins(members: RegisterSpec) -> None:
    # A title that happens to be a field label ("备注") must not be taken for the header.
    rows = pad([["备注"], ["姓名", "身份证号", "所属工会", "备注"]])
    header = find_header(rows, members)
    assert header.row_index == 1
    assert mapped(header)["notes"] == (3, "备注")


def test_dues_member_column_accepts_the_member_aliases() -> None:
    dues = REGISTRY.get("dues")
    header = find_header(pad([["缴费单号", "身份证号", "组织编码", "缴费月份", "当月工资"]]), dues)
    assert [column.field.name for column in header.columns] == ["record_no", "member", "org_unit", "month", "wage"]
