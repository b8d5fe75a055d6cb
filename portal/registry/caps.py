"""``yearly_caps:`` of a register file: how much may be granted per case, kind and calendar year.

A register of payments (帮扶发放) names its amount field, its date field, the link that groups the
payments (the hardship case) and the choice field that tells the kinds apart (救助类型), with a cap in
yuan for each kind that has one. The planner (``portal.records.plan_caps``) refuses a new or changed
payment that would take the group's total for that kind and year above the cap. Caps are numbers in
the YAML; ``PORTAL_SETTING_CAP_<N>`` (N = the kind's position in ``limits``, from 1) overrides one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal.registry import meta
from portal.registry.problems import ProblemList
from portal.registry.spec import FieldSpec


@dataclass(frozen=True)
class YearlyCaps:
    amount: str
    date: str
    per: str
    kind: str
    #: (kind, cap in yuan), in the order written.
    limits: tuple[tuple[str, Decimal], ...]


def read_caps(raw: Any, fields: tuple[FieldSpec, ...], problems: ProblemList) -> YearlyCaps | None:
    """The ``yearly_caps`` mapping, checked against the register's ``fields`` (problems E047)."""
    if not isinstance(raw, dict):
        problems.add("E005", "yearly_caps", "yearly_caps 应为映射（amount、date、per、kind、limits）")
        return None
    known = meta.keys_by_name(meta.CAPS_KEYS)
    for key in raw:
        if key not in known:
            problems.add("E003", f"yearly_caps.{key}", f"未知的键 '{key}'，可用的键：{', '.join(known)}")
    by_name = {field.name: field for field in fields}
    wanted = {"amount": ("money",), "date": ("date",), "per": ("link",), "kind": ("choice",)}
    names: dict[str, str] = {}
    for key, types in wanted.items():
        name = raw.get(key)
        field = by_name.get(name) if isinstance(name, str) else None
        if field is None or field.type not in types:
            problems.add("E047", f"yearly_caps.{key}", f"{key} 应为本登记簿中的{'/'.join(types)}字段，当前为 {name!r}")
        else:
            names[key] = field.name
    limits = raw.get("limits")
    found: list[tuple[str, Decimal]] = []
    if not isinstance(limits, dict) or not limits:
        problems.add("E047", "yearly_caps.limits", "limits 应为“选项: 每年上限（元）”的映射，且不能为空")
    elif "kind" in names:
        choices = by_name[names["kind"]].choice_values
        for kind, cap in limits.items():
            if kind not in choices or isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap < 0:
                problems.add("E047", f"yearly_caps.limits.{kind}",
                             f"'{kind}: {cap}' 应为“{'、'.join(choices)}”之一和一个不小于 0 的数字")
                continue
            found.append((str(kind), Decimal(str(cap))))
    if len(names) < len(wanted) or not found:
        return None
    return YearlyCaps(names["amount"], names["date"], names["per"], names["kind"], tuple(found))
