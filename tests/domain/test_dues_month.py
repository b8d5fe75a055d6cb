"""Tests for portal.domain.dues_month (DOMAIN.md §1 D1, D6, D7, D8): no database."""

from decimal import Decimal

import pytest

from portal.domain.dues_month import (DuesPolicy, LedgerMonth, arrears, is_paid, lapse_text, parse_month,
                                      previous_month, record_no, split_list)
from portal.domain.messages import DomainValidationError


def months(*rows: tuple[str, str | None, bool]) -> list[LedgerMonth]:
    return [LedgerMonth(month, exempt, None if paid is None else Decimal(paid)) for month, paid, exempt in rows]


@pytest.mark.parametrize(("status", "employment", "standing"), [
    ("在籍", "在岗", "due"),
    ("在籍", None, "due"),
    ("转出中", "在岗", "due"),
    ("保留会籍", "退休", "exempt"),  # D6: on hold, no dues
    ("保留会籍", None, "exempt"),
    ("在籍", "退休", "exempt"),  # D6 names retired and unemployed members (M4: local practice, configurable)
    ("在籍", "失(无)业", "exempt"),
    ("退会", "在岗", "none"),
    ("自动退会", None, "none"),
    ("已转出", None, "none"),
    ("申请中", None, "none"),
])
def test_who_owes_a_months_dues(status: str, employment: str | None, standing: str) -> None:
    assert DuesPolicy().standing(status, employment) == standing


def test_the_on_hold_rules_are_configurable() -> None:
    strict = DuesPolicy(on_hold_employment=())
    assert strict.standing("在籍", "退休") == "due"
    assert DuesPolicy(owing_statuses=("在籍",)).standing("转出中", None) == "none"
    with pytest.raises(ValueError):
        DuesPolicy(owing_statuses=("在籍",), on_hold_statuses=("在籍",))
    with pytest.raises(ValueError):
        DuesPolicy(lapse_months=0)


def test_a_configured_list_reads_commas_and_chinese_separators() -> None:
    assert split_list("在籍, 转出中") == ("在籍", "转出中")
    assert split_list("退休、失(无)业；内退") == ("退休", "失(无)业", "内退")
    assert split_list("") == ()


@pytest.mark.parametrize(("text", "month"), [("2026-11", "2026-11"), ("2026/1", "2026-01"), ("2026.03", "2026-03"),
                                             ("2026年11月", "2026-11"), (" 2026-11 ", "2026-11")])
def test_a_month_is_read_in_the_usual_spellings(text: str, month: str) -> None:
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "11/2026", "", "2026", "0999-01"])
def test_a_bad_month_names_the_field(text: str) -> None:
    with pytest.raises(DomainValidationError) as raised:
        parse_month(text)
    assert "缴费月份不是有效年月" in str(raised.value)


def test_previous_month_crosses_the_year() -> None:
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-11") == "2026-10"


def test_the_record_number_uses_the_card_number_never_the_id_number() -> None:
    assert record_no("HY000123", 7, "2026-11") == "HY000123-202611"
    assert record_no(None, 7, "2026-11") == "M7-202611"
    assert record_no("  ", 7, "2026-01") == "M7-202601"


def test_paid_means_an_amount_was_recorded() -> None:
    assert is_paid(Decimal("22.80")) and is_paid(Decimal("1"))
    assert not is_paid(None) and not is_paid(Decimal("0"))


def test_arrears_count_back_to_the_last_paid_month() -> None:
    ledger = months(("2026-05", "20", False), ("2026-06", None, False), ("2026-07", None, False),
                    ("2026-08", None, False))
    found = arrears(ledger, "2026-08")
    assert (found.months, found.since, found.last_paid, found.lapse_prompt) == (3, "2026-06", "2026-05", False)
    assert arrears(ledger, "2026-06").months == 1
    assert arrears(ledger, "2026-05").months == 0


def test_exempt_months_neither_count_nor_end_the_run() -> None:
    ledger = months(("2026-01", None, False), ("2026-02", None, False), ("2026-03", None, True),
                    ("2026-04", None, True), ("2026-05", None, False), ("2026-06", None, False),
                    ("2026-07", None, False), ("2026-08", None, False))
    found = arrears(ledger, "2026-08")
    assert (found.months, found.since, found.last_paid) == (6, "2026-01", None)
    assert found.lapse_prompt  # D7: six consecutive unpaid months prompt the counselling step


def test_a_payment_ends_the_run_and_the_prompt_threshold_is_configurable() -> None:
    ledger = months(*[(f"2026-{n:02d}", None, False) for n in range(1, 9)], ("2026-09", "25.00", False))
    assert arrears(ledger, "2026-09").months == 0
    assert arrears(ledger, "2026-08").months == 8
    assert not arrears(ledger, "2026-04").lapse_prompt
    assert arrears(ledger, "2026-04", DuesPolicy(lapse_months=4)).lapse_prompt


def test_the_prompt_says_arrears_alone_do_not_end_membership() -> None:
    text = lapse_text(6)
    assert "连续 6 个月未交会费" in text and "教育谈话" in text and "不能视为自动退会" in text
