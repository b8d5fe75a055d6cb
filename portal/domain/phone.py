"""Mainland China mobile numbers: 11 digits, practical pattern ^1[3-9]\\d{9}$ (no carrier check)."""
from __future__ import annotations

import re

from .messages import DomainValidationError
from .normalize import compact, normalize_text

# ASCII digits only: \d would also accept other Unicode digits.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_COUNTRY_PREFIX = re.compile(r"(?:\+86|86)([0-9]{11})")


def normalize_mobile(value: str, label: str = "手机号码") -> str:  # i18n: data (a label TERMS_EN renders)
    """Validate a mobile number and return its 11 digits (spaces and a +86/86 prefix removed).

    Raises DomainValidationError (codes: required, phone_invalid).
    """
    text = compact(value or "")
    if not text:
        raise DomainValidationError.of("required", label=label)
    prefixed = _COUNTRY_PREFIX.fullmatch(text)
    if prefixed:
        text = prefixed.group(1)
    if not _MOBILE.fullmatch(text):
        raise DomainValidationError.of("phone_invalid", label=label, value=normalize_text(value))
    return text
