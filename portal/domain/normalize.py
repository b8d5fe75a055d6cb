"""Text normalisation for values typed or pasted by users (full-width forms, stray spaces)."""
from __future__ import annotations

import re
import unicodedata

# Full-width ASCII U+FF01..U+FF5E maps to U+0021..U+007E; U+3000 is the ideographic space.
_FULLWIDTH: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# Only the full-width digits, Latin letters and the ideographic space: Chinese prose keeps its ，（）。
_FULLWIDTH_ALNUM: dict[int, int] = {code: target for code, target in _FULLWIDTH.items()
                                    if chr(target).isalnum() or target == 0x20}

# Invisible characters that str.isspace() does not cover (zero-width space/joiners, word joiner, BOM).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_ALL_SPACE = re.compile(rf"[\s{_INVISIBLE}]+")


def _strip_edges(value: str) -> str:
    """Whitespace and invisible characters off both ends (``str.strip`` is much faster than a regex)."""
    while True:
        stripped = value.strip().strip(_INVISIBLE)
        if stripped == value:
            return value
        value = stripped


def normalize_text(value: str) -> str:
    """Convert full-width ASCII and U+3000 to half-width, then strip surrounding whitespace.

    Zero-width characters and a byte-order mark at either end are stripped as well.
    """
    return _strip_edges(value.translate(_FULLWIDTH))


def compact(value: str) -> str:
    """normalize_text, then remove every whitespace (and zero-width) character."""
    if value.isascii() and value.isalnum():
        return value  # the common case (an ID number, a phone, a code): nothing to change
    return _ALL_SPACE.sub("", normalize_text(value))


def normalize_prose(value: str) -> str:
    """Like ``normalize_text`` for free text: full-width digits and letters become half-width, but
    Chinese punctuation (，。（）) stays as written."""
    return _strip_edges(value.translate(_FULLWIDTH_ALNUM))


def spelling_key(value: str) -> str:
    """The form in which two spellings of a header or a choice are compared: NFKC, no whitespace,
    lower case (``下（待）岗`` and ``下(待)岗``, ``Active`` and ``active``, ``身份证 号码`` and ``身份证号码``)."""
    return compact(unicodedata.normalize("NFKC", value)).lower()
