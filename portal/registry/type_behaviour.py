"""What each field type does beyond parsing and storing: its masked shape, how a cell shows it,
how an audit value turns back into it, and the example a template offers. Pure functions, named in
the rows of ``portal.registry.fieldtypes`` (the one table); nothing else dispatches on a type name.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.registry.spec import FieldSpec

STAR = "*"


# -- masks: the shape a reader without the right to see a value gets ------------------------------
def mask_text(text: str) -> str:
    """Keep the ends of long values, the first character of short ones: ``110105********002X``, ``138****5678``."""
    if len(text) >= 18:
        return text[:6] + STAR * (len(text) - 10) + text[-4:]
    if len(text) >= 11:
        return text[:3] + STAR * (len(text) - 7) + text[-4:]
    if len(text) >= 7:
        return text[:2] + STAR * (len(text) - 4) + text[-2:]
    if len(text) >= 2:
        return text[0] + STAR * (len(text) - 1)
    return STAR


def mask_number(value: Any) -> str:
    """An amount or a count: nothing of its size shows."""
    return STAR * 4


def mask_date(value: Any) -> str:
    return "****-**-**"


def mask_month(value: Any) -> str:
    return "****-**"


def mask_flag(value: Any) -> str:
    return STAR


def mask_word(value: Any) -> str:
    """A choice or a long text: not even its length shows."""
    return STAR * 3


def mask_shaped(value: Any) -> str:
    """Codes, names and numbers keep a recognisable shape (``mask_text``); a date-valued one stays a date mask."""
    return mask_date(value) if isinstance(value, date) else mask_text(str(value))


# -- display: a stored value as a list or show page writes it -------------------------------------
def show_plain(value: Any, field: FieldSpec, locale: str) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)


def show_flag(value: Any, field: FieldSpec, locale: str) -> str:
    if locale.startswith("en"):
        return "Yes" if value else "No"
    return "是" if value else "否"  # i18n: data (the zh side of the pair)


def show_choice(value: Any, field: FieldSpec, locale: str) -> str:
    return field.choice_label(str(value), locale)


def show_money(value: Any, field: FieldSpec, locale: str) -> str:
    return f"{value:,.2f}"


# -- restore: a value as the audit trail and import undo keep it (JSON) -> the stored value -------
def as_is(value: Any) -> Any:
    return value


def restore_date(value: Any) -> Any:
    return value if value is None or isinstance(value, date) else date.fromisoformat(value)


def restore_decimal(value: Any) -> Any:
    return value if value is None else Decimal(value)


# -- examples: what a blank import template offers in its example row -----------------------------
def clamp(value: Decimal, field: FieldSpec) -> Decimal:
    low = value if field.min is None else max(value, field.min)
    return low if field.max is None else min(low, field.max)


def fixed_example(value: Any) -> Any:
    """An example that does not depend on the field."""
    return lambda field: [value]


def choice_example(field: FieldSpec) -> list[Any]:
    return list(field.choice_values[:1])


def money_example(field: FieldSpec) -> list[Any]:
    return [clamp(Decimal("5000.00"), field).quantize(Decimal("0.01"))]


def integer_example(field: FieldSpec) -> list[Any]:
    year_like = "year" in field.name or "年度" in field.label.zh or "年份" in field.label.zh
    return [int(clamp(Decimal(2024 if year_like else 3), field))]


def decimal_example(field: FieldSpec) -> list[Any]:
    return [clamp(Decimal("1.5"), field)]


# -- audit values written by SQLite: the value ``audit.plain`` gives, as SQLite's ``json_object`` takes it -------
#: An SQL expression over a stored column -> its value in a JSON object built by SQLite.
AuditSql = Any


def audit_text_sql(column: Any) -> Any:
    """Text, choices, codes, integers and dates (SQLite keeps a date as ``2020-01-05``): the column itself."""
    return column


def audit_flag_sql(column: Any) -> Any:
    """``true``/``false`` (SQLite keeps 1/0); null when blank."""
    return sa.func.json(sa.case((column.is_(None), sa.null()), (column == sa.true(), "true"), else_="false"),
                        type_=sa.Text)


def audit_places_sql(places: int) -> Any:
    """Money and decimals: parsed and derived values are quantized, so the stored number with its places, as text."""

    def audit_number_sql(column: Any) -> Any:
        return sa.case((column.is_(None), sa.null()), else_=sa.func.printf(f"%.{places}f", column, type_=sa.Text))

    return audit_number_sql
