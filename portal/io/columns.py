"""Which fields a spreadsheet carries, and how a header cell names one.

A template header is the Chinese label, with ``*`` after a required one (``姓名*``). When a file
comes back, a header matches a field by its Chinese or English label, its name or a declared
alias, ignoring spaces, full-width forms, case and the ``*`` marker.
"""

from __future__ import annotations

from portal.domain.normalize import spelling_key
from portal.registry.spec import FieldSpec, RegisterSpec

REQUIRED_MARK = "*"


def import_fields(spec: RegisterSpec) -> tuple[FieldSpec, ...]:
    """The fields a file may set: every stored, non-derived field, in schema order."""
    return spec.editable_fields


def needs_column(field: FieldSpec) -> bool:
    """A new record cannot be made without this column (required, no default, not taken from a link)."""
    return field.required_on_create


def header_text(field: FieldSpec, locale: str = "zh") -> str:
    """The template's header for a field: its label, marked ``*`` when the column is required."""
    return field.label.get(locale) + (REQUIRED_MARK if needs_column(field) else "")


def normalize_header(text: object) -> str:
    """A header cell reduced for matching: NFKC, no spaces, no trailing ``*``/``＊``, lower case."""
    return spelling_key(str(text if text is not None else "")).rstrip("*")


def header_names(spec: RegisterSpec, field: FieldSpec) -> set[str]:
    """Every normalised spelling that names ``field`` in a header row."""
    names = {field.name, field.label.zh, field.label.en, *field.aliases}
    return {normalize_header(name) for name in names if name}
