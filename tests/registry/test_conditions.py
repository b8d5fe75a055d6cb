"""The closed condition language of workflow transitions: parsed by hand, never evaluated as code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.registry.conditions import ConditionSyntaxError, parse_condition

TODAY = date(2026, 5, 1)


def _holds(text: str, **values: Any) -> bool:
    return parse_condition(text).evaluate(values.get, {"low_income_line": Decimal("1050")}, TODAY)


def test_a_comparison_against_a_setting() -> None:
    condition = parse_condition("per_capita_monthly_income <= config.low_income_line")
    assert condition.fields == ("per_capita_monthly_income",) and condition.settings == ("low_income_line",)
    assert _holds(condition.text, per_capita_monthly_income=Decimal("1049.99"))
    assert _holds(condition.text, per_capita_monthly_income=Decimal("1050"))
    assert not _holds(condition.text, per_capita_monthly_income=Decimal("1050.01"))
    assert not _holds(condition.text)  # a blank value never passes a comparison


@pytest.mark.parametrize(("text", "values", "expected"), [
    ("status in ['在籍', '保留会籍']", {"status": "在籍"}, True),
    ("status not in ['在籍', '保留会籍']", {"status": "在籍"}, False),
    ("deeds != null and size > 2", {"deeds": "x", "size": 3}, True),
    ("deeds == null or size > 2", {"deeds": "x", "size": 1}, False),
    ("not (size >= 3)", {"size": 2}, True),
    ("due < today", {"due": date(2026, 4, 30)}, True),
    ("flag == true", {"flag": True}, True),
    ("size == 2.5", {"size": Decimal("2.50")}, True),
    ("name == \"张三\"", {"name": "张三"}, True),
])
def test_operators(text: str, values: dict[str, Any], expected: bool) -> None:
    assert _holds(text, **values) is expected


@pytest.mark.parametrize(("text", "hint"), [
    ("", "空的"),
    ("size >", "不完整"),
    ("size 3", "比较符"),
    ("size > 3 size", "之后不应再有内容"),
    ("__import__('os') == 1", "比较符"),
    ("size > 1; drop", "无法识别"),
    ("size in 3", "之后应为列表"),
    ("(size > 3", "不完整"),
    ("(size > 3 ]", "应为“)”"),
    ("size > and", "位置不对"),
    ("record.size > 1", "不是字段名"),
])
def test_mistakes_are_named(text: str, hint: str) -> None:
    with pytest.raises(ConditionSyntaxError) as raised:
        parse_condition(text)
    assert hint in str(raised.value)
