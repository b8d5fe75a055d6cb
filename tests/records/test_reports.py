"""Reports on the database (both databases): one aggregate query in the user's row scope; refused when a
field it uses is masked for the user; org tree levels, bands, time buckets, related counts and ratios.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records.report_query import ReportParams
from portal.records.reports import ReportRefused, run_report
from portal.registry.report_spec import GroupBy, Measure, ReportSpec
from portal.registry.spec import Label
from portal.security.access import SYSTEM_ACCESS
from portal.security.current import access_for_username
from tests.conftest import create_as_system
from tests.io.test_xlsx_import import ident, new_user

TODAY = date(2026, 11, 15)
PEOPLE = [
    # name, id card (birth, sequence: odd = man), unit, status, joined
    ("赵一", ident("19900101", 11), "A01-1", "在籍", "2015-03-01"),
    ("钱二", ident("19800101", 12), "A", "在籍", "2016-05-01"),
    ("孙三", ident("19700101", 15), "B", "在籍", "2016-07-01"),
    ("李四", ident("19950101", 17), "A01", "保留会籍", "2020-01-01"),
    ("周五", ident("19600101", 19), "A", "在籍", "2021-01-01"),
    ("吴六", ident("19990101", 21), "A", "退会", "2022-01-01"),
]


@pytest.fixture()
def people(app: Any, admin_client: Any, org_tree: dict[str, int]) -> dict[str, int]:
    """Members with a history (on hold, left), written with system rights as migrated data would be."""
    return {name: create_as_system(app, "members", {"name": name, "id_card": card, "org_unit": unit, "status": status,
                                                    "joined_on": joined})
            for name, card, unit, status, joined in PEOPLE}


def report(app: Any, name: str, user: str | None = None, spec: ReportSpec | None = None) -> list[list[Any]]:
    with app.app_context():
        state = app.extensions["portal"]
        access = access_for_username(user) if user else SYSTEM_ACCESS
        result = run_report(db.session, spec or state.reports.get(name), state.registry, state.models, access,
                            ReportParams(TODAY))
        return result.rows


def test_members_by_unit_counts_at_level_two_and_a_branch_clerk_sees_only_their_subtree(
        app: Any, people: dict[str, int]) -> None:
    assert report(app, "members_by_unit") == [["第一机械厂工会", "男", 2], ["第一机械厂工会", "女", 1],
                                              ["物流中心工会", "男", 1]]
    clerk = new_user(app, "clerk", "A01")  # A01 and A01-1 only
    assert report(app, "members_by_unit", clerk) == [["第一机械厂工会", "男", 1]]
    other = new_user(app, "clerk", "B")
    assert report(app, "members_by_unit", other) == [["物流中心工会", "男", 1]]


def test_age_bands_and_statuses(app: Any, people: dict[str, int]) -> None:
    rows = report(app, "members_by_age")  # 在籍/转出中 only: 赵一 36, 钱二 46 (woman), 孙三 56, 周五 66
    assert rows == [["35–44岁", "男", 1], ["45–54岁", "女", 1], ["55岁及以上", "男", 2]]
    assert report(app, "members_by_status") == [["在籍", 4], ["保留会籍", 1], ["退会", 1]]


def test_a_report_on_a_masked_field_is_refused_not_summed(app: Any, people: dict[str, int]) -> None:
    finance = new_user(app, "finance", "HQ")  # sees members.monthly_wage, not members.id_card
    with pytest.raises(ReportRefused, match="出生日期"):
        report(app, "members_by_age", finance)
    chair = new_user(app, "chair", "HQ")  # dues wages masked
    with pytest.raises(ReportRefused, match="应交会费"):
        report(app, "dues_by_month", chair)
    auditor = new_user(app, "auditor", "HQ")
    assert report(app, "dues_by_month", auditor) == []


def test_the_membership_rate_divides_members_by_the_subtree_headcount(app: Any, admin_client: Any,
                                                                       org_tree: dict[str, int],
                                                                       people: dict[str, int]) -> None:
    for code, count in (("A", 4), ("A01-1", 6)):
        response = admin_client.put(f"/api/v1/org_units/{org_tree[code]}", json={"employee_count": count})
        assert response.status_code == 200, response.get_json()
    rows = {row[0]: row[1:] for row in report(app, "membership_rate")}
    assert rows["第一机械厂工会"] == [10, 3, Decimal("30.0")]  # 赵一, 钱二, 周五 of 4 + 6 employees
    assert rows["物流中心工会"] == [None, 1, None]  # no headcount: no rate
    clerk = new_user(app, "clerk", "A01")
    assert report(app, "membership_rate", clerk) == [["第一机械厂工会", 6, 1, Decimal("16.7")]]


def test_time_buckets_distinct_and_conditional_counts(app: Any, people: dict[str, int]) -> None:
    base = ReportSpec("joined", Label("入会", "Joined"), "members", (
        GroupBy("year", Label("年", "Year"), field="joined_on", bucket="year"),), (
        Measure("people", Label("人数", "People"), "count"),
        Measure("units", Label("单位数", "Units"), "distinct", field="org_unit"),))
    assert report(app, "", spec=base) == [["2015", 1, 1], ["2016", 2, 2], ["2020", 1, 1], ["2021", 1, 1],
                                          ["2022", 1, 1]]
    quarters = dataclasses.replace(base, group_by=(GroupBy("q", Label("季", "Q"), field="joined_on",
                                                           bucket="quarter"),))
    assert report(app, "", spec=quarters)[:2] == [["2015-Q1", 1, 1], ["2016-Q2", 1, 1]]


def test_expiring_contracts_fall_into_day_bands(app: Any, admin_client: Any, people: dict[str, int]) -> None:
    today = date.today()  # the report's own date is today's; the bands are relative to it
    for number, days in enumerate((5, 45, 80, 200)):
        response = admin_client.post("/api/v1/labour_contracts/", json={
            "contract_no": f"LC{number}", "member": "赵一", "org_unit": "A01-1", "employer": "一厂",
            "contract_type": "固定期限", "start_date": "2020-01-01",
            "end_date": (today + timedelta(days=days)).isoformat(), "status": "履行中"})
        assert response.status_code == 201, response.get_json()
    with app.app_context():
        state = app.extensions["portal"]
        result = run_report(db.session, state.reports.get("labour_contracts_expiring"), state.registry, state.models,
                            SYSTEM_ACCESS, ReportParams(today))
        statements: list[str] = []

        def seen(*args: Any) -> None:
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            run_report(db.session, state.reports.get("labour_contracts_expiring"), state.registry, state.models,
                       SYSTEM_ACCESS, ReportParams(today))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert result.rows == [["30天内", "第一机械厂工会", 1], ["31–60天", "第一机械厂工会", 1],
                           ["61–90天", "第一机械厂工会", 1]]
    assert len(statements) == 1  # one aggregate query
