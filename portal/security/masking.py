"""Masked values that keep a recognisable shape: ``110105********002X``, ``138****5678``.

Pure: the field spec and the value in, the text a reader without the right to see it gets out.
"""

from __future__ import annotations

from typing import Any

from portal.registry.fieldtypes import field_type
from portal.registry.spec import FieldSpec
from portal.registry.type_behaviour import STAR, mask_text

__all__ = ["STAR", "mask_text", "mask_value"]



def mask_value(field: FieldSpec, value: Any) -> Any:
    """The masked form of ``value`` (its type's shape); blanks stay blank so a reader still sees what is missing."""
    if value is None or value == "":
        return value
    return field_type(field.type).mask(value)
