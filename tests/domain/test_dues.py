"""Tests for portal.domain.dues (DOMAIN.md §1 D2, D3, D10)."""
from decimal import Decimal

import pytest

from portal.domain.dues import DuesRule, dues_amount, dues_base
from portal.domain.messages import DomainValidationError


@pytest.mark.parametrize(
    ("wage", "base", "amount"),
    [
        ("4567.89", "4560", "22.80"),  # DOMAIN.md D10 worked example
        ("3080", "3080", "15.40"),  # floored to 10 yuan, not 100 (D9 conflict resolved by D3)
        ("3089.99", "3080", "15.40"),
        ("9.99", "0", "0.00"),
        ("0", "0", "0.00"),
        ("10", "10", "0.05"),
        ("1010", "1010", "5.05"),
        ("1030", "1030", "5.15"),
        ("12345.67", "12340", "61.70"),
    ],
)
def test_default_rule(wage, base, amount):
    assert dues_base(Decimal(wage)) == Decimal(base)
    assert str(dues_amount(Decimal(wage))) == amount


def test_worked_example_exact_representation():
    assert dues_base(Decimal("4567.89")) == Decimal("4560")
    assert str(dues_amount(Decimal("4567.89"))) == "22.80"


def test_round_half_up():
    # 0.5 % of 1090 = 5.45 exactly; with rate 0.0055 the result 5.995 rounds up to 6.00.
    assert str(dues_amount(Decimal("1090"))) == "5.45"
    assert str(dues_amount(Decimal("1090"), DuesRule(rate=Decimal("0.0055")))) == "6.00"


def test_configurable_rule():
    rule = DuesRule(rate=Decimal("0.01"), base_unit=Decimal("100"))
    assert dues_base(Decimal("3080"), rule) == Decimal("3000")
    assert str(dues_amount(Decimal("3080"), rule)) == "30.00"
    assert DuesRule() == DuesRule(Decimal("0.005"), Decimal("10"))


@pytest.mark.parametrize(("rate", "unit"), [("-0.01", "10"), ("0.005", "0"), ("0.005", "-10"), ("NaN", "10")])
def test_rule_rejects_bad_configuration(rate, unit):
    with pytest.raises(ValueError):
        DuesRule(rate=Decimal(rate), base_unit=Decimal(unit))


def test_int_and_str_wages_are_accepted():
    assert dues_amount(4567) == Decimal("22.80")
    assert dues_amount(" 4567.89 ") == Decimal("22.80")


def test_none_stays_none():
    assert dues_base(None) is None
    assert dues_amount(None) is None


def test_negative_wage_raises_with_label():
    with pytest.raises(DomainValidationError) as info:
        dues_amount(Decimal("-1"))
    assert info.value.code == "amount_negative"
    assert str(info.value) == "月工资收入不能为负数，请填写 0 或正数（当前为 -1）"
    with pytest.raises(DomainValidationError) as info:
        dues_base(Decimal("-0.01"), label="会费基数")
    assert str(info.value) == "会费基数不能为负数，请填写 0 或正数（当前为 -0.01）"


@pytest.mark.parametrize("wage", ["abc", "", Decimal("NaN"), Decimal("Infinity")])
def test_non_numeric_wage_raises(wage):
    with pytest.raises(DomainValidationError) as info:
        dues_amount(wage)
    assert info.value.code == "amount_invalid"
    assert str(info.value).startswith("月工资收入应为数字金额")
