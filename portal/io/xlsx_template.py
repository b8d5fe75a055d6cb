"""The downloadable import template (.xlsx) of a register, and the example row it carries.

Sheets, in order: the data sheet (named after the register; row 1 headers, row 2 an example),
``填写说明`` (how to fill it in, one line per column), the hidden ``_portal`` sheet (register and
version, see ``template_meta``) and, only when a drop-down list is too long to inline, the hidden
``_lists`` sheet holding the list values.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Mapping, Sequence

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from portal.domain.messages import DomainValidationError
from portal.io.columns import header_text, needs_column
from portal.io.template_meta import META_SHEET, meta_rows
from portal.registry.fieldtypes import field_type
from portal.registry.parsers import is_blank
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.texts import gettext, in_locale

#: The instructions sheet's name in the default language; a template is written with ``instructions_sheet()``.
INSTRUCTIONS_SHEET = "填写说明"  # i18n: data (the zh name, as tests and readers of the zh template know it)
LISTS_SHEET = "_lists"
#: 0-based index of the example row on the data sheet (row 2 in Excel).
EXAMPLE_ROW = 1
#: Drop-downs and input hints cover Excel rows 2 .. LAST_ROW + 1.
LAST_ROW = 100_000
BOOLEAN_VALUES = ("是", "否")  # i18n: data (the values the import reads back)
_LIST_LIMIT = 255
_PERSON_WORDS = ("姓名", "联系人", "代表", "审批人", "负责人", "经办人")  # i18n: data (matched in Chinese labels)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _valid(value: Any, field: FieldSpec) -> bool:
    if is_blank(value) or field.is_link:
        return not is_blank(value)
    try:
        field_type(field.type).parse(value, field)
    except (DomainValidationError, ValueError, ArithmeticError):
        return False
    return True


def help_examples(field: FieldSpec) -> list[str]:
    """Example values named after "例如" in the field's Chinese help, best first."""
    text = field.help.zh if field.help else ""
    if "例如" not in text:
        return []
    after = text.split("例如", 1)[1].lstrip("：: ")  # i18n: data
    quoted = re.findall(r"[“\"]([^”\"]+)[”\"]", after) if after[:1] in "“\"" else []  # i18n: data
    first = re.split(r"[；;。]", after, maxsplit=1)[0]  # i18n: data
    return quoted + [token for token in re.split(r"[、，；,;\s“”\"]+", first) if token]  # i18n: data


def _candidates(field: FieldSpec, registry: Registry, seen: frozenset[str]) -> list[Any]:
    example = field_type(field.type).example
    if example is not None:
        return example(field)
    if field.is_link:
        target = field.target or ""
        examples: list[Any] = help_examples(field)
        if target in registry and target not in seen:
            key_example = _example(registry.get(target).key_field, registry, seen | {target})
            examples.insert(0, None if key_example is None else str(key_example))
        return examples
    examples = help_examples(field)
    if field.type == "text" and not field.required and not examples:
        return []
    if field.name == "name" or any(word in field.label.zh for word in _PERSON_WORDS):
        examples.append("张三")  # i18n: data (example values, recognised when read back)
    limit = field.max_length or 100
    # The last three only serve a field whose pattern rejects everything before them (codes, card numbers).
    return examples + [f"示例{field.label.zh}"[:limit], "A01", "6222020200001234567", "0001"]  # i18n: data


def _example(field: FieldSpec, registry: Registry, seen: frozenset[str] = frozenset()) -> Any:
    return next((value for value in _candidates(field, registry, seen) if _valid(value, field)), None)


def example_row(spec: RegisterSpec, fields: Sequence[FieldSpec], registry: Registry) -> dict[str, Any]:
    """A plausible, valid example value per field (as typed into the cell); blank ones are left out."""
    # A link to the register itself (a tree's parent) stays blank: the example is a top-level record.
    row = {field.name: _example(field, registry) for field in fields if field.target != spec.slug}
    return {name: value for name, value in row.items() if value is not None}


def is_example_row(values: Mapping[str, Any], example: Mapping[str, Any], fields: Sequence[FieldSpec]) -> bool:
    """True when a row read back holds exactly the example values (compared after parsing)."""
    found = False
    for field in fields:
        raw, expected = values.get(field.name), example.get(field.name)
        if is_blank(raw) and is_blank(expected):
            continue
        if is_blank(raw) or is_blank(expected):
            return False
        parse = field_type(field.type).parse
        try:
            if parse(raw, field) != parse(expected, field):
                return False
        except (DomainValidationError, ValueError, ArithmeticError):
            return False
        found = True
    return found


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def instructions_sheet() -> str:
    """The name of the sheet that says how to fill the template in, in the current language."""
    return gettext("How to fill in")


def sheet_title(spec: RegisterSpec, locale: str = "zh") -> str:
    """The data sheet's name: the register's label, cleaned to Excel's rules (31 characters)."""
    name = _BAD_SHEET_CHARS.sub("", spec.label.get(locale)).strip("' ")[:31] or spec.slug[:31]
    if name.lower() in {INSTRUCTIONS_SHEET, instructions_sheet().lower(), META_SHEET, LISTS_SHEET}:
        name = gettext("%(name)s data", name=name)[:31]
    return name


def column_width(field: FieldSpec, header: str) -> int:
    width = field_type(field.type).xlsx_width
    if width is None and field.type == "choice":
        width = max([display_width(value) for value in field.choice_values] + [6]) + 4
    if width is None:
        width = min(40, max(10, (field.max_length or 100) // 3))
    return min(50, max(width, display_width(header) + 4))


def list_values(field: FieldSpec) -> tuple[str, ...]:
    """The drop-down values of a choice or boolean column (empty for other types)."""
    return field.choice_values if field.type == "choice" else BOOLEAN_VALUES if field.type == "boolean" else ()


def needs_helper_sheet(values: Sequence[str]) -> bool:
    """An inline list must fit Excel's 255-character limit and cannot hold commas or quotes."""
    return len(",".join(values)) > _LIST_LIMIT or any("," in value or '"' in value for value in values)


def requirement(field: FieldSpec) -> str:
    """Required, or optional (naming the value a blank required cell gets)."""
    if needs_column(field):
        return gettext("Required")
    return gettext("Optional (blank means \"%(default)s\")", default=field.default) if field.required \
        else gettext("Optional")


def format_note(field: FieldSpec, registry: Registry, locale: str = "zh") -> str:
    """The field type's description plus this field's limits, in the current language."""
    parts = [field_type(field.type).doc]
    if field.max_length and field.type in ("string", "text"):
        parts.append(gettext("at most %(length)s characters in this column", length=field.max_length))
    if field.min is not None:
        parts.append(gettext("at least %(min)s", min=field.min))
    if field.max is not None:
        parts.append(gettext("at most %(max)s", max=field.max))
    if field.is_link and field.target in registry:
        target = registry.get(field.target or "")
        parts.append(gettext("write the %(key)s of \"%(register)s\"", register=target.label.get(locale),
                             key=target.key_field.label.get(locale)))
    return gettext("; ").join(parts)


def _comment(field: FieldSpec, registry: Registry, locale: str) -> str:
    lines = [gettext("%(label)s (%(requirement)s)", label=field.label.get(locale), requirement=requirement(field)),
             gettext("Format: %(note)s", note=format_note(field, registry, locale))]
    if field.help:
        lines.append(gettext("Notes: %(help)s", help=field.help.get(locale)))
    if list_values(field):
        lines.append(gettext("Choices: %(values)s", values=gettext(", ").join(list_values(field))))
    accepted = alias_note(field)
    if accepted:
        lines.append(gettext("Also accepted: %(aliases)s", aliases=accepted))
    return "\n".join(lines)


def alias_note(field: FieldSpec) -> str:
    """The other spellings a choice column accepts, each with the option it is stored as ("" if none)."""
    return gettext("; ").join(gettext("%(aliases)s (stored as \"%(value)s\")", value=choice.value,
                                      aliases=gettext(", ").join(choice.aliases))
                              for choice in field.choices if choice.aliases)


def _comment_size(text: str) -> dict[str, int]:
    lines = sum(max(1, math.ceil(display_width(line) / 52)) for line in text.split("\n"))
    return {"width": 380, "height": min(720, 24 + 16 * lines), "font_size": 9}


class _Styles:
    """Cell formats, created once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        base = {"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "valign": "vcenter",
                "text_wrap": True}
        self.header = workbook.add_format(base)
        self.required = workbook.add_format({**base, "font_color": "#9C0006"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.table_head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        self._cache: dict[tuple[str, str | None], Any] = {}

    def get(self, kind: str, num_format: str | None) -> Any:
        if (kind, num_format) not in self._cache:
            options: dict[str, Any] = {"italic": True, "font_color": "#808080"} if kind == "example" else {}
            if num_format:
                options["num_format"] = num_format
            self._cache[(kind, num_format)] = self.workbook.add_format(options) if options else None
        return self._cache[(kind, num_format)]


def _write_example(sheet: Any, col: int, field: FieldSpec, value: Any, styles: _Styles) -> None:
    fmt = styles.get("example", field_type(field.type).xlsx_format)
    if isinstance(value, date):
        sheet.write_datetime(EXAMPLE_ROW, col, value, fmt)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        sheet.write_number(EXAMPLE_ROW, col, float(value), fmt)
    else:
        sheet.write_string(EXAMPLE_ROW, col, str(value), fmt)


def _validate(sheet: Any, col: int, field: FieldSpec, source: list[str] | str | None, locale: str) -> None:
    if source is not None:
        shown = gettext(", ").join(list_values(field))
        message = gettext("Choose \"%(field)s\" from the drop-down list: %(values)s", field=field.label.get(locale),
                          values=shown)
        sheet.data_validation(EXAMPLE_ROW, col, LAST_ROW, col, {
            "validate": "list", "source": source, "error_type": "stop",
            "error_title": gettext("Not one of the choices"), "error_message": message[:_LIST_LIMIT]})
    elif field.type == "date":
        sheet.data_validation(EXAMPLE_ROW, col, LAST_ROW, col, {
            "validate": "any", "input_title": gettext("Date"),
            "input_message": gettext("For example 2020-01-05; 2020/1/5 or 2020年1月5日 also work")})


def _write_data_sheet(workbook: xlsxwriter.Workbook, spec: RegisterSpec, fields: Sequence[FieldSpec],
                      registry: Registry, styles: _Styles, locale: str) -> Any:
    sheet = workbook.add_worksheet(sheet_title(spec, locale))
    guide = workbook.add_worksheet(instructions_sheet())
    meta = workbook.add_worksheet(META_SHEET)
    long_lists = [field for field in fields if list_values(field) and needs_helper_sheet(list_values(field))]
    helper = workbook.add_worksheet(LISTS_SHEET) if long_lists else None
    example = example_row(spec, fields, registry)
    for col, field in enumerate(fields):
        header = header_text(field, locale)
        column_format = styles.get("column", field_type(field.type).xlsx_format)
        sheet.set_column(col, col, column_width(field, header), column_format)
        sheet.write_string(0, col, header, styles.required if needs_column(field) else styles.header)
        text = _comment(field, registry, locale)
        sheet.write_comment(0, col, text, _comment_size(text))
        source: list[str] | str | None = list(list_values(field)) or None
        if helper is not None and field in long_lists:
            index = long_lists.index(field)
            for row, value in enumerate(list_values(field)):
                helper.write_string(row, index, value)
            letter = xl_col_to_name(index)
            source = f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(list_values(field))}"
        _validate(sheet, col, field, source, locale)
        if field.name in example:
            _write_example(sheet, col, field, example[field.name], styles)
    sheet.set_row(0, 30)
    sheet.freeze_panes(1, 0)
    _write_guide(guide, spec, fields, registry, styles, locale)
    for row_index, meta_row in enumerate(meta_rows(spec, fields, locale)):
        for col, value in enumerate(meta_row):
            if isinstance(value, int) and not isinstance(value, bool):
                meta.write_number(row_index, col, value)
            else:
                meta.write_string(row_index, col, str(value))
    for hidden in (meta, helper):
        if hidden is not None:
            hidden.hide()
    return sheet


def _write_guide(sheet: Any, spec: RegisterSpec, fields: Sequence[FieldSpec], registry: Registry,
                 styles: _Styles, locale: str) -> None:
    sheet.write_string(0, 0, gettext("Import template of %(register)s (version %(version)s)",
                                     register=spec.label.get(locale), version=spec.version), styles.title)
    notes = [spec.description.get(locale)] if spec.description else []
    notes += [
        gettext("Fill in the first sheet, \"%(sheet)s\", one record per row; do not change the header texts or delete "
                "the hidden sheets.", sheet=sheet_title(spec, locale)),
        gettext("Columns whose header has a * are required (dark red header); the others may be left empty; hover "
                "over a header to see how to fill in its column."),
        gettext("Row 2 is an example: left unchanged, it is skipped on import; you may also delete it."),
        gettext("Number columns such as ID card and mobile numbers are formatted as text; keep them as text, not "
                "numbers, or they turn into scientific notation or their last digits into 0."),
        gettext("Write dates as 2020-01-05 (2020/1/5 or 2020年1月5日 also work); year and month as 2024-01."),
        gettext("In columns with a drop-down arrow, choose from the drop-down list."),
    ]
    derived = [field.label.get(locale) for field in spec.fields if field.is_derived]
    if derived:
        notes.append(gettext("Computed by the system, not to be filled in: %(fields)s.",
                             fields=gettext(", ").join(derived)))
    for index, note in enumerate(notes, start=2):
        sheet.write_string(index, 0, note)
    start = len(notes) + 3
    for col, (title, width) in enumerate(((gettext("Column name"), 18), (gettext("Required?"), 16),
                                           (gettext("Format"), 44), (gettext("Choices"), 30),
                                           (gettext("Hints"), 60))):
        sheet.set_column(col, col, width)
        sheet.write_string(start, col, title, styles.table_head)
    for row, field in enumerate(fields, start=start + 1):
        cells = (header_text(field, locale), requirement(field), format_note(field, registry, locale),
                 gettext(", ").join(list_values(field)), field.help.get(locale) if field.help else "")
        for col, value in enumerate(cells):
            sheet.write_string(row, col, value, styles.wrap)


def write_template(spec: RegisterSpec, fields: Sequence[FieldSpec], registry: Registry, out: BinaryIO | Path, *,
                   locale: str = "zh") -> None:
    """Write the import template of ``spec`` with the given columns to a path or a binary stream."""
    target: Any = str(out) if isinstance(out, (str, Path)) else out
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    try:
        styles = _Styles(workbook)
        with in_locale(locale):
            data = _write_data_sheet(workbook, spec, list(fields), registry, styles, locale)
        data.activate()
    finally:
        workbook.close()
