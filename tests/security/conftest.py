"""Counts the generated permission-matrix cases and prints the figure at the end of the run."""

from __future__ import annotations

from typing import Any

import pytest

#: Every allow/deny, row-scope and masking check made by ``test_matrix.py`` appends its name here.
MATRIX_CASES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MATRIX_CASES:
        terminalreporter.write_line(
            f"权限矩阵：{len(MATRIX_CASES)} 个检查（角色 × 登记簿 × 动作 × 渠道、行范围与打码，所有数据库合计）")


@pytest.fixture(scope="session")
def matrix_cases() -> list[str]:
    return MATRIX_CASES
