"""The one conversion table: a field type is one row here and nowhere else.

Each row says how the type is stored (SQLAlchemy), parsed (forms, REST, import), shown in a form
(the widget name, resolved in ``portal.web.forms``), described in OpenAPI (marshmallow field),
formatted in a spreadsheet (xlsx number format, column width, template example), masked, shown in
a list, searched, and restored from the audit trail (``portal.registry.type_behaviour``). A new
type is one row here. An unknown type raises ``KeyError``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Callable

import sqlalchemy as sa
from marshmallow import fields as ma_fields

from portal.registry import parsers
from portal.registry import type_behaviour as tb
from portal.registry.spec import FieldSpec

COMMON_OPTIONS = frozenset(
    {"name", "type", "label", "required", "unique", "default", "help", "sensitive", "masked_with", "derive", "aliases", "index"}
)


@dataclass(frozen=True)
class FieldType:
    """How one field type behaves everywhere in the portal."""

    name: str
    doc: str
    #: Options allowed beyond COMMON_OPTIONS.
    options: frozenset[str]
    sql_type: Callable[[FieldSpec], sa.types.TypeEngine[Any]]
    parse: parsers.Parser
    #: Form widget name: text, textarea, number, date, month, checkbox, select, link.
    widget: str
    #: marshmallow field class used to describe (and dump) the value in the REST API.
    api_field: type[ma_fields.Field]
    #: Excel number format for template and export cells ("@" = text).
    xlsx_format: str | None
    #: Python type of the parsed value, for documentation.
    python: str
    #: The masked shape a reader without the right to see the value gets.
    mask: Callable[[Any], Any] = tb.mask_shaped
    #: A stored value as list and show pages write it: (value, field, locale) -> text.
    display: Callable[[Any, FieldSpec, str], str] = tb.show_plain
    #: The value as the audit trail keeps it (JSON) -> the stored value (import undo).
    restore: Callable[[Any], Any] = tb.as_is
    #: How the quick search matches it: ``exact`` (the whole value), ``contains``, or ``none``.
    search: str = "none"
    #: A filter value is taken as typed (text) rather than parsed.
    free_text: bool = False
    #: Template example candidates, best first; ``None``: taken from the field's help and label.
    example: Callable[[FieldSpec], list[Any]] | None = None
    #: Spreadsheet column width (characters); ``None``: from the field's length or choices.
    xlsx_width: int | None = None


def _string_length(spec: FieldSpec) -> sa.String:
    return sa.String(spec.max_length or 100)


def _choice_length(spec: FieldSpec) -> sa.String:
    return sa.String(max([len(value) for value in spec.choice_values] + [20]))


FIELD_TYPES: dict[str, FieldType] = {
    # Every parser refuses hidden characters first (control characters, bidi controls), in one place.
    row.name: replace(row, parse=parsers.screened(row.parse, multiline=row.widget == "textarea"))
    for row in (
        FieldType("string", "单行文本，默认最长 100 字", frozenset({"max_length", "pattern"}), _string_length,
                  parsers.parse_string, "text", ma_fields.String, "@", "str", search="contains", free_text=True),
        FieldType("text", "多行长文本", frozenset({"max_length"}), lambda spec: sa.Text(),
                  parsers.parse_text, "textarea", ma_fields.String, "@", "str", mask=tb.mask_word,
                  search="contains", free_text=True, xlsx_width=40),
        FieldType("integer", "整数", frozenset({"min", "max"}), lambda spec: sa.Integer(),
                  parsers.parse_integer, "number", ma_fields.Integer, "0", "int", mask=tb.mask_number,
                  example=tb.integer_example, xlsx_width=10),
        FieldType("decimal", "小数（最多 4 位小数）", frozenset({"min", "max"}),
                  lambda spec: sa.Numeric(*parsers.DECIMAL_PRECISION), parsers.parse_decimal, "number",
                  ma_fields.Decimal, "0.####", "Decimal", mask=tb.mask_number, restore=tb.restore_decimal,
                  example=tb.decimal_example, xlsx_width=12),
        FieldType("money", "金额，元，两位小数；可写 1,200.50 或 1200元", frozenset({"min", "max"}),
                  lambda spec: sa.Numeric(*parsers.MONEY_PRECISION), parsers.parse_money, "number", ma_fields.Decimal,
                  "#,##0.00", "Decimal", mask=tb.mask_number, display=tb.show_money, restore=tb.restore_decimal,
                  example=tb.money_example, xlsx_width=14),
        FieldType("date", "日期：2020-01-05、2020/1/5、2020.1.5、2020年1月5日 或 20200105", frozenset(),
                  lambda spec: sa.Date(), parsers.parse_date, "date", ma_fields.Date, "yyyy-mm-dd", "date",
                  mask=tb.mask_date, restore=tb.restore_date, example=tb.fixed_example(date(2020, 1, 5)),
                  xlsx_width=12),
        FieldType("month", "年月，保存为 2020-01；可写 2020/1、2020年1月", frozenset(), lambda spec: sa.String(7),
                  parsers.parse_month, "month", ma_fields.String, "@", "str", mask=tb.mask_month, search="exact",
                  example=tb.fixed_example("2024-01"), xlsx_width=10),
        FieldType("boolean", "是/否", frozenset(), lambda spec: sa.Boolean(), parsers.parse_boolean, "checkbox",
                  ma_fields.Boolean, None, "bool", mask=tb.mask_flag, display=tb.show_flag,
                  example=tb.fixed_example("否"), xlsx_width=8),
        FieldType("choice", "从选项中选一个；可填选项值、英文标签或选项的别名", frozenset({"choices"}), _choice_length,
                  parsers.parse_choice, "select", ma_fields.String, "@", "str", mask=tb.mask_word,
                  display=tb.show_choice, search="exact", example=tb.choice_example),
        FieldType("id_card", "18 位公民身份号码（GB 11643），校验位 X 大写保存", frozenset(), lambda spec: sa.String(18),
                  parsers.parse_id_card, "text", ma_fields.String, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("11010519491231002X"), xlsx_width=22),
        FieldType("phone", "11 位手机号码", frozenset(), lambda spec: sa.String(11), parsers.parse_phone, "text",
                  ma_fields.String, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("13812345678"), xlsx_width=14),
        FieldType("email", "电子邮箱", frozenset(), lambda spec: sa.String(254), parsers.parse_email, "text",
                  ma_fields.Email, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("zhangsan@example.com"), xlsx_width=26),
        FieldType("link", "链接到另一登记簿的记录：按其自然键或标题填写", frozenset({"target", "org_from", "within_org"}),
                  lambda spec: sa.Integer(), parsers.parse_link_key, "link", ma_fields.String, "@", "str",
                  xlsx_width=16),
    )
}


def field_type(name: str) -> FieldType:
    """The row for a type name; raises ``KeyError`` for an unknown type (never skipped)."""
    return FIELD_TYPES[name]


def allowed_options(type_name: str) -> frozenset[str]:
    return COMMON_OPTIONS | FIELD_TYPES[type_name].options
