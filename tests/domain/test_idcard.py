"""Tests for portal.domain.idcard (GB 11643-1999)."""
from datetime import date

import pytest

from portal.domain.idcard import (
    CHECK_CHARS,
    WEIGHTS,
    age_on,
    birth_date_from_id,
    check_birth_date,
    check_character,
    check_gender,
    gender_from_id,
    make_id_card,
    normalize_id_card,
)
from portal.domain.messages import DomainValidationError

TODAY = date(2024, 6, 1)


def test_constants():
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert CHECK_CHARS == "10X98765432"
    # W_i = 2^(18-i) mod 11, per ISO 7064 MOD 11-2.
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == WEIGHTS


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("36042619910101007", "1")],
)
def test_check_character(first17, check):
    assert check_character(first17) == check


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100A", "110105194912310021"])
def test_check_character_rejects_malformed_input(bad):
    with pytest.raises(ValueError):
        check_character(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("440524188001010014", "440524188001010014"),
        ("360426199101010071", "360426199101010071"),
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        (" 110105 1949 1231 002X\u3000", "11010519491231002X"),
        ("\u200b360426\u00a0199101010071\n", "360426199101010071"),
    ],
)
def test_valid_numbers_are_normalised(raw, expected):
    assert normalize_id_card(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("360426199101010072", "id_check", "身份证号校验位错误，应为 1"),
        ("110105194912310021", "id_check", "身份证号校验位错误，应为 X"),
        ("11010519491231002", "id_length", "身份证号应为 18 位（当前 17 位）"),
        ("1101051949123100211", "id_length", "身份证号应为 18 位（当前 19 位）"),
        ("11010519491231002Y", "id_chars", "身份证号只能包含数字，最后一位可以是 X"),
        ("1101051949123100X1", "id_chars", "身份证号只能包含数字，最后一位可以是 X"),
        ("11010519491231-02X", "id_chars", "身份证号只能包含数字，最后一位可以是 X"),
        ("110105194913310021", "id_birth_invalid", "身份证号中的出生日期 19491331 不是有效日期"),
        ("110105190002290021", "id_birth_invalid", "身份证号中的出生日期 19000229 不是有效日期"),
        ("110105000001010021", "id_birth_invalid", "身份证号中的出生日期 00000101 不是有效日期"),
        ("110105209901010021", "id_birth_future", "身份证号中的出生日期 20990101 晚于今天"),
        ("110105491231002", "id_legacy_15", "身份证号是 15 位旧号码，请换成 18 位新号码后再填写"),
        ("", "required", "身份证号不能为空，请填写"),
        (" \u3000 ", "required", "身份证号不能为空，请填写"),
    ],
)
def test_invalid_numbers_raise_with_exact_message(raw, code, message):
    with pytest.raises(DomainValidationError) as info:
        normalize_id_card(raw, today=TODAY)
    assert info.value.code == code
    assert str(info.value) == message


def test_label_is_used_in_message():
    with pytest.raises(DomainValidationError, match="^证件号码校验位错误，应为 1$"):
        normalize_id_card("360426199101010072", label="证件号码", today=TODAY)


def test_future_check_uses_today():
    number = make_id_card("110105", date(2024, 6, 2), 1)
    with pytest.raises(DomainValidationError) as info:
        normalize_id_card(number, today=TODAY)
    assert str(info.value) == "身份证号中的出生日期 20240602 晚于今天"
    assert normalize_id_card(number, today=date(2024, 6, 2)) == number


def test_default_today_is_the_real_date():
    assert normalize_id_card("11010519491231002X") == "11010519491231002X"
    next_year = make_id_card("110105", date(date.today().year + 1, 1, 1), 1)
    with pytest.raises(DomainValidationError, match="晚于今天"):
        normalize_id_card(next_year)


def test_a_given_today_is_obeyed_for_any_birth_date():
    number = make_id_card("110105", date(2015, 3, 1), 1)
    with pytest.raises(DomainValidationError, match="晚于今天"):
        normalize_id_card(number, today=date(2010, 1, 1))


@pytest.mark.parametrize(
    ("number", "gender", "birth"),
    [
        ("11010519491231002X", "女", date(1949, 12, 31)),
        ("440524188001010014", "男", date(1880, 1, 1)),
        ("360426199101010071", "男", date(1991, 1, 1)),
    ],
)
def test_gender_and_birth_from_id(number, gender, birth):
    assert gender_from_id(number) == gender
    assert birth_date_from_id(number) == birth
    check_gender(number, gender)
    check_gender(number, f" {gender} ")
    check_birth_date(number, birth)


def test_check_gender_mismatch_messages():
    with pytest.raises(DomainValidationError) as info:
        check_gender("360426199101010071", "女")
    assert str(info.value) == "身份证号第 17 位表示男性，与性别“女”不一致"
    with pytest.raises(DomainValidationError) as info:
        check_gender("11010519491231002X", "男", label="证件号码")
    assert str(info.value) == "证件号码第 17 位表示女性，与性别“男”不一致"


def test_check_gender_rejects_unknown_value():
    with pytest.raises(DomainValidationError) as info:
        check_gender("360426199101010071", "M")
    assert info.value.code == "gender_invalid"
    assert str(info.value) == "性别应为“男”或“女”，当前为“M”"


def test_check_birth_date_mismatch():
    with pytest.raises(DomainValidationError) as info:
        check_birth_date("11010519491231002X", date(1949, 12, 30))
    assert str(info.value) == "身份证号中的出生日期 19491231 与出生日期 19491230 不一致，请核对"


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(1991, 1, 1), date(2024, 1, 1), 33),
        (date(1991, 1, 1), date(2023, 12, 31), 32),
        (date(1949, 12, 31), date(2024, 6, 1), 74),
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2024, 6, 1), date(2024, 6, 1), 0),
    ],
)
def test_age_on(birth, today, age):
    assert age_on(birth, today) == age


@pytest.mark.parametrize(
    ("area", "birth", "seq", "expected"),
    [
        ("110105", date(1949, 12, 31), 2, "11010519491231002X"),
        ("440524", date(1880, 1, 1), 1, "440524188001010014"),
        ("360426", date(1991, 1, 1), 7, "360426199101010071"),
    ],
)
def test_make_id_card_reproduces_vectors(area, birth, seq, expected):
    assert make_id_card(area, birth, seq) == expected


@pytest.mark.parametrize("seq", [0, 1, 2, 99, 500, 999])
def test_make_id_card_round_trips(seq):
    birth = date(1985, 7, 15)
    number = make_id_card("310104", birth, seq)
    assert normalize_id_card(number, today=TODAY) == number
    assert birth_date_from_id(number) == birth
    assert gender_from_id(number) == ("男" if seq % 2 else "女")


@pytest.mark.parametrize(("area", "seq"), [("11010", 1), ("11010A", 1), ("110105", -1), ("110105", 1000)])
def test_make_id_card_rejects_bad_arguments(area, seq):
    with pytest.raises(ValueError):
        make_id_card(area, date(1990, 1, 1), seq)
