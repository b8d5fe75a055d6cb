"""Member dues (会费), DOMAIN.md §1: 0.5 % of monthly wage income (D2), the wage floored
to a multiple of 10 yuan (D3), the result rounded half-up to 0.01 yuan (D10).

The rate and the base unit are configurable because local rules vary.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from .messages import DomainValidationError

CENT = Decimal("0.01")
WAGE_LABEL = "月工资收入"  # i18n: data (a label TERMS_EN renders in English)


@dataclass(frozen=True)
class DuesRule:
    """Dues rate and the unit the wage base is floored to (defaults: 0.5 %, 10 yuan)."""

    rate: Decimal = Decimal("0.005")
    base_unit: Decimal = Decimal("10")

    def __post_init__(self) -> None:
        if not (self.rate.is_finite() and self.rate >= 0):
            raise ValueError(f"dues rate must be a finite non-negative Decimal, got {self.rate}")
        if not (self.base_unit.is_finite() and self.base_unit > 0):
            raise ValueError(f"base unit must be a finite positive Decimal, got {self.base_unit}")


DEFAULT_RULE = DuesRule()


def _wage(wage: Decimal | int | str, label: str) -> Decimal:
    """Coerce to a finite, non-negative Decimal or raise DomainValidationError."""
    try:
        amount = wage if isinstance(wage, Decimal) else Decimal(str(wage).strip())
    except InvalidOperation:
        raise DomainValidationError.of("amount_invalid", label=label, value=wage) from None
    if not amount.is_finite():
        raise DomainValidationError.of("amount_invalid", label=label, value=wage)
    if amount < 0:
        raise DomainValidationError.of("amount_negative", label=label, value=amount)
    return amount


def dues_base(
    wage: Decimal | int | str | None, rule: DuesRule = DEFAULT_RULE, label: str = WAGE_LABEL
) -> Decimal | None:
    """floor(wage / unit) * unit, e.g. 4567.89 -> 4560; None stays None."""
    if wage is None:
        return None
    amount = _wage(wage, label)
    units = (amount / rule.base_unit).to_integral_value(rounding=ROUND_FLOOR)
    return units * rule.base_unit


def dues_amount(
    wage: Decimal | int | str | None, rule: DuesRule = DEFAULT_RULE, label: str = WAGE_LABEL
) -> Decimal | None:
    """Monthly dues: (base * rate) rounded half-up to 0.01, e.g. 4567.89 -> 22.80; None stays None."""
    base = dues_base(wage, rule, label)
    if base is None:
        return None
    return (base * rule.rate).quantize(CENT, rounding=ROUND_HALF_UP)
