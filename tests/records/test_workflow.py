"""The workflow engine: exactly once under concurrency, the command line, and a workflow added by YAML only.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records.service import RegisterService
from portal.records.workflow import TransitionRefused, history, offers, settings_of, transition
from portal.security.audit import AuditEntry
from portal.security.current import access_for_username
from portal.workflow_commands import transition_command
from tests.security.test_approval import MEMBER, NOMINATION, PASSWORD

ATTEMPTS = 50


def _user(app: Any, role: str, org: str = "A") -> str:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    return name


def _service(app: Any, username: str) -> RegisterService:
    state = app.extensions["portal"]
    access = access_for_username(username)
    return RegisterService(state.registry.get("activists"), state.registry, state.models, lambda: db.session,
                           lambda: "zh", lambda: access)


@pytest.fixture()
def nomination(app: Any, admin_client: Any, org_tree: dict[str, int]) -> int:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    clerk = _user(app, "clerk")
    with app.app_context():
        service = _service(app, clerk)
        from portal.security.audit import acting_as

        with acting_as(clerk):
            record = service.create(NOMINATION)
        db.session.commit()
        return int(record.id)


def test_fifty_concurrent_attempts_succeed_once(app: Any, nomination: int, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race is shown on PostgreSQL")
    chair = _user(app, "chair")
    barrier = threading.Barrier(ATTEMPTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            service = _service(app, chair)
            record = db.session.get(service.model, nomination)
            db.session.expunge(record)
            db.session.commit()  # every attempt has read 待审批 before any of them writes
            barrier.wait(timeout=60)
            try:
                transition(service, record, "approve")
                db.session.commit()
                outcome = (200, "")
            except TransitionRefused as refused:
                db.session.rollback()
                outcome = (refused.status, refused.message)
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == ATTEMPTS
    assert sorted(status for status, _ in results) == [200] + [409] * (ATTEMPTS - 1)
    assert all("已被他人处理" in message for status, message in results if status == 409)
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == "activists", AuditEntry.record_id == nomination,
            AuditEntry.action == "transition")).all()
        assert len(entries) == 1 and entries[0].username == chair


def test_offers_history_and_the_engine_refusals(app: Any, nomination: int) -> None:
    chair, clerk = _user(app, "chair"), _user(app, "clerk")
    with app.app_context():
        service = _service(app, chair)
        record = db.session.get(service.model, nomination)
        assert [(offer.transition.name, offer.blocked) for offer in offers(service, record)] == [
            ("approve", None), ("reject", None)]
        assert [offer.transition.name for offer in offers(_service(app, clerk), record)] == []
        with pytest.raises(TransitionRefused) as refused:
            transition(service, record, "reject", "理由", {"deeds": "改写"})
        assert refused.value.status == 422 and "只能同时填写：无" in refused.value.message
        record = transition(service, record, "reject", "  材料不全  ")
        db.session.commit()
        assert record.approval_result == "未批准" and record.approved_on is not None
        clerk_service = _service(app, clerk)
        assert [offer.transition.name for offer in offers(clerk_service, record)] == ["resubmit"]
        record = transition(clerk_service, record, "resubmit", None, {"deeds": "补充了事迹材料"})
        db.session.commit()
        assert record.approval_result == "待审批" and record.approved_on is None and record.deeds == "补充了事迹材料"
        steps = history(service, record)
        assert [(step.name, step.source, step.target, step.reason) for step in steps] == [
            ("reject", "待审批", "未批准", "材料不全"), ("resubmit", "未批准", "待审批", None)]
        assert steps[1].changes["deeds"] == ["带领小组完成技术革新", "补充了事迹材料"]
        assert settings_of(service.spec.workflow) == {}


def test_the_command_line_presses_a_transition_with_a_users_rights(app: Any, nomination: int) -> None:
    chair, outsider, clerk = _user(app, "chair"), _user(app, "chair", org="B"), _user(app, "clerk")
    runner = app.test_cli_runner()
    key = NOMINATION["activist_no"]
    denied = runner.invoke(transition_command, ["activists", key, "approve", "--user", clerk])
    assert denied.exit_code == 1 and "您没有权限执行“批准”" in denied.output
    hidden = runner.invoke(transition_command, ["activists", key, "approve", "--user", outsider])
    assert hidden.exit_code == 1 and "不在您的权限范围内" in hidden.output
    done = runner.invoke(transition_command, ["activists", key, "approve", "--user", chair])
    assert done.exit_code == 0 and "现在是“已批准”" in done.output
    late = runner.invoke(transition_command, ["activists", key, "approve", "--user", chair])
    assert late.exit_code == 3 and "不能执行“批准”" in late.output
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == "activists", AuditEntry.action == "transition").order_by(AuditEntry.id.desc())).first()
        assert entry.username == chair


def test_a_new_workflow_needs_yaml_only(tmp_path: Path) -> None:
    """Adding a workflow to a register is a YAML change: the loader reads it and the diagram draws it."""
    from portal.registry.loader import read_registry
    from portal.web.workflow_diagram import workflow_svg
    from tests.registry.test_workflow import WORKFLOW, _read

    registry, problems = _read(tmp_path, WORKFLOW)
    assert problems == []
    svg = str(workflow_svg(registry.get("people").workflow, current="退会"))
    assert ">退会</text>" in svg and ">重新入会</text>" in svg and 'stroke-width="3"' in svg
    assert read_registry  # the shipped schemas load alike (tests/registry/test_workflow.py)
