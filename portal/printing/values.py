"""A record as a print template reads it: every field's label and the text a reader sees, masked
exactly as on the record page (``Access.hidden``), links by the linked record's title."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import escape

from portal.domain.china_time import china_datetime
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.access import Access
from portal.security.masking import mask_value
from portal.texts import gettext, in_locale


@dataclass(frozen=True)
class PrintValue:
    """One field of one record: ``{{ f.name }}`` prints the text, ``{{ f.name.label }}`` the field's name."""

    label: str
    text: str
    masked: bool = False
    #: The unmasked number of a money or decimal field, for totals (``None`` when masked or blank).
    number: Decimal | None = None

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return str(escape(self.text))

    def __bool__(self) -> bool:
        return bool(self.text)


def field_text(field: FieldSpec, value: Any, locale: str) -> str:
    if value is None or value == "":
        return ""
    if field.is_link:
        return str(value)
    if field.type == "boolean":
        with in_locale("en" if locale.startswith("en") else "zh"):
            return gettext("Yes") if value else gettext("No")
    if field.type == "choice":
        return field.choice_label(value, locale)
    if field.type == "money":
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return china_datetime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def printable(spec: RegisterSpec, record: Any, access: Access, locale: str = "zh") -> dict[str, PrintValue]:
    """Field name → what the reader may see of it on paper."""
    values: dict[str, PrintValue] = {}
    for field in spec.fields:
        value = getattr(record, field.name, None)
        label = field.label.get(locale)
        if access.hidden(spec, field):
            values[field.name] = PrintValue(label, str(mask_value(field, value) or ""), masked=True)
            continue
        number = Decimal(value) if field.type in ("money", "decimal", "integer") and value is not None else None
        values[field.name] = PrintValue(label, field_text(field, value, locale), number=number)
    return values


def totals(spec: RegisterSpec, rows: list[dict[str, PrintValue]]) -> dict[str, str]:
    """Sums of the money fields over a list, formatted; blank for a field any row shows masked."""
    sums: dict[str, str] = {}
    for field in spec.fields:
        if field.type != "money":
            continue
        if any(row[field.name].masked for row in rows):
            sums[field.name] = ""
            continue
        sums[field.name] = f"{sum((row[field.name].number or Decimal(0)) for row in rows):,.2f}"
    return sums
