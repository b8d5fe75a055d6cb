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
from flask_babel import LazyString
from marshmallow import fields as ma_fields

from portal.registry import parsers
from portal.registry import type_behaviour as tb
from portal.registry.spec import FieldSpec
from portal.texts import lazy_gettext

COMMON_OPTIONS = frozenset(
    {"name", "type", "label", "required", "unique", "default", "help", "sensitive", "masked_with", "derive", "aliases", "index"}
)


@dataclass(frozen=True)
class FieldType:
    """How one field type behaves everywhere in the portal."""

    name: str
    #: What a value of the type looks like and how it may be written, in the reader's language (see ``doc``).
    note: LazyString
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
    #: SQLite: a stored value as the audit trail keeps it (``audit.plain``), for ``json_object`` (a big import's
    #: entries are built in the database); ``None``: only Python builds them (links are written by their
    #: target's key, ``portal.records.audit_sql``).
    audit_sql: Callable[[Any], Any] | None = tb.audit_text_sql

    @property
    def doc(self) -> str:
        """``note`` in the request's language (the default language outside a request, e.g. schemas/README.md)."""
        return str(self.note)


def _string_length(spec: FieldSpec) -> sa.String:
    return sa.String(spec.max_length or 100)


def _choice_length(spec: FieldSpec) -> sa.String:
    return sa.String(max([len(value) for value in spec.choice_values] + [20]))


#: What a value of each type looks like and how it may be written (``FieldType.note``).
_NOTES = {
    "string": lazy_gettext("One line of text, at most 100 characters by default"),
    "text": lazy_gettext("Long text over several lines"),
    "integer": lazy_gettext("Whole number"),
    "decimal": lazy_gettext("Decimal number (at most 4 decimal places)"),
    "money": lazy_gettext("Amount in yuan, two decimal places; 1,200.50 or 1200元 also work"),
    "date": lazy_gettext("Date: 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日 or 20200105"),
    "month": lazy_gettext("Year and month, stored as 2020-01; 2020/1 or 2020年1月 also work"),
    "boolean": lazy_gettext("Yes/No"),
    "choice": lazy_gettext("One of the choices; write the choice's value, English label or one of its aliases"),
    "id_card": lazy_gettext("18-digit citizen ID number (GB 11643); a check digit X is stored in capitals"),
    "phone": lazy_gettext("11-digit mobile number"),
    "email": lazy_gettext("Email address"),
    "link": lazy_gettext("A link to a record of another register: write its natural key or title"),
}

FIELD_TYPES: dict[str, FieldType] = {
    # Every parser refuses hidden characters first (control characters, bidi controls), in one place.
    row.name: replace(row, parse=parsers.screened(row.parse, multiline=row.widget == "textarea"))
    for row in (
        FieldType("string", _NOTES["string"], frozenset({"max_length", "pattern"}), _string_length,
                  parsers.parse_string, "text", ma_fields.String, "@", "str", search="contains", free_text=True),
        FieldType("text", _NOTES["text"], frozenset({"max_length"}), lambda spec: sa.Text(),
                  parsers.parse_text, "textarea", ma_fields.String, "@", "str", mask=tb.mask_word,
                  search="contains", free_text=True, xlsx_width=40),
        FieldType("integer", _NOTES["integer"], frozenset({"min", "max"}), lambda spec: sa.Integer(),
                  parsers.parse_integer, "number", ma_fields.Integer, "0", "int", mask=tb.mask_number,
                  example=tb.integer_example, xlsx_width=10),
        FieldType("decimal", _NOTES["decimal"], frozenset({"min", "max"}),
                  lambda spec: sa.Numeric(*parsers.DECIMAL_PRECISION), parsers.parse_decimal, "number",
                  ma_fields.Decimal, "0.####", "Decimal", mask=tb.mask_number, restore=tb.restore_decimal,
                  example=tb.decimal_example, xlsx_width=12,
                  audit_sql=tb.audit_places_sql(parsers.DECIMAL_PRECISION[1])),
        FieldType("money", _NOTES["money"], frozenset({"min", "max"}),
                  lambda spec: sa.Numeric(*parsers.MONEY_PRECISION), parsers.parse_money, "number", ma_fields.Decimal,
                  "#,##0.00", "Decimal", mask=tb.mask_number, display=tb.show_money, restore=tb.restore_decimal,
                  example=tb.money_example, xlsx_width=14, audit_sql=tb.audit_places_sql(parsers.MONEY_PRECISION[1])),
        FieldType("date", _NOTES["date"], frozenset(),
                  lambda spec: sa.Date(), parsers.parse_date, "date", ma_fields.Date, "yyyy-mm-dd", "date",
                  mask=tb.mask_date, restore=tb.restore_date, example=tb.fixed_example(date(2020, 1, 5)),
                  xlsx_width=12),
        FieldType("month", _NOTES["month"], frozenset(), lambda spec: sa.String(7),
                  parsers.parse_month, "month", ma_fields.String, "@", "str", mask=tb.mask_month, search="exact",
                  example=tb.fixed_example("2024-01"), xlsx_width=10),
        FieldType("boolean", _NOTES["boolean"], frozenset(), lambda spec: sa.Boolean(), parsers.parse_boolean,
                  "checkbox", ma_fields.Boolean, None, "bool", mask=tb.mask_flag, display=tb.show_flag,
                  example=tb.fixed_example("否"), xlsx_width=8,  # i18n: data
                  audit_sql=tb.audit_flag_sql),
        FieldType("choice", _NOTES["choice"], frozenset({"choices"}), _choice_length,
                  parsers.parse_choice, "select", ma_fields.String, "@", "str", mask=tb.mask_word,
                  display=tb.show_choice, search="exact", example=tb.choice_example),
        FieldType("id_card", _NOTES["id_card"], frozenset(), lambda spec: sa.String(18),
                  parsers.parse_id_card, "text", ma_fields.String, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("11010519491231002X"), xlsx_width=22),
        FieldType("phone", _NOTES["phone"], frozenset(), lambda spec: sa.String(11), parsers.parse_phone, "text",
                  ma_fields.String, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("13812345678"), xlsx_width=14),
        FieldType("email", _NOTES["email"], frozenset(), lambda spec: sa.String(254), parsers.parse_email, "text",
                  ma_fields.Email, "@", "str", search="exact", free_text=True,
                  example=tb.fixed_example("zhangsan@example.com"), xlsx_width=26),
        FieldType("link", _NOTES["link"], frozenset({"target", "org_from", "within_org"}),
                  lambda spec: sa.Integer(), parsers.parse_link_key, "link", ma_fields.String, "@", "str",
                  xlsx_width=16, audit_sql=None),
    )
}


def field_type(name: str) -> FieldType:
    """The row for a type name; raises ``KeyError`` for an unknown type (never skipped)."""
    return FIELD_TYPES[name]


def allowed_options(type_name: str) -> frozenset[str]:
    return COMMON_OPTIONS | FIELD_TYPES[type_name].options
