"""Monthly dues generation and the arrears list on the database (both databases).

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from portal.domain.dues_month import DuesPolicy
from portal.extensions import db
from portal.records.batches import ImportBatch
from portal.records.dues_month import DUES, MEMBERS, arrears, generate
from portal.records.service import RegisterService
from portal.records.write import undo_batch
from portal.security.audit import AuditEntry, acting_as
from portal.security.current import access_for_username
from tests.conftest import move_member
from tests.io.test_xlsx_import import context, ident, import_file, new_user, rows_of, write_xlsx

PEOPLE = [
    # name, id card, unit, status, employment, wage, card
    ("赵一", ident("19900101", 11), "A01-1", "在籍", "在岗", "4567.89", "HY0001"),
    ("钱二", ident("19900101", 13), "A", "在籍", "在岗", "3089.99", None),
    ("孙三", ident("19900101", 15), "B", "在籍", "在岗", "6000", "HY0003"),
    ("李四", ident("19900101", 17), "A01", "保留会籍", "退休", None, "HY0004"),
    ("周五", ident("19900101", 19), "A", "在籍", "在岗", None, "HY0005"),
    ("吴六", ident("19900101", 21), "A", "退会", "在岗", "5000", "HY0006"),
]


@pytest.fixture()
def members(admin_client: Any, org_tree: dict[str, int]) -> dict[str, int]:
    ids = {}
    for name, card, unit, status, employment, wage, card_no in PEOPLE:
        row = {"name": name, "id_card": card, "org_unit": unit, "employment_status": employment,
               "monthly_wage": wage, "member_card_no": card_no}
        response = admin_client.post("/api/v1/members/", json={k: v for k, v in row.items() if v is not None})
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
        if status != "在籍":
            move_member(admin_client, ids[name], status)
    return ids


def services(app: Any, user: str | None = None) -> tuple[RegisterService, RegisterService]:
    state = app.extensions["portal"]
    access = context(app, DUES, user).access

    def make(slug: str) -> RegisterService:
        return RegisterService(state.registry.get(slug), state.registry, state.models, lambda: db.session,
                               lambda: "zh", lambda: access)

    return make(DUES), make(MEMBERS)


def run(app: Any, month: str = "2026-11", user: str | None = None, **options: Any) -> Any:
    with app.app_context():
        dues, people = services(app, user)
        with acting_as(user or "system"):
            report = generate(dues, people, month, options.pop("policy", DuesPolicy()), **options)
        db.session.commit()
        return report


def ledger(app: Any) -> dict[str, dict[str, Any]]:
    return {row["record_no"]: row for row in rows_of(app, DUES)}


def test_a_month_is_generated_for_every_member_with_the_rules_applied(app: Any, members: dict[str, int]) -> None:
    report = run(app)
    assert (report.members, report.created, report.exempt, report.unchanged, report.no_wage) == (5, 4, 1, 0, 1)
    assert report.no_wage_names == [("周五", "第一机械厂工会")]  # reported, not silently skipped
    rows = ledger(app)
    assert set(rows) == {"HY0001-202611", f"M{members['钱二']}-202611", "HY0003-202611", "HY0004-202611"}
    zhao = rows["HY0001-202611"]
    assert (zhao["month"], zhao["wage"], zhao["dues_base"], zhao["amount_due"], zhao["exempt"]) == (
        "2026-11", Decimal("4567.89"), Decimal("4560.00"), Decimal("22.80"), False)  # D3, D2, D10
    assert zhao["amount_paid"] is None and zhao["paid_on"] is None
    assert rows[f"M{members['钱二']}-202611"]["amount_due"] == Decimal("15.40")  # 3089.99 → 3080 → 15.40
    held = rows["HY0004-202611"]
    assert held["exempt"] is True and held["amount_due"] is None and "免交" in held["notes"]  # D6
    with app.app_context():
        batch = db.session.get(ImportBatch, report.batch_id)
        assert (batch.created, batch.file_name, batch.status) == (4, "按月生成会费 2026-11", "committed")
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.batch_id == report.batch_id,
                                                                 AuditEntry.action == "create")).all()
        assert len(entries) == 4  # audited per record, under the batch


def test_running_it_twice_changes_nothing(app: Any, members: dict[str, int]) -> None:
    first = run(app)
    before = ledger(app)
    with app.app_context():
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
    again = run(app)
    assert (again.created, again.unchanged, again.batch_id) == (0, 4, None)
    assert ledger(app) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches
    assert first.batch_id is not None


def test_a_member_whose_wage_is_filled_in_later_is_added_on_the_next_run(app: Any, admin_client: Any,
                                                                       members: dict[str, int]) -> None:
    run(app)
    assert admin_client.put(f"/api/v1/members/{members['周五']}", json={"monthly_wage": "5000"}).status_code == 200
    again = run(app)
    assert (again.created, again.unchanged, again.no_wage) == (1, 4, 0)
    assert ledger(app)["HY0005-202611"]["amount_due"] == Decimal("25.00")


def test_a_dry_run_writes_nothing(app: Any, members: dict[str, int]) -> None:
    report = run(app, dry_run=True)
    assert (report.created, report.batch_id) == (4, None)
    assert ledger(app) == {}


def test_a_branch_clerk_generates_only_for_their_subtree(app: Any, members: dict[str, int]) -> None:
    clerk = new_user(app, "finance", "A")
    report = run(app, user=clerk)
    assert (report.members, report.created) == (4, 3)  # 孙三 in B is outside the subtree
    assert "HY0003-202611" not in ledger(app)
    with app.app_context():
        batch = db.session.get(ImportBatch, report.batch_id)
        assert batch.username == clerk
    # the rest of the tree is generated later by someone who reaches it, without touching A's rows
    rest = run(app)
    assert (rest.created, rest.unchanged) == (1, 3)


def test_an_org_subtree_limits_the_run(app: Any, members: dict[str, int], org_tree: dict[str, int]) -> None:
    from portal.security.access import subtree_ids

    with app.app_context():
        state = app.extensions["portal"]
        ids = subtree_ids(db.session, state.models["org_units"], org_tree["A01"])
    report = run(app, org_ids=ids)
    assert (report.members, report.created) == (2, 2)
    assert set(ledger(app)) == {"HY0001-202611", "HY0004-202611"}


def test_the_generated_batch_can_be_undone_like_an_import(app: Any, members: dict[str, int]) -> None:
    report = run(app)
    with app.app_context():
        batch = db.session.get(ImportBatch, report.batch_id)
        assert undo_batch(context(app, DUES), batch) == {"deleted": 4, "restored": 0}
        db.session.commit()
    assert ledger(app) == {}
    assert run(app).created == 4  # and generated again


def test_last_months_wage_is_used_only_when_configured(app: Any, admin_client: Any, members: dict[str, int]) -> None:
    assert admin_client.put(f"/api/v1/members/{members['周五']}", json={"monthly_wage": "5000"}).status_code == 200
    run(app, month="2026-10")
    assert admin_client.put(f"/api/v1/members/{members['周五']}", json={"monthly_wage": None}).status_code == 200
    assert run(app, dry_run=True).no_wage == 1
    report = run(app, policy=DuesPolicy(last_wage_fallback=True))
    assert report.no_wage == 0
    assert ledger(app)["HY0005-202611"]["wage"] == Decimal("5000.00")  # D8


def test_a_payroll_deduction_sheet_pays_generated_rows(app: Any, members: dict[str, int], tmp_path: Path) -> None:
    run(app)
    finance = new_user(app, "finance", "HQ")
    sheet = write_xlsx(tmp_path / "工资代扣.xlsx", [
        ["缴费单号", "姓名", "缴费月份", "实交会费", "缴费日期", "缴费方式"],
        ["HY0001-202611", "赵一", "2026-11", "22.80", "2026-11-25", "工资代扣"],
        ["HY0003-202611", "孙三", "2026年11月", "30", "2026/11/25", "工资代扣"],
    ])
    report = import_file(app, DUES, sheet, mode="upsert", user=finance)
    assert report.committed, [error.message for error in report.errors]
    assert (report.updated, report.created) == (2, 0)
    rows = ledger(app)
    assert rows["HY0001-202611"]["amount_paid"] == Decimal("22.80")
    assert rows["HY0003-202611"]["payment_method"] == "工资代扣"
    assert rows["HY0001-202611"]["wage"] == Decimal("4567.89")  # the rest of the row is left as generated
    assert rows[f"M{members['钱二']}-202611"]["amount_paid"] is None


def _set_paid(app: Any, record_no: str, amount: str | None) -> None:
    with app.app_context():
        dues, _ = services(app)
        record = db.session.scalar(sa.select(dues.model).where(dues.model.record_no == record_no))
        dues.save({"amount_paid": None if amount is None else Decimal(amount)}, record)
        db.session.commit()


def _arrears(app: Any, month: str, user: str | None = None, **options: Any) -> dict[str, tuple[int, bool]]:
    with app.app_context():
        state = app.extensions["portal"]
        access = access_for_username(user) if user else context(app, DUES).access
        found = arrears(db.session, state.registry.get(DUES), state.models, access, month, DuesPolicy(), **options)
        return {row.name: (row.months, row.lapse_prompt) for row in found}


def test_arrears_count_consecutive_unpaid_months_and_prompt_at_six(app: Any, members: dict[str, int]) -> None:
    for month in ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        run(app, month=month)
    _set_paid(app, "HY0001-202604", "22.80")  # 赵一 paid April only: May–October unpaid
    _set_paid(app, "HY0003-202609", "30")  # 孙三 paid September: October unpaid
    for month in ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        _set_paid(app, f"M{members['钱二']}-{month.replace('-', '')}", "15.40")
    found = _arrears(app, "2026-10")
    assert found == {"赵一": (6, True), "孙三": (1, False)}  # 李四 is exempt every month: never in arrears
    assert _arrears(app, "2026-09") == {"赵一": (5, False)}  # 孙三 paid September
    assert _arrears(app, "2026-08") == {"赵一": (4, False), "孙三": (5, False)}
    assert _arrears(app, "2026-10", min_months=6) == {"赵一": (6, True)}
    clerk = new_user(app, "finance", "A")
    assert _arrears(app, "2026-10", user=clerk) == {"赵一": (6, True)}  # 孙三 is in B


def test_exempt_months_do_not_break_the_run(app: Any, admin_client: Any, members: dict[str, int]) -> None:
    run(app, month="2026-01")
    move_member(admin_client, members["赵一"], "保留会籍")
    run(app, month="2026-02")
    assert ledger(app)["HY0001-202602"]["exempt"] is True
    move_member(admin_client, members["赵一"], "在籍")
    run(app, month="2026-03")
    assert _arrears(app, "2026-03")["赵一"] == (2, False)  # January and March; February skipped


def test_the_commands_generate_and_list_arrears(app: Any, members: dict[str, int]) -> None:
    from portal.cli import main

    runner = CliRunner()
    clerk = new_user(app, "finance", "A")
    obj = _script_info(app)
    dry = runner.invoke(main, ["dues", "generate", "--month", "2026-11", "--user", clerk, "--dry-run"], obj=obj)
    assert dry.exit_code == 0, dry.output
    assert "将新增 3 条（其中免交 1 条）" in dry.output and "试运行" in dry.output
    assert ledger(app) == {}
    done = runner.invoke(main, ["dues", "generate", "--month", "2026年11月", "--org", "A01", "--user", clerk], obj=obj)
    assert done.exit_code == 0, done.output
    assert "新增 2 条" in done.output and "已写入（批次 #" in done.output
    again = runner.invoke(main, ["dues", "generate", "--month", "2026-11", "--user", clerk], obj=obj)
    assert "新增 1 条" in again.output and "已有本月记录未改动 2 人" in again.output
    assert "周五" in again.output  # no wage: listed by name
    bad = runner.invoke(main, ["dues", "generate", "--month", "2026-13"], obj=obj)
    assert bad.exit_code == 1 and "--month不是有效年月" in bad.output
    outside = runner.invoke(main, ["dues", "generate", "--month", "2026-11", "--org", "B", "--user", clerk], obj=obj)
    assert outside.exit_code == 1 and "不在您的管辖范围内" in outside.output
    viewer = new_user(app, "viewer", "A")
    refused = runner.invoke(main, ["dues", "generate", "--month", "2026-11", "--user", viewer], obj=obj)
    assert refused.exit_code == 1 and "没有“按月生成会费”权限" in refused.output
    listed = runner.invoke(main, ["dues", "arrears", "--month", "2026-11", "--user", viewer], obj=obj)
    assert listed.exit_code == 0, listed.output
    assert "赵一\t110101" in listed.output
    assert ident("19900101", 11) not in listed.output  # the viewer sees ID numbers masked
    assert "连续未交 1 个月及以上的会员 2 人" in listed.output


def _script_info(app: Any) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
