"""Masked values keep a recognisable shape (pure, no app)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.registry.spec import FieldSpec, Label
from portal.security.masking import mask_text, mask_value


def field(type_: str) -> FieldSpec:
    return FieldSpec(name="x", type=type_, label=Label("x", "x"), sensitive=True)


def test_id_card_keeps_region_and_check_digits() -> None:
    assert mask_value(field("id_card"), "11010519491231002X") == "110105********002X"


def test_phone_keeps_prefix_and_last_four() -> None:
    assert mask_value(field("phone"), "13812345678") == "138****5678"


@pytest.mark.parametrize("type_, value", [("money", Decimal("8500.00")), ("decimal", Decimal("1.5")),
                                           ("integer", 42), ("money", 0)])
def test_numbers_become_four_stars(type_: str, value: object) -> None:
    assert mask_value(field(type_), value) == "****"


def test_date_field_masks_to_date_shape() -> None:
    assert mask_value(field("date"), date(1949, 12, 31)) == "****-**-**"
    assert mask_value(field("date"), "1949-12-31") == "****-**-**"


def test_month_field_masks_to_month_shape() -> None:
    assert mask_value(field("month"), "2026-01") == "****-**"


@pytest.mark.parametrize("type_", ["id_card", "phone", "money", "date", "string", "choice"])
@pytest.mark.parametrize("blank", [None, ""])
def test_blanks_stay_blank(type_: str, blank: object) -> None:
    assert mask_value(field(type_), blank) is blank


def test_short_string_keeps_its_first_character() -> None:
    assert mask_value(field("string"), "张三") == "张*"
    assert mask_value(field("string"), "北京市海淀") == "北****"


def test_boolean_choice_and_text_hide_their_length() -> None:
    assert mask_value(field("boolean"), True) == "*"
    assert mask_value(field("choice"), "残疾") == "***"
    assert mask_value(field("text"), "一段很长的说明文字") == "***"


@pytest.mark.parametrize("text, masked", [
    ("X", "*"),
    ("ab", "a*"),
    ("abcdefg", "ab***fg"),
    ("6222021234567890123", "622202*********0123"),
])
def test_mask_text_lengths(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert len(masked) == len(text)
