"""``plan_compare``: a re-imported row is unchanged when every field it gives equals the stored one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.records.plan_compare import unchanged_test
from tests.io.test_xlsx_import import ID_3, import_file, members_file, new_user

#: (field, column, place in a fetched row, field spec) as the planner lists the compared fields.
COMPARED = [("name", "name", 1, None), ("joined_on", "joined_on", 3, None), ("monthly_wage", "monthly_wage", 2, None)]
STORED = (7, "张三", Decimal("5000.00"), date(2020, 1, 5))


def test_a_row_giving_the_stored_values_is_unchanged() -> None:
    unchanged = unchanged_test(COMPARED)
    assert unchanged is not None
    assert unchanged({"name": "张三", "joined_on": date(2020, 1, 5), "monthly_wage": Decimal("5000")}, STORED)


def test_a_field_the_row_leaves_blank_keeps_its_stored_value() -> None:
    unchanged = unchanged_test(COMPARED)
    assert unchanged is not None
    assert unchanged({"name": "张三"}, STORED)
    assert unchanged({}, STORED)


def test_one_different_or_cleared_field_makes_the_row_a_change() -> None:
    unchanged = unchanged_test(COMPARED)
    assert unchanged is not None
    assert not unchanged({"name": "张三", "joined_on": date(2020, 1, 6)}, STORED)
    assert not unchanged({"monthly_wage": Decimal("5000.01")}, STORED)
    assert not unchanged({"name": None}, STORED)  # a screen clearing it


def test_one_compared_field_and_none() -> None:
    single = unchanged_test(COMPARED[:1])
    assert single is not None and single({"name": "张三"}, STORED) and not single({"name": "李四"}, STORED)
    assert unchanged_test([]) is None


def test_an_unchanged_row_of_a_member_outside_the_clerks_branch_is_still_refused(
        app: Any, admin_client: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    """The quick "unchanged" answer comes after the scope check: a clerk of A re-importing a member of B as it
    stands is told the member is outside their scope, as for a change."""
    stored = import_file(app, "members", members_file(tmp_path / "b.xlsx", ["王五", ID_3, "B"]))
    assert stored.committed
    clerk = new_user(app, "clerk", "A")
    # the unit left blank keeps the stored one (B): every value the row gives equals the stored record
    same = import_file(app, "members", members_file(tmp_path / "same.xlsx", ["王五", ID_3, None]), mode="upsert",
                       user=clerk)
    assert [(error.row, error.column) for error in same.errors] == [(2, "身份证号")]
    assert "权限范围以外" in same.errors[0].message and same.unchanged == 0 and not same.committed
