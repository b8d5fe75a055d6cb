"""Masked values that keep a recognisable shape: ``110105********002X``, ``138****5678``.

Pure: the field spec and the value in, the text a reader without the right to see it gets out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.registry.spec import FieldSpec

STAR = "*"


def mask_text(text: str) -> str:
    """Keep the ends of long values, the first character of short ones."""
    if len(text) >= 18:
        return text[:6] + STAR * (len(text) - 10) + text[-4:]
    if len(text) >= 11:
        return text[:3] + STAR * (len(text) - 7) + text[-4:]
    if len(text) >= 7:
        return text[:2] + STAR * (len(text) - 4) + text[-2:]
    if len(text) >= 2:
        return text[0] + STAR * (len(text) - 1)
    return STAR


def mask_value(field: FieldSpec, value: Any) -> Any:
    """The masked form of ``value``; blanks stay blank so a reader still sees what is missing."""
    if value is None or value == "":
        return value
    if field.type in ("money", "decimal", "integer"):
        return STAR * 4
    if isinstance(value, date) or field.type in ("date", "month"):
        return "****-**-**" if field.type == "date" else "****-**"
    if field.type == "boolean":
        return STAR
    if field.type in ("choice", "text"):
        return STAR * 3
    return mask_text(str(value))
