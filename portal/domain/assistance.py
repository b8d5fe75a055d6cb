"""Hardship assistance (困难职工帮扶), DOMAIN.md §7: the household's monthly income per head."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MONTHS = 12


def per_capita_monthly_income(annual_income: Decimal | int | None, rigid_expenses: Decimal | int | None,
                              household_size: int | None) -> Decimal | None:
    """(household annual disposable income − unavoidable expenses) / 12 / household size, half-up to 0.01 yuan.

    No income or no household size gives no result; no unavoidable expenses count as 0.
    """
    if annual_income is None or household_size is None or household_size <= 0:
        return None
    net = Decimal(annual_income) - Decimal(rigid_expenses or 0)
    return (net / MONTHS / household_size).quantize(CENT, rounding=ROUND_HALF_UP)
