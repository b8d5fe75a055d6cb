"""Approval fields (``approval:`` in a schema) are written only by roles with the ``approve`` verb."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import login

PASSWORD = "Approve-pass-2026"
MEMBER = {"name": "孙八", "id_card": "11010519491231002X", "org_unit": "A01-1"}
NOMINATION = {"activist_no": "JJ-2026-001", "member": MEMBER["id_card"], "org_unit": "A01-1", "award_year": 2026}


def _client(app: Any, role: str) -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code="A")
    client = app.test_client()
    login(client, name, PASSWORD)
    return client


@pytest.fixture()
def nomination(app: Any, admin_client: Any, org_tree: dict[str, int]) -> int:
    assert admin_client.post("/api/v1/members/", json=MEMBER).status_code == 201
    return 0


def test_a_clerk_nominates_but_cannot_decide(app: Any, nomination: int) -> None:
    clerk = _client(app, "clerk")
    refused = clerk.post("/api/v1/activists/", json={**NOMINATION, "approval_result": "已批准"})
    assert refused.status_code == 403
    assert "审批结果" in refused.get_json()["message"]
    created = clerk.post("/api/v1/activists/", json=NOMINATION)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["result"]["approval_result"] == "待审批"
    assert clerk.put(f"/api/v1/activists/{record['id']}", json={"approved_on": "2026-11-20"}).status_code == 403
    add_form = clerk.get("/activists/add").get_data(as_text=True)
    assert 'name="activist_no"' in add_form and 'name="approval_result"' not in add_form
    edit_form = clerk.get(f"/activists/edit/{record['id']}").get_data(as_text=True)
    assert 'name="deeds"' in edit_form and 'name="approved_on"' not in edit_form
    assert clerk.get(f"/activists/approve/{record['id']}").status_code == 403
    assert clerk.put(f"/api/v1/activists/{record['id']}/approve", json={"approval_result": "已批准"}).status_code == 403


def test_the_chair_approves_on_screen_and_through_the_api_and_nothing_else(app: Any, nomination: int,
                                                                          admin_client: Any) -> None:
    record_id = admin_client.post("/api/v1/activists/", json=NOMINATION).get_json()["id"]
    chair = _client(app, "chair")
    page = chair.get(f"/activists/approve/{record_id}").get_data(as_text=True)
    assert "审批工会积极分子" in page
    assert 'name="approval_result"' in page and 'name="deeds"' not in page
    response = chair.post(f"/activists/approve/{record_id}", data={"approval_result": "已批准",
                                                                   "approved_on": "2026-11-20"})
    assert response.status_code == 302
    result = chair.get(f"/api/v1/activists/{record_id}").get_json()["result"]
    assert result["approval_result"] == "已批准" and result["approved_on"] == "2026-11-20"
    assert result["deeds"] is None and result["award_year"] == 2026  # the rest is untouched
    assert chair.put(f"/api/v1/activists/{record_id}/approve", json={"approval_result": "未批准"}).status_code == 200
    other = chair.put(f"/api/v1/activists/{record_id}/approve", json={"deeds": "改写事迹"})
    assert other.status_code == 400 and "审批只能修改审批字段" in other.get_json()["message"]
    assert chair.put(f"/api/v1/activists/{record_id}", json={"deeds": "改写事迹"}).status_code == 403
    assert chair.get(f"/activists/edit/{record_id}").status_code == 403


def test_api_refusals_are_chinese(app: Any, nomination: int, admin_client: Any) -> None:
    viewer = _client(app, "viewer")
    assert viewer.post("/api/v1/members/", json={}).get_json() == {"message": "您没有执行此操作的权限"}
    missing = viewer.get("/api/v1/members/987654321")
    assert missing.status_code == 404 and "不在您的权限范围内" in missing.get_json()["message"]
    assert app.test_client().get("/api/v1/members/").get_json() == {"message": "请先登录"}
