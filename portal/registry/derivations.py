"""Derived (read-only) fields: ``derive: <source field>.<function>``, or ``<a>,<b>,<c>.<function>`` for a
function of several fields of the same record.

A stored derivation is computed whenever the record is written (so it can be listed, filtered and
indexed); a virtual one (``stored=False``) is computed when the record is read, because it changes
with the date (age).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable

from portal.domain.assistance import per_capita_monthly_income
from portal.domain.dues import dues_amount, dues_base
from portal.domain.idcard import age_on, birth_date_from_id, gender_from_id
from portal.registry.spec import FieldSpec


@dataclass(frozen=True)
class Derivation:
    name: str
    doc: str
    #: Field types the (first) source field may have.
    source_types: frozenset[str]
    #: Field type of the result (decides column, form display and export format).
    result_type: str
    stored: bool
    compute: Callable[[Any, date], Any]
    #: Whether the result gives away what a masked source hides (a birth date does; a gender, shown by
    #: the masked ID's last digits anyway, and an age in years do not). Such results are masked with
    #: their source.
    reveals_source: bool = True
    #: Field types of the further source fields, in order; a function of several fields receives their
    #: values as one tuple.
    more_source_types: tuple[frozenset[str], ...] = ()

    @property
    def all_source_types(self) -> tuple[frozenset[str], ...]:
        return (self.source_types, *self.more_source_types)


def _age(value: str | date, today: date) -> int | None:
    birth = birth_date_from_id(value) if isinstance(value, str) else value
    return age_on(birth, today) if birth else None


def _months_before(value: date, months: int) -> date:
    month_index = value.year * 12 + value.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def _wage(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


DERIVATIONS: dict[str, Derivation] = {
    row.name: row
    for row in (
        Derivation("gender", "性别，由身份证号第 17 位得出（奇数男、偶数女）", frozenset({"id_card"}), "choice", True,
                   lambda value, today: gender_from_id(value), reveals_source=False),
        Derivation("birth_date", "出生日期，由身份证号第 7–14 位得出", frozenset({"id_card"}), "date", True,
                   lambda value, today: birth_date_from_id(value)),
        Derivation("age", "周岁年龄，按今天计算（不保存）", frozenset({"id_card", "date"}), "integer", False, _age,
                   reveals_source=False),
        Derivation("dues_base", "会费基数：月工资收入去掉不足 10 元的尾数（DOMAIN §1 D3）", frozenset({"money"}), "money",
                   True, lambda value, today: dues_base(_wage(value))),
        Derivation("dues_amount", "应交会费：会费基数 × 0.5%，四舍五入到分（DOMAIN §1 D2、D10）", frozenset({"money"}),
                   "money", True, lambda value, today: dues_amount(_wage(value))),
        Derivation("plus_15_days", "报送日期后 15 日（集体合同无异议生效日，DOMAIN §6a C6）", frozenset({"date"}), "date",
                   True, lambda value, today: value + timedelta(days=15)),
        Derivation("minus_3_months", "到期前 3 个月（集体合同续订提醒日，DOMAIN §6a C7）", frozenset({"date"}), "date",
                   True, lambda value, today: _months_before(value, 3)),
        Derivation("per_capita_monthly_income",
                   "家庭月人均收入：（家庭年可支配收入 − 刚性支出）÷ 12 ÷ 家庭人口，四舍五入到分；"
                   "依次写这三个源字段，刚性支出空着按 0 计（DOMAIN §7）", frozenset({"money"}), "money", True,
                   lambda values, today: per_capita_monthly_income(*values),
                   more_source_types=(frozenset({"money"}), frozenset({"integer"}))),
    )
}


CENT = Decimal("0.01")


def is_stored(field: FieldSpec) -> bool:
    """Whether a field has a database column (plain fields and stored derivations)."""
    if field.derive is None:
        return True
    # partition, not field.derive_function: a malformed "derive: id_card" (no dot) must reach E022, not crash
    derivation = DERIVATIONS.get(field.derive.partition(".")[2])
    return derivation is None or derivation.stored


def reveals_source(field: FieldSpec) -> bool:
    """Whether a derived field must be masked wherever its source is."""
    derivation = DERIVATIONS.get(field.derive_function or "") if field.derive else None
    return derivation is not None and derivation.reveals_source


def compute(function: str, value: Any, today: date | None = None) -> Any:
    """Apply one derivation to a source value (a tuple for several sources); a blank source gives a blank result."""
    if value is None or value == "":
        return None
    derivation = DERIVATIONS[function]
    result = derivation.compute(value, today or date.today())
    if derivation.result_type == "money" and isinstance(result, Decimal):
        return result.quantize(CENT)  # as the column keeps it, so the audit trail reads 6000.00, not 6000
    return result


def source_value(sources: tuple[str, ...], value_of: Callable[[str], Any]) -> Any:
    """What a derivation is computed from: the one source's value, or the tuple of several."""
    if len(sources) == 1:
        return value_of(sources[0])
    return tuple(value_of(name) for name in sources)


def derive(field: FieldSpec, value_of: Callable[[str], Any], today: date | None = None) -> Any:
    """A derived field's value, reading its source fields with ``value_of(name)``."""
    return compute(field.derive_function or "", source_value(field.derive_sources, value_of), today)
