"""Tests for portal.io.template_meta: the hidden sheet naming the register and schema version."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from portal.io.columns import header_text, import_fields
from portal.io.template_meta import META_SHEET, TemplateMeta, meta_rows, parse_meta, version_changes
from portal.registry.loader import load_registry
from portal.registry.spec import Label, RegisterSpec, Registry

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(SCHEMAS_DIR)


@pytest.fixture(scope="module")
def members(registry: Registry) -> RegisterSpec:
    return registry.get("members")


def test_sheet_name() -> None:
    assert META_SHEET == "_portal"


def test_round_trip(members: RegisterSpec) -> None:
    fields = import_fields(members)
    meta = parse_meta(meta_rows(members, fields))
    assert meta == TemplateMeta(
        register="members",
        version=members.version,
        columns=tuple((field.name, header_text(field)) for field in fields),
    )
    assert meta.columns[:3] == (("name", "姓名*"), ("id_card", "身份证号*"), ("org_unit", "所属工会*"))
    assert version_changes(meta, members, fields) == []


def test_round_trip_as_read_back_from_a_sheet(members: RegisterSpec) -> None:
    """A reader pads rows to the same width and returns numbers as floats."""
    rows = meta_rows(members, import_fields(members))
    width = max(len(row) for row in rows)
    padded: list[list[Any]] = [[float(cell) if isinstance(cell, int) else cell for cell in row]
                               + [""] * (width - len(row)) for row in rows]
    padded.append(["", "", ""])
    meta = parse_meta(padded)
    assert meta is not None
    assert meta.register == "members"
    assert meta.version == 1 and isinstance(meta.version, int)
    assert len(meta.columns) == len(import_fields(members))


@pytest.mark.parametrize("version", [3, 3.0, "3", "3.0", " 3 "])
def test_version_spellings(version: Any) -> None:
    meta = parse_meta([["register", "dues"], ["version", version]])
    assert meta == TemplateMeta("dues", 3, ())


@pytest.mark.parametrize(
    "rows",
    [
        None,
        [],
        [[]],
        [[None, None]],
        "register",
        [["register", "members"]],
        [["version", 1]],
        [["register", ""], ["version", 1]],
        [["register", "members"], ["version", "abc"]],
        [["register", "members"], ["version", 1.5]],
        [["register", "members"], ["version", 0]],
        [["register", "members"], ["version", True]],
        [["register", "members"], ["version", None]],
        [["register", "members"], ["version"]],
        [None, 5, "x", ["register"], [object()]],
        [[1, 2, 3], [{"a": 1}], ["姓名", "身份证号"]],
    ],
)
def test_junk_is_none(rows: Any) -> None:
    assert parse_meta(rows) is None


def test_junk_column_rows_are_skipped() -> None:
    meta = parse_meta([["register", "members"], ["version", 1], ["column"], ["column", "", "x"],
                       ["column", "name", "姓名*"], [None], ["unknown", "value"]])
    assert meta == TemplateMeta("members", 1, (("name", "姓名*"),))


def test_version_changes_for_an_older_template(members: RegisterSpec) -> None:
    current = dataclasses.replace(members, version=2)
    fields = import_fields(current)
    old_columns = [(field.name, header_text(field)) for field in fields if field.name != "email"]
    old_columns = [(name, "会员姓名*" if name == "name" else "手机号*" if name == "phone" else header)
                   for name, header in old_columns]
    old_columns.append(("fax", "传真"))
    meta = TemplateMeta("members", 1, tuple(old_columns))

    sentences = version_changes(meta, current, fields)
    text = "".join(sentences)
    assert "第 1 版" in sentences[0] and "第 2 版" in sentences[0]
    assert any(sentence.startswith("新增的列") and "“电子邮箱”" in sentence for sentence in sentences)
    assert any(sentence.startswith("已删除的列") and "“传真”" in sentence for sentence in sentences)
    assert any(sentence.startswith("改名的列") and "“会员姓名*”改为“姓名*”" in sentence for sentence in sentences)
    assert any(sentence.startswith("不再必填的列") and "“手机号”" in sentence for sentence in sentences)
    assert "“手机号*”改为" not in text
    assert "下载新的导入模板" in sentences[-1]


def test_version_changes_without_column_list(members: RegisterSpec) -> None:
    current = dataclasses.replace(members, version=4)
    sentences = version_changes(TemplateMeta("members", 3), current, import_fields(current))
    assert len(sentences) == 2
    assert "第 3 版" in sentences[0] and "第 4 版" in sentences[0]
    assert "下载" in sentences[1]


def test_newly_required_column(members: RegisterSpec) -> None:
    current = dataclasses.replace(members, version=2)
    fields = import_fields(current)
    old = tuple((field.name, header_text(field).rstrip("*")) for field in fields)
    sentences = version_changes(TemplateMeta("members", 1, old), current, fields)
    required = next(sentence for sentence in sentences if sentence.startswith("改为必填的列"))
    assert "“姓名*”" in required and "“身份证号*”" in required and "“所属工会*”" in required
    assert not any(sentence.startswith(("新增", "已删除", "改名")) for sentence in sentences)


def test_template_of_another_register(members: RegisterSpec, registry: Registry) -> None:
    dues = registry.get("dues")
    meta = parse_meta(meta_rows(dues, import_fields(dues)))
    assert meta is not None
    sentences = version_changes(meta, members, import_fields(members))
    assert len(sentences) == 1
    assert "dues" in sentences[0]
    assert "会员" in sentences[0] and "下载" in sentences[0]


def test_another_register_wins_over_version(members: RegisterSpec) -> None:
    other = RegisterSpec(slug="other", version=9, label=Label("其他", "Other"), key="", title="", fields=(),
                         screens=members.screens)
    sentences = version_changes(TemplateMeta("other", 9), members, import_fields(members))
    assert len(sentences) == 1 and "other" in sentences[0]
    assert version_changes(TemplateMeta("other", 9), other, ()) == []


def test_same_columns_new_version(members: RegisterSpec) -> None:
    current = dataclasses.replace(members, version=2)
    fields = import_fields(current)
    old = tuple((field.name, header_text(field)) for field in fields)
    sentences = version_changes(TemplateMeta("members", 1, old), current, fields)
    assert len(sentences) == 3
    assert "列没有变化" in sentences[1] and "下载" in sentences[2]


def test_english_template_is_not_reported_as_renamed(members: RegisterSpec) -> None:
    current = dataclasses.replace(members, version=2)
    fields = import_fields(current)
    meta = parse_meta(meta_rows(members, fields, locale="en"))
    assert meta is not None and meta.headers["name"] == "Name*"
    sentences = version_changes(meta, current, fields)
    assert not any(sentence.startswith("改名的列") for sentence in sentences)
