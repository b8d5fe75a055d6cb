"""The hidden ``_portal`` sheet of an import template: which register, which schema version, which columns.

``meta_rows`` gives the rows written into the sheet; ``parse_meta`` reads them back from whatever a
spreadsheet reader returns (numbers may come back as ``1.0``, cells as ``None`` or ``""``) and
gives ``None`` for a missing or damaged sheet. ``version_changes`` turns an outdated template into
Chinese sentences for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from portal.io.columns import REQUIRED_MARK, header_text
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.texts import gettext, in_locale

META_SHEET = "_portal"
#: First cell of the sheet; anything else on that row is a note for a curious reader.
MARKER = "portal_template"


@dataclass(frozen=True)
class TemplateMeta:
    """What the ``_portal`` sheet says about the template a file was made from."""

    register: str
    version: int
    columns: tuple[tuple[str, str], ...] = ()  # (field name, header text) in template order

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.columns)


def meta_rows(spec: RegisterSpec, fields: Sequence[FieldSpec], locale: str = "zh") -> list[list[Any]]:
    """Rows for the ``_portal`` sheet: marker, register slug, version, then one row per column."""
    with in_locale(locale):
        note = gettext("The system uses this sheet to recognise the template's register and version; do not change "
                       "or delete it.")
    rows: list[list[Any]] = [
        [MARKER, note],
        ["register", spec.slug],
        ["version", spec.version],
        ["label", spec.label.zh],
    ]
    rows.extend(["column", field.name, header_text(field, locale)] for field in fields)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _version(value: Any) -> int | None:
    """A positive whole number from 1, 1.0, "1" or "1.0"; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    elif isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        if not parsed.is_integer():
            return None
        number = int(parsed)
    else:
        return None
    return number if number >= 1 else None


def parse_meta(rows: list[list[Any]] | None) -> TemplateMeta | None:
    """Read the ``_portal`` sheet's rows; ``None`` when absent or unreadable (never raises)."""
    if not rows or not isinstance(rows, (list, tuple)):
        return None
    register = ""
    version: int | None = None
    columns: list[tuple[str, str]] = []
    try:
        for row in rows:
            if not isinstance(row, (list, tuple)) or not row:
                continue
            key = _text(row[0]).lower()
            cells = list(row[1:])
            if key == "register" and cells:
                register = _text(cells[0])
            elif key == "version" and cells:
                version = _version(cells[0])
            elif key == "column" and len(cells) >= 2 and _text(cells[0]):
                columns.append((_text(cells[0]), _text(cells[1])))
    except Exception:  # a damaged sheet is the same as no sheet
        return None
    if not register or version is None:
        return None
    return TemplateMeta(register=register, version=version, columns=tuple(columns))


def _bare(header: str) -> str:
    return header.rstrip(REQUIRED_MARK).strip()


def _current_header(field: FieldSpec, old: str | None) -> str:
    """The current header in the language of the old one (a template may be downloaded in English)."""
    english = header_text(field, "en")
    if old is not None and _bare(old) == _bare(english) != _bare(header_text(field)):
        return english
    return header_text(field)


def _quoted(items: Sequence[str]) -> str:
    return gettext(", ").join(gettext("\"%(text)s\"", text=item) for item in items)


def version_changes(meta: TemplateMeta, spec: RegisterSpec, fields: Sequence[FieldSpec]) -> list[str]:
    """Chinese sentences explaining how the file's template differs from the current one ([] if same)."""
    if meta.register != spec.slug:
        return [
            gettext("This file is the import template of another register (%(other)s) and cannot be imported into "
                    "\"%(register)s\"; download the import template of \"%(register)s\" and fill it in again.",
                    other=meta.register, register=spec.label.zh)
        ]
    if meta.version == spec.version:
        return []
    sentences = [gettext("This file uses version %(old)s of the import template; the current one is version "
                         "%(new)s.", old=meta.version, new=spec.version)]
    if meta.columns:
        old = meta.headers
        current = {field.name: _current_header(field, old.get(field.name)) for field in fields}
        added = [header for name, header in current.items() if name not in old]
        removed = [header for name, header in meta.columns if name not in current]
        renamed = [gettext("\"%(old)s\" became \"%(new)s\"", old=old[name], new=header)
                   for name, header in current.items()
                   if name in old and _bare(old[name]) != _bare(header)]
        marked = [(header, header.endswith(REQUIRED_MARK)) for name, header in current.items()
                  if name in old and header != old[name] and _bare(old[name]) == _bare(header)]
        now_required = [header for header, required in marked if required]
        now_optional = [header for header, required in marked if not required]
        if added:
            sentences.append(gettext("New columns: %(columns)s.", columns=_quoted(added)))
        if removed:
            sentences.append(gettext("Removed columns: %(columns)s; what they hold is no longer imported.",
                                     columns=_quoted(removed)))
        if renamed:
            sentences.append(gettext("Renamed columns: %(columns)s.", columns=gettext("; ").join(renamed)))
        if now_required:
            sentences.append(gettext("Columns now required: %(columns)s.", columns=_quoted(now_required)))
        if now_optional:
            sentences.append(gettext("Columns no longer required: %(columns)s.", columns=_quoted(now_optional)))
        if len(sentences) == 1:
            sentences.append(gettext("The columns are the same, but the rules for filling them in (such as the "
                                     "choices or formats) may have changed."))
    sentences.append(gettext("Download the new import template, copy the data into its matching columns and import "
                             "again."))
    return sentences
