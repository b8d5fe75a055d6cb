"""The activists' approval is a workflow: 待审批 → 已批准 / 未批准, pressed by the chair (``approve``) on the
record's page, through the API or from the command line; never written by a plain save or import."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.io.test_xlsx_import import import_file, write_xlsx

PASSWORD = "Approve-pass-2026"
MEMBER = {"name": "孙八", "id_card": "11010519491231002X", "org_unit": "A01-1"}
NOMINATION = {"activist_no": "JJ-2026-001", "member": MEMBER["id_card"], "org_unit": "A01-1", "award_year": 2026,
              "deeds": "带领小组完成技术革新"}


def _client(app: Any, role: str, org: str = "A") -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    login(client, name, PASSWORD)
    client.username = name
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture()
def nomination(app: Any, admin_client: Any, org_tree: dict[str, int]) -> int:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    clerk = _client(app, "clerk")
    created = clerk.post("/api/v1/activists/", json=NOMINATION)
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["id"])


def test_a_clerk_nominates_but_cannot_decide(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    clerk = _client(app, "clerk")
    refused = clerk.post("/api/v1/activists/", json={**NOMINATION, "approval_result": "已批准"})
    assert refused.status_code == 422
    assert "审批结果只能通过流转改变：新记录的审批结果是“待审批”" in refused.get_json()["message"]["approval_result"][0]
    record = clerk.post("/api/v1/activists/", json=NOMINATION).get_json()
    assert record["result"]["approval_result"] == "待审批"
    dated = clerk.put(f"/api/v1/activists/{record['id']}", json={"approved_on": "2026-11-20"})
    assert dated.status_code == 422 and list(dated.get_json()["message"]) == ["approved_on"]
    # The state as it is may be sent back (a client that PUTs the whole record it read).
    same = clerk.put(f"/api/v1/activists/{record['id']}", json={"approval_result": "待审批", "deeds": "改进工艺"})
    assert same.status_code == 200 and same.get_json()["result"]["deeds"] == "改进工艺"
    add_form = clerk.get("/activists/add").get_data(as_text=True)
    assert 'name="activist_no"' in add_form and 'name="approval_result"' not in add_form
    edit_form = clerk.get(f"/activists/edit/{record['id']}").get_data(as_text=True)
    assert 'name="deeds"' in edit_form and 'name="approved_on"' not in edit_form
    page = clerk.get(f"/activists/show/{record['id']}").get_data(as_text=True)
    assert 'id="portal-workflow-buttons"' not in page  # no button the clerk could press in 待审批
    assert "当前：待审批" in _text(page)
    pressed = clerk.post(f"/api/v1/activists/{record['id']}/transition/approve", json={})
    assert pressed.status_code == 403 and pressed.get_json()["message"] == "您没有权限执行“批准”"
    assert clerk.get(f"/activists/approve/{record['id']}").status_code == 404  # the old approve form is gone


def test_the_chair_approves_on_the_record_page(app: Any, nomination: int) -> None:
    chair = _client(app, "chair")
    page = chair.get(f"/activists/show/{nomination}").get_data(as_text=True)
    assert f'action="/activists/transition/{nomination}/approve"' in page
    assert f'action="/activists/transition/{nomination}/reject"' in page
    assert "带领小组完成技术革新" in page and "孙八" in page  # the person and the deeds being approved
    done = chair.post(f"/activists/transition/{nomination}/approve", data={"reason": "事迹突出"},
                      follow_redirects=True)
    text = _text(done.get_data(as_text=True))
    assert "已执行“批准”：现在是“已批准”" in text and "当前：已批准" in text
    assert re.search(r"批准：待审批 → 已批准 （理由：事迹突出）", text)
    result = chair.get(f"/api/v1/activists/{nomination}").get_json()["result"]
    assert result["approval_result"] == "已批准" and result["approved_on"] is not None
    assert result["award_year"] == 2026  # the rest is untouched
    again = chair.post(f"/activists/transition/{nomination}/approve", follow_redirects=True)
    assert "当前是“已批准”，不能执行“批准”" in _text(again.get_data(as_text=True))
    assert chair.get(f"/activists/edit/{nomination}").status_code == 403


def test_rejecting_needs_a_reason_and_is_audited(app: Any, nomination: int) -> None:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    chair = _client(app, "chair")
    missing = chair.post(f"/api/v1/activists/{nomination}/transition/reject", json={})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"reason": ["请填写理由"]}
    done = chair.post(f"/api/v1/activists/{nomination}/transition/reject", json={"reason": "公示期间有异议"})
    assert done.status_code == 200 and done.get_json()["state"] == "未批准"
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == "activists", AuditEntry.record_id == nomination,
            AuditEntry.action == "transition").order_by(AuditEntry.id.desc())).first()
        assert entry.username == chair.username
        assert entry.detail == "流转 reject「不批准」：待审批 → 未批准；理由：公示期间有异议"
        changes = entry.changes_dict()
        assert changes["approval_result"] == ["待审批", "未批准"] and changes["approved_on"][0] is None


def test_a_plain_save_or_import_cannot_move_the_state(app: Any, nomination: int, admin_client: Any,
                                                      tmp_path: Path) -> None:
    refused = admin_client.put(f"/api/v1/activists/{nomination}", json={"approval_result": "已批准"})
    assert refused.status_code == 422
    assert "审批结果不能直接从“待审批”改为“已批准”" in refused.get_json()["message"]["approval_result"][0]
    assert "“批准”（→已批准）" in refused.get_json()["message"]["approval_result"][0]
    clerk = _client(app, "clerk")
    header = ["积极分子编号", "会员", "所属工会", "评选年度", "审批结果"]
    sheet = write_xlsx(tmp_path / "a.xlsx", [header, ["JJ-2026-001", MEMBER["id_card"], "A01-1", 2026, "已批准"],
                                             ["JJ-2026-002", MEMBER["id_card"], "A01-1", 2026, "已批准"],
                                             ["JJ-2026-003", MEMBER["id_card"], "A01-1", 2026, "待审批"]])
    report = import_file(app, "activists", sheet, mode="upsert", user=clerk.username)
    messages = {error.row: error.message for error in report.errors}
    assert not report.committed and set(messages) == {2, 3}
    assert messages[2] \
        == "审批结果不能直接从“待审批”改为“已批准”，请在记录页使用流转按钮：“批准”（→已批准）、“不批准”（→未批准）"
    assert "新记录的审批结果是“待审批”，不能登记为“已批准”" in messages[3]
    chair = _client(app, "chair")
    assert chair.post(f"/api/v1/activists/{nomination}/transition/approve").status_code == 200
    locked = admin_client.put(f"/api/v1/activists/{nomination}", json={"deeds": "改写事迹"})
    assert locked.status_code == 422
    assert "记录处于“已批准”状态，不能修改主要事迹（只能修改：备注）" in locked.get_json()["message"]["deeds"][0]
    assert admin_client.put(f"/api/v1/activists/{nomination}", json={"notes": "已颁证"}).status_code == 200
    same = write_xlsx(tmp_path / "b.xlsx", [header, ["JJ-2026-001", MEMBER["id_card"], "A01-1", 2026, "已批准"]])
    assert import_file(app, "activists", same, mode="upsert", user=clerk.username).errors == []  # unchanged state


def test_self_approval_is_refused(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    record = admin_client.post("/api/v1/activists/", json=NOMINATION).get_json()["id"]
    refused = admin_client.post(f"/api/v1/activists/{record}/transition/approve")
    assert refused.status_code == 403 and "不能由提交人自己执行" in refused.get_json()["message"]
    page = _text(admin_client.get(f"/activists/show/{record}").get_data(as_text=True))
    assert "不能由提交人自己执行" in page  # greyed, with the reason


def test_approval_needs_the_deeds(app: Any, nomination: int, admin_client: Any) -> None:
    assert admin_client.put(f"/api/v1/activists/{nomination}", json={"deeds": None}).status_code == 200
    chair = _client(app, "chair")
    refused = chair.post(f"/api/v1/activists/{nomination}/transition/approve")
    assert refused.status_code == 422 and refused.get_json()["errors"] == {"deeds": ["“批准”要求填写主要事迹"]}
    assert "“批准”要求先填写：主要事迹" in _text(chair.get(f"/activists/show/{nomination}").get_data(as_text=True))


def test_row_scope_holds_for_transitions(app: Any, nomination: int) -> None:
    outsider = _client(app, "chair", org="B")
    assert outsider.post(f"/api/v1/activists/{nomination}/transition/approve").status_code == 404
    assert outsider.post(f"/activists/transition/{nomination}/approve").status_code == 404
    unknown = _client(app, "chair").post(f"/api/v1/activists/{nomination}/transition/promote")
    assert unknown.status_code == 404 and "没有名为“promote”的流转" in unknown.get_json()["message"]


def test_the_workflow_page_draws_the_diagram(app: Any, nomination: int) -> None:
    page = _client(app, "clerk").get("/activists/workflow").get_data(as_text=True)
    svg = page.split('id="portal-workflow-diagram">', 1)[1].split("</svg>", 1)[0]
    assert svg.startswith("<svg") and "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    for text in ("待审批", "已批准", "未批准", "批准", "不批准", "重新提交"):
        assert f">{text}</text>" in svg
    assert "工会积极分子的流程" in page and "须写理由" in page


def test_api_refusals_are_chinese(app: Any, nomination: int) -> None:
    viewer = _client(app, "viewer")
    assert viewer.post("/api/v1/members/", json={}).get_json() == {"message": "您没有执行此操作的权限"}
    missing = viewer.get("/api/v1/members/987654321")
    assert missing.status_code == 404 and "不在您的权限范围内" in missing.get_json()["message"]
    assert app.test_client().get("/api/v1/members/").get_json() == {"message": "请先登录"}
    bad = _client(app, "chair").post(f"/api/v1/activists/{nomination}/transition/approve", json=["x"])
    assert bad.status_code == 400 and "请求体必须是 JSON 对象" in bad.get_json()["message"]
