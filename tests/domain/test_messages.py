"""Tests for portal.domain.messages: the message table, Problem and DomainValidationError."""
import pickle
import string

import pytest

from portal.domain.messages import MESSAGES, DomainValidationError, Problem
from portal.texts import in_locale


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_zh_and_en_with_same_params_naming_the_field(code):
    templates = {}
    for locale in ("zh", "en"):
        with in_locale(locale):
            templates[locale] = str(MESSAGES[code])
    assert templates["zh"] != templates["en"], "the zh catalogue has the Chinese of each template"
    assert _fields(templates["zh"]) == _fields(templates["en"])
    assert "label" in _fields(templates["zh"])
    assert templates["zh"].startswith("{label}")


@pytest.mark.parametrize(
    ("code", "params", "zh", "en"),
    [
        (
            "id_check",
            {"label": "身份证号", "expected": "X"},
            "身份证号校验位错误，应为 X",
            "ID number: wrong check character, should be X",
        ),
        (
            "id_length",
            {"label": "身份证号", "length": 17},
            "身份证号应为 18 位（当前 17 位）",
            "ID number: must have 18 characters (currently 17)",
        ),
        (
            "id_chars",
            {"label": "身份证号"},
            "身份证号只能包含数字，最后一位可以是 X",
            "ID number: only digits are allowed, the last character may be X",
        ),
        (
            "id_birth_invalid",
            {"label": "身份证号", "birth": "19491331"},
            "身份证号中的出生日期 19491331 不是有效日期",
            "ID number: the birth date 19491331 in the number is not a valid date",
        ),
        (
            "id_birth_future",
            {"label": "身份证号", "birth": "20990101"},
            "身份证号中的出生日期 20990101 晚于今天",
            "ID number: the birth date 20990101 in the number is later than today",
        ),
        (
            "id_gender_mismatch",
            {"label": "身份证号", "id_gender": "男", "gender": "女"},
            "身份证号第 17 位表示男性，与性别“女”不一致",
            "ID number: digit 17 indicates male, which does not match gender “female”",
        ),
        (
            "phone_invalid",
            {"label": "手机号码", "value": "12345"},
            "手机号码应为以 1 开头的 11 位数字（第二位 3-9），当前为“12345”",
            "Mobile number: must be 11 digits starting with 1 (second digit 3-9), currently “12345”",
        ),
    ],
)
def test_problem_renders_zh_and_en(code, params, zh, en):
    problem = Problem(code, params)
    assert problem.message() == zh
    assert problem.message("zh") == zh
    assert problem.message("en") == en


def test_unknown_label_is_kept_in_english():
    assert Problem("required", {"label": "会员证号"}).message("en") == "会员证号: required, please fill it in"


def test_unknown_locale_falls_back_to_zh_and_unknown_code_to_code():
    assert Problem("required", {"label": "姓名"}).message("fr") == "姓名不能为空，请填写"
    assert Problem("no_such_code").message() == "no_such_code"


def test_problem_is_frozen():
    problem = Problem("required", {"label": "姓名"})
    with pytest.raises(AttributeError):
        problem.code = "other"  # type: ignore[misc]


def test_domain_validation_error_carries_problem_and_zh_str():
    error = DomainValidationError.of("id_check", label="身份证号", expected="1")
    assert isinstance(error, ValueError)
    assert error.problem == Problem("id_check", {"label": "身份证号", "expected": "1"})
    assert error.code == "id_check"
    assert str(error) == "身份证号校验位错误，应为 1"
    assert error.message("en") == "ID number: wrong check character, should be 1"


def test_domain_validation_error_pickles():
    error = DomainValidationError.of("required", label="姓名")
    clone = pickle.loads(pickle.dumps(error))
    assert clone.problem == error.problem
    assert str(clone) == "姓名不能为空，请填写"
