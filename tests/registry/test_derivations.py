"""Tests for portal.registry.derivations: derived (read-only) fields ``derive: <source>.<function>``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.registry.derivations import DERIVATIONS, compute, derive, is_stored
from portal.registry.fieldtypes import FIELD_TYPES
from portal.registry.spec import FieldSpec, Label

ID_X = "11010519491231002X"  # born 1949-12-31, sequence 002 (even: female)
TODAY = date(2024, 6, 1)


def derived(name: str, type_name: str, derive: str | None) -> FieldSpec:
    return FieldSpec(name, type_name, Label(name, name), derive=derive)


# --- from an ID number -----------------------------------------------------------------------------


def test_gender_from_id():
    assert compute("gender", ID_X) == "女"
    assert compute("gender", "440524188001010014") == "男"


def test_birth_date_from_id():
    assert compute("birth_date", ID_X) == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("today", "age"),
    [(date(2024, 6, 1), 74), (date(2024, 12, 30), 74), (date(2024, 12, 31), 75), (date(1949, 12, 31), 0)],
)
def test_age_from_id(today, age):
    assert compute("age", ID_X, today) == age


def test_age_from_a_date():
    assert compute("age", date(2000, 2, 29), date(2024, 2, 28)) == 23
    assert compute("age", date(2000, 2, 29), date(2024, 2, 29)) == 24
    assert compute("age", date(2000, 2, 29), date(2023, 3, 1)) == 23


def test_age_defaults_to_today():
    expected = date.today().year - 1949 - (1 if (date.today().month, date.today().day) < (12, 31) else 0)
    assert compute("age", ID_X) == expected


# --- dues ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("wage", [Decimal("4567.89"), "4567.89", 4567.89])
def test_dues_amount(wage):
    assert compute("dues_amount", wage) == Decimal("22.80")
    assert str(compute("dues_amount", wage)) == "22.80"


@pytest.mark.parametrize(
    ("wage", "base", "amount"),
    [(Decimal("4567.89"), Decimal("4560"), Decimal("22.80")), (Decimal("9.99"), Decimal("0"), Decimal("0.00")),
     (Decimal("3000"), Decimal("3000"), Decimal("15.00")), (Decimal("4570"), Decimal("4570"), Decimal("22.85")),
     (Decimal("0"), Decimal("0"), Decimal("0.00"))],
)
def test_dues_base_and_amount(wage, base, amount):
    assert compute("dues_base", wage) == base
    assert compute("dues_amount", wage) == amount


# --- collective contract dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2024, 5, 31), date(2024, 2, 29)), (date(2023, 5, 31), date(2023, 2, 28)),
     (date(2024, 3, 15), date(2023, 12, 15)), (date(2024, 1, 31), date(2023, 10, 31)),
     (date(2024, 7, 31), date(2024, 4, 30)), (date(2025, 12, 31), date(2025, 9, 30))],
)
def test_minus_3_months(value, expected):
    assert compute("minus_3_months", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2024, 1, 1), date(2024, 1, 16)), (date(2024, 2, 20), date(2024, 3, 6)),
     (date(2023, 2, 20), date(2023, 3, 7)), (date(2024, 12, 25), date(2025, 1, 9))],
)
def test_plus_15_days(value, expected):
    assert compute("plus_15_days", value) == expected


# --- blanks and storage ----------------------------------------------------------------------------


@pytest.mark.parametrize("function", list(DERIVATIONS))
@pytest.mark.parametrize("blank", [None, ""])
def test_blank_source_gives_blank_result(function, blank):
    assert compute(function, blank, TODAY) is None


def test_unknown_function_raises_key_error():
    with pytest.raises(KeyError):
        compute("sex", ID_X)


def test_is_stored():
    assert is_stored(derived("age", "integer", "id_card.age")) is False
    assert is_stored(derived("age", "integer", "birth_date.age")) is False
    assert is_stored(derived("gender", "choice", "id_card.gender")) is True
    assert is_stored(derived("birth_date", "date", "id_card.birth_date")) is True
    assert is_stored(derived("dues", "money", "wage.dues_amount")) is True
    assert is_stored(derived("remind_on", "date", "expires_on.minus_3_months")) is True
    assert is_stored(derived("name", "string", None)) is True


def test_is_stored_tolerates_malformed_derive():
    """The checks call is_stored before reporting E022, so a bad derive must not crash it."""
    assert is_stored(derived("gender", "choice", "id_card.sex")) is True
    assert is_stored(derived("gender", "choice", "id_card")) is True


def test_only_age_is_virtual():
    assert [name for name, row in DERIVATIONS.items() if not row.stored] == ["age"]


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_derivation_rows_use_known_field_types(name):
    row = DERIVATIONS[name]
    assert row.name == name and row.doc
    assert row.result_type in FIELD_TYPES
    assert all(types and types <= set(FIELD_TYPES) for types in row.all_source_types)


def test_per_capita_monthly_income_reads_three_sources_in_order():
    field = derived("per_head", "money", "income, costs ,size.per_capita_monthly_income")
    assert field.derive_sources == ("income", "costs", "size") and field.derive_source == "income"
    values = {"income": Decimal("12000.06"), "costs": None, "size": 1}
    assert derive(field, values.get) == Decimal("1000.01")
    assert derive(field, {**values, "income": None}.get) is None


def test_derivation_table():
    assert {name: [sorted(types) for types in row.all_source_types] + [row.result_type]
            for name, row in DERIVATIONS.items()} == {
        "per_capita_monthly_income": [["money"], ["money"], ["integer"], "money"],
        "gender": [["id_card"], "choice"],
        "birth_date": [["id_card"], "date"],
        "age": [["date", "id_card"], "integer"],
        "dues_base": [["money"], "money"],
        "dues_amount": [["money"], "money"],
        "plus_15_days": [["date"], "date"],
        "minus_3_months": [["date"], "date"],
    }
