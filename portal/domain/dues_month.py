"""Monthly dues rows and arrears, DOMAIN.md §1 (D1, D6, D7, D8) and §3 (M4, M5).

Pure rules, no database: which members owe a month's dues and which are exempt, the record number
of a generated row, and a member's run of unpaid months with the D7 lapse prompt. Whatever the
sources grade P or ? (which employment statuses count as on hold, paying on last month's wage when
none is reported) is a field of ``DuesPolicy``, set from the configuration, not hard-coded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Literal, Sequence

from portal.texts import gettext

from .messages import DomainValidationError

MONTH_LABEL = "缴费月份"  # i18n: data (the schema field's label)
#: What a member's status says about a month's dues: a row to pay, an exempt row, or no row.
Standing = Literal["due", "exempt", "none"]
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")  # i18n: data


@dataclass(frozen=True)
class DuesPolicy:
    """Who owes a month's dues (defaults per DOMAIN.md; every field is configurable).

    - ``owing_statuses``: 会籍状态 that pay every month (D1): 在籍, and 转出中 until the transfer is done (M2).
    - ``on_hold_statuses``: 会籍状态 on hold (D6, 章程第八条): an exempt row (免交) is written.
    - ``on_hold_employment``: 就业情况 treated as on hold although the status still says 在籍 (D6 names
      retired and unemployed members; M4 is local practice, grade P): also an exempt row.
    - ``last_wage_fallback``: no wage reported → the wage of the member's previous month's row
      (D8, grade ?; off by default, such members are listed instead).
    - ``lapse_months``: consecutive unpaid months that prompt a recorded 教育/谈话 step (D7, 章程第六条).
    """

    owing_statuses: tuple[str, ...] = ("在籍", "转出中")  # i18n: data
    on_hold_statuses: tuple[str, ...] = ("保留会籍",)  # i18n: data
    on_hold_employment: tuple[str, ...] = ("退休", "失(无)业")  # i18n: data
    last_wage_fallback: bool = False
    lapse_months: int = 6

    def __post_init__(self) -> None:
        if self.lapse_months < 1:
            raise ValueError(f"lapse_months must be at least 1, got {self.lapse_months}")
        overlap = set(self.owing_statuses) & set(self.on_hold_statuses)
        if overlap:
            raise ValueError(f"a status cannot both owe dues and be on hold: {sorted(overlap)}")

    @property
    def member_statuses(self) -> tuple[str, ...]:
        """Every status that gets a row (to pay or exempt)."""
        return self.owing_statuses + self.on_hold_statuses

    def standing(self, status: str | None, employment: str | None) -> Standing:
        """``due`` (a row to pay), ``exempt`` (on hold: an exempt row) or ``none`` (no row: left, lapsed…)."""
        if status in self.on_hold_statuses:
            return "exempt"
        if status in self.owing_statuses:
            return "exempt" if employment in self.on_hold_employment else "due"
        return "none"


DEFAULT_POLICY = DuesPolicy()


def split_list(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"在籍,转出中"`` (commas, 、 or ；) or a list -> a tuple without blanks (for the configuration)."""
    items = re.split(r"[,，、;；]", text) if isinstance(text, str) else list(text)  # i18n: data
    return tuple(item.strip() for item in items if item and item.strip())


def parse_month(text: str, label: str = MONTH_LABEL) -> str:
    """``2026-11``, ``2026/11``, ``2026.11`` or ``2026年11月`` -> ``"2026-11"``; DomainValidationError otherwise."""
    found = _MONTH.match(text or "")
    if found is None:
        raise DomainValidationError.of("bad_month", label=label, value=text)
    year, month = int(found.group(1)), int(found.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise DomainValidationError.of("bad_month", label=label, value=text)
    return f"{year:04d}-{month:02d}"


def previous_month(month: str) -> str:
    """``"2026-01"`` -> ``"2025-12"``."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def record_no(card_no: str | None, member_id: int, month: str) -> str:
    """The generated row's 缴费单号: ``会员证号-年月`` (HY000123-202611) as the schema suggests, or
    ``M<会员记录号>-年月`` for a member without a card number (never the ID number: it is sensitive)."""
    stem = (card_no or "").strip() or f"M{member_id}"
    return f"{stem}-{month.replace('-', '')}"


def is_paid(amount_paid: Decimal | None) -> bool:
    """A month counts as paid when an amount was recorded (part payments count; 0 does not)."""
    return amount_paid is not None and amount_paid > 0


@dataclass(frozen=True)
class LedgerMonth:
    """One dues row as the arrears rule sees it."""

    month: str
    exempt: bool
    amount_paid: Decimal | None


@dataclass(frozen=True)
class Arrears:
    """A member's run of unpaid months up to a month: how many, since when, and the D7 prompt."""

    months: int
    since: str | None
    last_paid: str | None
    lapse_prompt: bool


def arrears(rows: Sequence[LedgerMonth], up_to: str, policy: DuesPolicy = DEFAULT_POLICY) -> Arrears:
    """Consecutive unpaid months up to ``up_to`` (D7): counted back from ``up_to`` to the last paid month;
    exempt months (on hold, D6) neither count nor end the run, nor does a month with no row (before
    joining, or not generated). The database does the same set-based (``portal.records.dues_month``)."""
    ledger = [row for row in rows if row.month <= up_to and not row.exempt]
    last_paid = max((row.month for row in ledger if is_paid(row.amount_paid)), default=None)
    unpaid = sorted(row.month for row in ledger if not is_paid(row.amount_paid)
                    and (last_paid is None or row.month > last_paid))
    return Arrears(len(unpaid), unpaid[0] if unpaid else None, last_paid, len(unpaid) >= policy.lapse_months)


def lapse_text(months: int) -> str:
    """The D7 prompt shown beside a member with ``months`` ≥ the policy's ``lapse_months``."""
    return gettext("%(months)s months in a row without dues (Constitution, Article 6): hold an educational talk "
                   "first and record it; unpaid dues alone do not mean the member has left, the member must "
                   "also stay away from union life and refuse to change after the talk.", months=months)
