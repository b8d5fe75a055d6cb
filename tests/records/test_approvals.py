"""N-of-M approvals (portal/records/approvals.py) on the shipped 困难职工档案 workflow: 审批建档 needs
``approvals_needed`` chairs (here 2). The approver list is frozen when the case enters 公示中; each listed
chair agrees once; the N-th agreement files the case, exactly once even when they all press together.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records.approvers import WorkflowApprover
from portal.records.service import RegisterService
from portal.records.workflow import TransitionRefused, transition
from portal.security.audit import AuditEntry
from portal.security.current import access_for_username
from portal.workflow_commands import transition_command
from tests.conftest import login
from tests.records.test_assistance_workflow import CASE, case_id, press  # noqa: F401  (fixture)
from tests.records.test_org_checks import PASSWORD

VISIT = {"fields": {"visit_on": "2026-11-20", "visit_findings": "属实"}}


@pytest.fixture(autouse=True)
def two_approvals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_SETTING_APPROVALS_NEEDED", "2")
    monkeypatch.setenv("PORTAL_SETTING_NOTICE_DAYS", "0")  # the notice is over the day it starts


def account(app: Any, role: str, org: str = "A", shown: str = "", extra: str = "") -> tuple[str, Any]:
    """A new account (display name ``shown``, e.g. 张三) and a signed-in client."""
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        user = create_user(name, PASSWORD, role, org_code=org)
        sm = app.extensions["appbuilder"].sm
        user = sm.find_user(username=name)
        if shown:
            user.last_name, user.first_name = shown[0], shown[1:]
        if extra:
            user.roles.append(sm.find_role(extra))
        db.session.commit()
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return name, client


def submit(officer: Any, case: int) -> None:
    """The officer takes the case up to its public notice: the moment the approvers are frozen."""
    for name, body in (("accept", {}), ("first_check", {}), ("visit", VISIT), ("start_notice", {})):
        response = press(officer, case, name, **body)
        assert response.status_code == 200, response.get_json()


def frozen(app: Any, case: int) -> list[str]:
    """The approvers of the case's current round (an earlier test's case may have had the same id on SQLite)."""
    table = WorkflowApprover
    where = (table.register == "assistance_cases", table.record_id == case)
    with app.app_context():
        latest = db.session.scalar(sa.select(sa.func.max(table.round)).where(*where))
        return list(db.session.scalars(sa.select(table.username).where(*where, table.round == latest)
                                       .order_by(table.username)))


def entries(app: Any, case: int, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == "assistance_cases", AuditEntry.record_id == case,
            AuditEntry.action == action).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_the_list_is_frozen_and_the_second_agreement_files_the_case(app: Any, case_id: int) -> None:  # noqa: F811
    _, officer = account(app, "assistance_officer")
    zhang, first = account(app, "chair", shown="张三")
    qian, fellow = account(app, "chair", shown="钱七")
    li, second = account(app, "chair", "A01", shown="李四")
    outside, other_branch = account(app, "chair", "B")
    submit(officer, case_id)
    late, latecomer = account(app, "chair", shown="赵六")  # holds the role only after the submission
    listed = frozen(app, case_id)
    assert zhang in listed and qian in listed and li not in listed and outside not in listed and late not in listed  # A01 does not reach A
    assert "审批名单" in entries(app, case_id, "approval")[0].detail

    refused = press(latecomer, case_id, "approve")
    assert refused.status_code == 403 and "不在“审批建档”的审批名单中" in refused.get_json()["message"]
    assert press(other_branch, case_id, "approve").status_code == 404  # outside the chair's scope
    assert press(second, case_id, "approve").status_code == 404

    wang, third = account(app, "chair", "HQ", shown="王五")  # a chair above A, but after the submission
    assert press(third, case_id, "approve").status_code == 403
    listed_before = frozen(app, case_id)
    once = press(first, case_id, "approve", reason="同意建档")
    body = once.get_json()
    assert once.status_code == 200 and body["done"] is False and body["state"] == "公示中"
    assert "审批：已同意 1/2（张三）" in body["approvals"][0]["text"] and body["approvals"][0]["agreed"] == [zhang]
    again = press(first, case_id, "approve")
    assert again.status_code == 409 and "您已经同意过“审批建档”" in again.get_json()["message"]
    assert frozen(app, case_id) == listed_before  # new chairs did not join the list

    page = first.get(f"/assistance_cases/show/{case_id}").get_data(as_text=True)
    assert "审批：已同意 1/2（张三）" in page and "张三 同意" in page and "同意建档" in page
    assert "待同意：" in page and "钱七" in page.split("待同意：", 1)[1].split("<", 1)[0]
    decisions = [entry.detail for entry in entries(app, case_id, "approval")]
    assert decisions[-1] == "审批 approve「审批建档」：同意（已同意 1/2）；意见：同意建档"
    assert entries(app, case_id, "transition")[-1].detail.endswith("审核中 → 公示中")

    filed = press(fellow, case_id, "approve")
    body = filed.get_json()
    assert filed.status_code == 200 and body["done"] is True and body["state"] == "已建档"
    assert body["result"]["filed_on"] is not None
    assert press(fellow, case_id, "approve").status_code == 409
    moves = entries(app, case_id, "transition")
    assert moves[-1].username == qian and "公示中 → 已建档" in moves[-1].detail
    assert sum("公示中 → 已建档" in move.detail for move in moves) == 1


def test_the_submitter_may_not_approve_and_one_approver_sends_it_back(app: Any, case_id: int) -> None:  # noqa: F811
    submitter, both = account(app, "assistance_officer", extra="chair")  # an officer who is also a chair
    zhang, first = account(app, "chair", shown="张三")
    submit(both, case_id)
    assert submitter not in frozen(app, case_id) and zhang in frozen(app, case_id)
    own = press(both, case_id, "approve")
    assert own.status_code == 403 and "不能由提交人自己执行" in own.get_json()["message"]
    no_reason = press(first, case_id, "reject")
    assert no_reason.status_code == 422 and "理由" in no_reason.get_json()["message"]
    back = press(first, case_id, "reject", reason="收入材料与公示不符")
    assert back.status_code == 200 and back.get_json()["state"] == "审核中"
    assert press(first, case_id, "approve").status_code == 409
    detail = entries(app, case_id, "approval")[-1].detail
    assert detail.startswith("审批 approve「审批建档」：驳回") and "收入材料与公示不符" in detail
    # submitted again: a new round, the earlier 驳回 does not count
    assert press(both, case_id, "start_notice").status_code == 200
    with app.app_context():
        rounds = db.session.scalars(sa.select(WorkflowApprover.round).where(
            WorkflowApprover.record_id == case_id, WorkflowApprover.username == zhang)).all()
    assert len(rounds) == 2 and max(rounds) == min(rounds) + 1
    assert press(first, case_id, "approve").get_json()["done"] is False


def test_todo_bulk_and_command_line_follow_the_list(app: Any, case_id: int) -> None:  # noqa: F811
    _, officer = account(app, "assistance_officer")
    zhang, first = account(app, "chair", shown="张三")
    li, second = account(app, "chair", shown="李四")
    submit(officer, case_id)
    late, latecomer = account(app, "chair")
    key = CASE["case_no"]
    assert key in first.get("/todo/").get_data(as_text=True)
    assert key not in latecomer.get("/todo/").get_data(as_text=True)  # not on the list
    screen = latecomer.post(f"/assistance_cases/transition/{case_id}/approve", data={}, follow_redirects=True)
    assert "您不在“审批建档”的审批名单中" in screen.get_data(as_text=True)
    shown = first.get(f"/assistance_cases/show/{case_id}").get_data(as_text=True)
    assert 'data-transition="approve"' in shown or "data-transition=approve" in shown
    bulk = first.post("/assistance_cases/bulk/transition", data={"transition": "approve", "rowid": [str(case_id)],
                                                                "confirm": "1"})
    text = bulk.get_data(as_text=True)
    assert bulk.status_code == 200 and "已记录您的同意" in text, text[-2000:]
    assert key not in first.get("/todo/").get_data(as_text=True)  # agreed already
    assert key in second.get("/todo/").get_data(as_text=True)
    runner = app.test_cli_runner()
    refused = runner.invoke(transition_command, ["assistance_cases", key, "approve", "--user", late])
    assert refused.exit_code == 1 and "审批名单" in refused.output
    pending = [name for name in frozen(app, case_id) if name not in (zhang,)]
    done = runner.invoke(transition_command, ["assistance_cases", key, "approve", "--user", pending[0]])
    assert done.exit_code == 0 and "现在是“已建档”" in done.output


def test_concurrent_approvals_are_all_counted_and_fire_once(app: Any, case_id: int, database_url: str,  # noqa: F811
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race is shown on PostgreSQL")
    _, officer = account(app, "assistance_officer")
    for _ in range(5):
        account(app, "chair")
    submit(officer, case_id)
    approvers = frozen(app, case_id)
    assert len(approvers) >= 5
    monkeypatch.setenv("PORTAL_SETTING_APPROVALS_NEEDED", str(len(approvers)))  # every one of them is needed
    presses = [name for name in approvers for _ in range(4)]  # and each presses four times at once
    barrier = threading.Barrier(len(presses))
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def attempt(username: str) -> None:
        with app.app_context():
            base = app.extensions["portal"].service("assistance_cases")
            access = access_for_username(username)
            service = RegisterService(base.spec, base.registry, base.models, lambda: db.session, lambda: "zh",
                                      lambda: access)
            record = db.session.get(service.model, case_id)
            db.session.expunge(record)
            db.session.commit()
            barrier.wait(timeout=60)
            try:
                transition(service, record, "approve")
                db.session.commit()
                outcome = (username, 200, "")
            except TransitionRefused as refused:
                db.session.rollback()
                outcome = (username, refused.status, refused.message)
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(presses)
    done = sorted(name for name, status, _ in results if status == 200)
    assert done == sorted(approvers)  # one agreement each, none lost
    # the other presses: the same approver again, or (after the last agreement) a case already filed
    assert all(status == 409 and ("已经同意过" in message or "已被他人处理" in message)
               for _, status, message in results if status != 200), {message for _, _, message in results}
    with app.app_context():
        decided = db.session.scalars(sa.select(WorkflowApprover).where(
            WorkflowApprover.register == "assistance_cases", WorkflowApprover.record_id == case_id,
            WorkflowApprover.decision == "同意")).all()
        assert len(decided) == len(approvers)
        state = db.session.scalar(sa.select(app.extensions["portal"].models["assistance_cases"].status).where(
            app.extensions["portal"].models["assistance_cases"].id == case_id))
        assert state == "已建档"
    filed = [entry for entry in entries(app, case_id, "transition") if "公示中 → 已建档" in entry.detail]
    assert len(filed) == 1
