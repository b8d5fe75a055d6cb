"""Tests for portal.domain.phone."""
import pytest

from portal.domain.messages import DomainValidationError
from portal.domain.phone import normalize_mobile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("19912345678", "19912345678"),
        (" 138 0013 8000 ", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("＋８６\u3000１３８００１３８０００", "13800138000"),
        ("\u200b15012345678\u00a0", "15012345678"),
    ],
)
def test_valid_mobiles(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("12345", "12345"),
        ("12800138000", "12800138000"),
        ("23800138000", "23800138000"),
        ("1380013800", "1380013800"),
        ("138001380000", "138001380000"),
        ("138-0013-8000", "138-0013-8000"),
        ("+8612800138000", "+8612800138000"),
        ("+85213800138000", "+85213800138000"),
        ("1380013800a", "1380013800a"),
        ("１２３４５", "12345"),
        ("\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660", "١٣٨٠٠١٣٨٠٠٠"),
    ],
)
def test_invalid_mobiles(raw, shown):
    with pytest.raises(DomainValidationError) as info:
        normalize_mobile(raw)
    assert info.value.code == "phone_invalid"
    assert str(info.value) == f"手机号码应为以 1 开头的 11 位数字（第二位 3-9），当前为“{shown}”"


def test_exact_message_for_short_number():
    with pytest.raises(DomainValidationError) as info:
        normalize_mobile("12345")
    assert str(info.value) == "手机号码应为以 1 开头的 11 位数字（第二位 3-9），当前为“12345”"


def test_label_and_empty_value():
    with pytest.raises(DomainValidationError, match="^联系电话应为以 1 开头"):
        normalize_mobile("12345", label="联系电话")
    with pytest.raises(DomainValidationError) as info:
        normalize_mobile("  ")
    assert str(info.value) == "手机号码不能为空，请填写"
