"""Citizen ID numbers per GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check character).

Layout: 6-digit address code + 8-digit birth date YYYYMMDD + 3-digit sequence code
+ 1 check character. An odd sequence code means male, an even one female.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from operator import mul

from .messages import DomainValidationError
from .normalize import compact

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
#: What the character codes of "0" add to the weighted sum (digits are summed by their codes).
_ZEROS = ord("0") * sum(WEIGHTS)
GENDERS = ("男", "女")  # i18n: data
#: A birth date up to this day is in the past whatever the clock says (asking it costs more than the rest of
#: the checks, and nearly every member was born before it).
_PAST = date(2020, 1, 1)


def _is_digits(value: str) -> bool:
    """True if ``value`` is non-empty and made of ASCII digits only."""
    return value.isascii() and value.isdigit()


def check_character(first17: str) -> str:
    """The check character ("0"-"9" or "X") for the first 17 digits."""
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    return CHECK_CHARS[(sum(map(mul, first17.encode(), WEIGHTS)) - _ZEROS) % 11]


def _ymd(day: date) -> str:
    """Format a date as YYYYMMDD (zero-padded year, unlike strftime on some platforms)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@lru_cache(maxsize=4096)  # a roll holds many people born on the same day
def _birth_date(digits8: str) -> date | None:
    """Parse YYYYMMDD, or None if it is not a real date."""
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def normalize_id_card(value: str, label: str = "身份证号", today: date | None = None) -> str:  # i18n: data
    """Validate an 18-character ID number and return it normalised (half-width, no spaces, upper X).

    Raises DomainValidationError (codes: required, id_chars, id_legacy_15, id_length,
    id_birth_invalid, id_birth_future, id_check).
    """
    text = compact(value or "")
    if not text:
        raise DomainValidationError.of("required", label=label)
    if text[-1] == "x":
        text = text[:-1] + "X"
    body = text[:-1] if text[-1] == "X" else text
    if not _is_digits(body):
        raise DomainValidationError.of("id_chars", label=label)
    if len(text) == 15 and body == text:
        raise DomainValidationError.of("id_legacy_15", label=label)
    if len(text) != 18:
        raise DomainValidationError.of("id_length", label=label, length=len(text))
    digits8 = text[6:14]
    birth = _birth_date(digits8)
    if birth is None:
        raise DomainValidationError.of("id_birth_invalid", label=label, birth=digits8)
    if (birth > _PAST or today is not None) and birth > (today or date.today()):  # the clock: recent births only
        raise DomainValidationError.of("id_birth_future", label=label, birth=digits8)
    expected = check_character(text[:17])
    if text[17] != expected:
        raise DomainValidationError.of("id_check", label=label, expected=expected)
    return text


def gender_from_id(id18: str) -> str:
    """"男" if the 17th digit (end of the sequence code) is odd, else "女"."""
    return "男" if int(id18[16]) % 2 else "女"  # i18n: data


def birth_date_from_id(id18: str) -> date:
    """The birth date encoded in characters 7-14 of a normalised ID number."""
    birth = _birth_date(id18[6:14])
    if birth is None:
        raise ValueError(f"no valid birth date in {id18!r}")
    return birth


def check_gender(id18: str, gender: str, label: str = "身份证号") -> None:  # i18n: data
    """Raise DomainValidationError if ``gender`` ("男"/"女") contradicts the ID number."""
    value = compact(gender or "")
    if value not in GENDERS:
        raise DomainValidationError.of("gender_invalid", label="性别", value=value)  # i18n: data (a label TERMS_EN renders)
    id_gender = gender_from_id(id18)
    if id_gender != value:
        raise DomainValidationError.of(
            "id_gender_mismatch", label=label, id_gender=id_gender, gender=value
        )


def check_birth_date(id18: str, birth: date, label: str = "身份证号") -> None:  # i18n: data
    """Raise DomainValidationError if ``birth`` differs from the date in the ID number."""
    id_birth = birth_date_from_id(id18)
    if id_birth != birth:
        raise DomainValidationError.of(
            "id_birth_mismatch",
            label=label,
            id_birth=_ymd(id_birth),
            birth=_ymd(birth),
        )


def age_on(birth: date, today: date) -> int:
    """Age in whole years on ``today`` (someone born on 29 Feb turns a year older on 1 Mar)."""
    before_birthday = (today.month, today.day) < (birth.month, birth.day)
    return today.year - birth.year - int(before_birthday)


def make_id_card(area: str, birth: date, seq: int) -> str:
    """Build a valid 18-character ID number from a 6-digit area code, birth date and sequence 0-999."""
    if len(area) != 6 or not _is_digits(area):
        raise ValueError(f"area code must be 6 digits, got {area!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"sequence code must be 0..999, got {seq}")
    first17 = f"{area}{_ymd(birth)}{seq:03d}"
    return first17 + check_character(first17)
