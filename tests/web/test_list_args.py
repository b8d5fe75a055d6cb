"""Filters and sort orders checked against the register and the user's rights (pure: no app)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from portal.web.list_args import ListArgsRefused, OrderRefused, check_order, check_rest_filters, \
    check_screen_args, filter_value
from portal.registry.loader import load_registry
from portal.security.access import SYSTEM_ACCESS, Access
from portal.security.roles import read_roles

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")
ROLES = read_roles(ROOT / "permissions" / "roles.yaml", REGISTRY)
MEMBERS = REGISTRY.get("members")
DUES = REGISTRY.get("dues")
VIEWER = Access(username="v", roles=(ROLES["viewer"],), org_ids=frozenset({1}))


def operators(*names: str) -> list[Any]:
    return [SimpleNamespace(arg_name=name) for name in names]


SEARCH = {"joined_on": operators("eq", "gt", "lt", "neq"), "status": operators("sw", "ew", "ct", "eq", "in"),
          "org_unit": operators("rel_o_m", "nrel_o_m"), "phone": operators("eq", "ct")}


def refusal(call: Any, *args: Any) -> str:
    with pytest.raises(ListArgsRefused) as raised:
        call(*args)
    return raised.value.message


def test_filter_values_are_parsed_like_the_forms() -> None:
    assert filter_value(MEMBERS, "joined_on", "gt", "2016年1月5日", VIEWER) == date(2016, 1, 5)
    assert filter_value(MEMBERS, "monthly_wage", "gt", "1,200", SYSTEM_ACCESS) == Decimal("1200.00")
    assert filter_value(MEMBERS, "status", "eq", "Active", VIEWER) == "在籍"
    assert filter_value(MEMBERS, "status", "ct", "籍", VIEWER) == "籍"
    assert filter_value(MEMBERS, "status", "in", ["在籍", "退会"], VIEWER) == ["在籍", "退会"]
    assert filter_value(MEMBERS, "is_migrant_worker", "eq", "y", VIEWER) is True
    assert filter_value(MEMBERS, "org_unit", "rel_o_m", "12", VIEWER) == 12


def test_a_value_that_does_not_parse_is_refused_in_chinese() -> None:
    message = refusal(filter_value, MEMBERS, "joined_on", "gt", "notadate", VIEWER)
    assert message.startswith("筛选条件“入会时间”的值无效：") and "notadate" in message
    assert "在籍" in refusal(filter_value, MEMBERS, "status", "eq", "失踪", VIEWER)
    assert refusal(filter_value, MEMBERS, "joined_on", "eq", "", VIEWER) == "请填写筛选条件“入会时间”的值，或去掉这个条件。"
    assert "不是记录编号" in refusal(filter_value, MEMBERS, "org_unit", "rel_o_m", "A01", VIEWER)
    assert "应是一个列表" in refusal(filter_value, MEMBERS, "status", "in", "在籍", VIEWER)


def test_a_masked_field_is_neither_filtered_nor_sorted_on() -> None:
    assert refusal(filter_value, MEMBERS, "phone", "eq", "13812345678", VIEWER) == \
        "您看到的“手机号”是打码的，不能按它筛选；请去掉这个筛选条件。"
    with pytest.raises(OrderRefused, match="实交会费"):
        check_order(DUES, "amount_paid", ["month", "amount_paid"], VIEWER)
    check_order(DUES, "amount_paid", ["month", "amount_paid"], SYSTEM_ACCESS)
    check_order(DUES, "", ["month"], VIEWER)


def test_an_unknown_sort_column_names_the_sortable_ones() -> None:
    assert refusal(check_order, MEMBERS, "notes", ["name", "joined_on"], VIEWER) == \
        "不能按“备注”排序；可以排序的字段有：姓名、入会时间。"


def test_rest_filters_need_a_filterable_column_a_known_operator_and_all_three_keys() -> None:
    checked = check_rest_filters(MEMBERS, [{"col": "joined_on", "opr": "gt", "value": "2016-01-05"}], SEARCH, VIEWER)
    assert checked == [{"col": "joined_on", "opr": "gt", "value": date(2016, 1, 5)}]
    assert refusal(check_rest_filters, MEMBERS, [{"col": "notes", "opr": "eq", "value": "x"}], SEARCH, VIEWER) \
        .startswith("不能按“备注”筛选；可以筛选的字段有：入会时间、会籍状态、所属工会、手机号。")
    assert refusal(check_rest_filters, MEMBERS, [{"col": "joined_on", "opr": "zz", "value": "2016-01-05"}], SEARCH,
                   VIEWER) == "“入会时间”不支持筛选运算“zz”；可用的有：eq、gt、lt、neq。"
    assert "col（字段）、opr（运算）和 value（值）" in refusal(
        check_rest_filters, MEMBERS, [{"col": "joined_on", "value": "x"}], SEARCH, VIEWER)
    assert "打码" in refusal(check_rest_filters, MEMBERS, [{"col": "phone", "opr": "eq", "value": "1"}], SEARCH, VIEWER)


def test_screen_arguments_are_checked_as_fab_reads_them() -> None:
    def check(args: dict[str, str]) -> None:
        check_screen_args(MEMBERS, MultiDict(args), SEARCH, ["name", "phone"], "MembersView", VIEWER)

    check({"_flt_1_joined_on": "2016-01-05", "_oc_MembersView": "name", "_od_MembersView": "asc", "q": "张"})
    assert "入会时间" in refusal(check, {"_flt_1_joined_on": "notadate"})
    assert refusal(check, {"_flt_9_joined_on": "2016-01-05"}) == "“入会时间”没有第 10 种筛选方式；请在筛选栏重新选择。"
    assert refusal(check, {"_flt_0_notes": "x"}).startswith("不能按“备注”筛选")
    assert "打码" in refusal(check, {"_oc_MembersView": "phone", "_od_MembersView": "desc"})
    check({"_oc_MembersView": "phone"})  # without a direction FAB does not sort at all
