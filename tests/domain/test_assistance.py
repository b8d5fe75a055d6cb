"""Tests for portal.domain.assistance: the household's monthly income per head (DOMAIN §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.domain.assistance import per_capita_monthly_income


@pytest.mark.parametrize(("annual", "rigid", "size", "expected"), [
    (Decimal("36000"), Decimal("6000"), 3, Decimal("833.33")),      # (36000 − 6000) / 12 / 3 = 833.333…
    (Decimal("12000.06"), Decimal("0"), 1, Decimal("1000.01")),     # 1000.005: half up, not half to even
    (Decimal("12000.06"), None, 1, Decimal("1000.01")),             # no unavoidable expenses counts as 0
    (Decimal("12000.06"), Decimal("0"), 2, Decimal("500.00")),      # 500.0025
    (Decimal("24000"), Decimal("30000"), 2, Decimal("-250.00")),    # costs above income: below zero, as computed
])
def test_per_capita_monthly_income(annual: Decimal, rigid: Decimal | None, size: int, expected: Decimal) -> None:
    assert per_capita_monthly_income(annual, rigid, size) == expected


@pytest.mark.parametrize(("annual", "size"), [(None, 3), (Decimal("36000"), None), (Decimal("36000"), 0)])
def test_no_income_or_no_household_gives_no_result(annual: Decimal | None, size: int | None) -> None:
    assert per_capita_monthly_income(annual, Decimal("100"), size) is None
