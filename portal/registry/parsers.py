"""Value parsers, one per field type: raw input (form text, JSON value, spreadsheet cell) -> Python value.

The REST API, the forms and the import all parse through these functions, so a clerk sees the
same Chinese message whichever way the value came in. A parser raises ``DomainValidationError``
carrying a ``Problem``; the caller renders it in the user's language.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from portal.domain.idcard import normalize_id_card
from portal.domain.messages import DomainValidationError, Problem
from portal.domain.normalize import compact, normalize_prose, normalize_text
from portal.domain.phone import normalize_mobile
from portal.registry.spec import FieldSpec
from portal.texts import gettext

Parser = Callable[[Any, FieldSpec], Any]

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),  # i18n: data
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),  # i18n: data
    re.compile(r"^(\d{4})(\d{2})$"),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"是", "true", "1", "yes", "y", "√", "on", "t"}  # i18n: data
_FALSE = {"否", "false", "0", "no", "n", "×", "off", "f"}  # i18n: data


#: Characters that reorder or hide text: bidi embeddings, overrides and isolates, direction marks and
#: the Arabic letter mark. ``U+202E`` makes “张三\u202Efdp.exe” display as “张三exe.pdf”.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_HIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f{_BIDI_CONTROLS}]")
#: Multi-line text keeps its tabs and line breaks (``\r\n`` from a browser's textarea).
_HIDDEN_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_BIDI_CONTROLS}]")
_LINE_BREAKS = "\t\n\r"


def fail(code: str, spec: FieldSpec, **params: Any) -> DomainValidationError:
    return DomainValidationError(Problem(code, {"label": spec.label.zh, "label_en": spec.label.en, **params}))


#: (total digits, decimal places) of the stored columns: a value the database cannot hold is refused here.
MONEY_PRECISION = (14, 2)
DECIMAL_PRECISION = (18, 4)
#: Integer columns are 32-bit on PostgreSQL.
INTEGER_RANGE = (-(2**31), 2**31 - 1)

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
#: Excel stores dates as days since 1899-12-30; 1 .. 2958465 covers 1900-01-01 .. 9999-12-31.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LAST_SERIAL = 2958465


def screened(parse: Parser, multiline: bool) -> Parser:
    """``parse``, refusing text that holds control characters or bidi controls before it is read.

    Every field type's parser is wrapped once in the field-type table, so the REST API, the forms
    and the import all refuse them with the same message naming the field. Whitespace at either end
    is left to the parsers, which strip it.
    """
    hidden = _HIDDEN_IN_TEXT if multiline else _HIDDEN_IN_LINE

    @functools.wraps(parse)
    def parse_screened(raw: Any, spec: FieldSpec) -> Any:
        # Most values hold none (a printable text cannot: isprintable runs at C speed); they are not stripped first.
        if isinstance(raw, str) and not raw.isprintable() and hidden.search(raw):
            found = hidden.search(raw.strip())
            if found:
                raise _hidden_character(found.group(), spec)
        return parse(raw, spec)

    return parse_screened


def _hidden_character(char: str, spec: FieldSpec) -> DomainValidationError:
    code = f"U+{ord(char):04X}"
    if char in _LINE_BREAKS:
        return fail("line_break", spec, char=code)
    if ord(char) < 0x20 or char == "\x7f":
        return fail("control_character", spec, char=code)
    return fail("bidi_control", spec, char=code)


def _text(raw: Any) -> str:
    """Cell or form value as text; a whole float from a spreadsheet (``123.0``) reads as ``123``."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return normalize_text(str(raw))


def _text_of(raw: Any) -> str:
    return str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)


def _excel_serial(raw: Any) -> date | None:
    """A spreadsheet date serial number (``43835`` = 2020-01-05); ``None`` if ``raw`` is not one."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 1 <= raw <= _EXCEL_LAST_SERIAL:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(raw))


def parse_string(raw: Any, spec: FieldSpec) -> str:
    """Codes (a field with a pattern) are normalised fully; names and prose keep Chinese punctuation."""
    value = _text(raw) if spec.pattern else normalize_prose(_text_of(raw))
    limit = spec.max_length or 100
    if len(value) > limit:
        raise fail("too_long", spec, max_length=limit, length=len(value))
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise fail("pattern_mismatch", spec, value=value)
    return value


def parse_text(raw: Any, spec: FieldSpec) -> str:
    value = str(raw).strip()
    if spec.max_length and len(value) > spec.max_length:
        raise fail("too_long", spec, max_length=spec.max_length, length=len(value))
    return value


def _check_range(value: Decimal | int, spec: FieldSpec) -> None:
    if spec.min is not None and value < spec.min:
        raise fail("too_small", spec, min=spec.min, value=value)
    if spec.max is not None and value > spec.max:
        raise fail("too_large", spec, max=spec.max, value=value)


def _number_text(raw: Any) -> str:
    text = compact(str(raw)).replace(",", "").replace("，", "")  # i18n: data
    return text.removesuffix("元").removeprefix("¥").removeprefix("￥")  # i18n: data


def parse_integer(raw: Any, spec: FieldSpec) -> int:
    if isinstance(raw, bool):
        raise fail("not_integer", spec, value=raw)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        text = _number_text(raw)
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise fail("not_integer", spec, value=_text(raw))
        value = int(Decimal(text))
    low, high = INTEGER_RANGE
    if value < low:
        raise fail("too_small", spec, min=low, value=value)
    if value > high:
        raise fail("too_large", spec, max=high, value=value)
    _check_range(value, spec)
    return value


def _parse_decimal(raw: Any, spec: FieldSpec, precision: tuple[int, int]) -> Decimal:
    if isinstance(raw, bool):
        raise fail("not_number", spec, value=raw)
    try:
        value = Decimal(str(raw)) if isinstance(raw, (int, float, Decimal)) else Decimal(_number_text(raw))
    except InvalidOperation:
        raise fail("not_number", spec, value=_text(raw)) from None
    if not value.is_finite():
        raise fail("not_number", spec, value=_text(raw))
    digits, places = precision
    quantum = Decimal(1).scaleb(-places)
    largest = Decimal(10).scaleb(digits - places - 1) - quantum
    if value > largest:
        raise fail("too_large", spec, max=largest, value=_text(raw))
    if value < -largest:
        raise fail("too_small", spec, min=-largest, value=_text(raw))
    _check_range(value, spec)
    if value != value.quantize(quantum):
        raise fail("too_many_decimals", spec, places=places, value=value)
    return value.quantize(quantum)


def parse_decimal(raw: Any, spec: FieldSpec) -> Decimal:
    return _parse_decimal(raw, spec, DECIMAL_PRECISION)


def parse_money(raw: Any, spec: FieldSpec) -> Decimal:
    return _parse_decimal(raw, spec, MONEY_PRECISION)


def _match_date(text: str, patterns: tuple[re.Pattern[str], ...]) -> tuple[int, ...] | None:
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match:
            return tuple(int(part) for part in match.groups())
    return None


def parse_date(raw: Any, spec: FieldSpec) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and not 19000101 <= raw <= 99991231:
        serial = _excel_serial(raw)
        if serial is None:
            raise fail("bad_date", spec, value=_text(raw))
        return serial
    text = compact(_text(raw))
    text = text.split("T", 1)[0] if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+Z?", text) else text
    parts = _match_date(text, _DATE_PATTERNS)
    if parts is None:
        raise fail("bad_date", spec, value=text)
    try:
        return date(*parts)
    except ValueError:
        raise fail("bad_date", spec, value=text) from None


def parse_month(raw: Any, spec: FieldSpec) -> str:
    if isinstance(raw, (date, datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and not 190001 <= raw <= 999912:
        serial = _excel_serial(raw)
        if serial is None:
            raise fail("bad_month", spec, value=_text(raw))
        return f"{serial.year:04d}-{serial.month:02d}"
    text = compact(_text(raw))
    parts = _match_date(text, _MONTH_PATTERNS)
    if parts is None:
        full = _match_date(text, _DATE_PATTERNS)
        parts = full[:2] if full else None
    if parts is None or not 1 <= parts[1] <= 12 or parts[0] < 1900:
        raise fail("bad_month", spec, value=text)
    return f"{parts[0]:04d}-{parts[1]:02d}"


def parse_boolean(raw: Any, spec: FieldSpec) -> bool:
    if isinstance(raw, bool):
        return raw
    text = compact(_text(raw)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise fail("bad_boolean", spec, value=text)


def parse_choice(raw: Any, spec: FieldSpec) -> str:
    """A choice's value, Chinese or English label, or one of its aliases -> the stored value."""
    text = compact(_text(raw))
    value = spec.choice_for(text)
    if value is None:
        raise fail("not_in_choices", spec, value=text, choices=gettext(", ").join(spec.choice_values))
    return value


def _relabel(error: DomainValidationError, spec: FieldSpec) -> DomainValidationError:
    problem = error.problem
    return DomainValidationError(Problem(problem.code, {**problem.params, "label_en": spec.label.en}))


def parse_id_card(raw: Any, spec: FieldSpec) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise fail("id_as_number", spec, value=f"{raw:.6G}" if isinstance(raw, float) else raw)
    text = str(raw)
    digits = text.isascii() and text[:-1].isdigit()  # the common case, which cannot be a number in E notation
    if not digits and _SCIENTIFIC.fullmatch(compact(text)):
        raise fail("id_as_number", spec, value=compact(text))
    try:
        return normalize_id_card(text, label=spec.label.zh)
    except DomainValidationError as error:
        raise _relabel(error, spec) from None


def parse_phone(raw: Any, spec: FieldSpec) -> str:
    if isinstance(raw, float):
        raw = int(raw) if raw.is_integer() else raw
    try:
        return normalize_mobile(str(raw), label=spec.label.zh)
    except DomainValidationError as error:
        raise _relabel(error, spec) from None


def parse_email(raw: Any, spec: FieldSpec) -> str:
    value = compact(str(raw))
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise fail("bad_email", spec, value=value)
    return value.lower()


def parse_link_key(raw: Any, spec: FieldSpec) -> str:
    """A link arrives as the natural key (or title) of the target; resolving it needs the database."""
    return _text(raw)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and normalize_text(raw) == "")
