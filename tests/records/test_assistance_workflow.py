"""The hardship-case workflow (schemas/assistance_cases.yaml), its public notice list and the yearly
caps on grants (schemas/assistance_grants.yaml), through the API as the officer, the chair and finance.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.records.workflow import today
from tests.records.test_org_checks import user_client

ZHANG = {"name": "张三丰", "id_card": "11010519491231002X", "org_unit": "A01-1"}
CASE = {"case_no": "KN-2026-001", "member": ZHANG["id_card"], "org_unit": "A", "hardship_category": "深度困难",
        "household_size": 3, "household_annual_income": 30000, "rigid_expenses": 6000, "address": "幸福路 1 号"}


@pytest.fixture()
def case_id(admin_client: Any, org_tree: dict[str, int]) -> int:
    assert admin_client.post("/api/v1/members/", json=ZHANG).status_code == 201
    created = admin_client.post("/api/v1/assistance_cases/", json=CASE)
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["id"])


def press(client: Any, pk: int, name: str, **body: Any) -> Any:
    return client.post(f"/api/v1/assistance_cases/{pk}/transition/{name}", json=body)


def test_a_case_goes_from_application_to_filing(app: Any, case_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    officer, chair = user_client(app, "assistance_officer", "A"), user_client(app, "chair", "A")
    assert press(officer, case_id, "accept").status_code == 200
    assert press(officer, case_id, "first_check").status_code == 200
    missing = press(officer, case_id, "visit")
    assert missing.status_code == 422 and "入户调查日期" in missing.get_json()["message"]
    findings = {"visit_on": "2026-11-20", "visit_findings": "与申请一致，家中两人患病"}
    monkeypatch.setenv("PORTAL_SETTING_LOW_INCOME_LINE", "500")  # per head: (30000 − 6000) / 12 / 3 = 666.67
    poor = press(officer, case_id, "visit", fields=findings)
    assert poor.status_code == 422
    assert "家庭月人均收入 <= 500" in poor.get_json()["message"]
    monkeypatch.setenv("PORTAL_SETTING_LOW_INCOME_LINE", "1050")
    visited = press(officer, case_id, "visit", fields=findings)
    assert visited.status_code == 200, visited.get_json()
    monkeypatch.setenv("PORTAL_SETTING_NOTICE_DAYS", "5")
    noticed = press(officer, case_id, "start_notice").get_json()["result"]
    assert noticed["status"] == "公示中"
    assert noticed["notice_end"] == (today() + timedelta(days=5)).isoformat()
    early = press(chair, case_id, "approve")
    assert early.status_code == 422 and "公示结束日期 <= today" in early.get_json()["message"]
    assert press(officer, case_id, "approve").status_code == 403  # the officer has no approve verb
    # A record still on notice cannot be edited except for its notes; nor can the dates be set by hand.
    edited = officer.put(f"/api/v1/assistance_cases/{case_id}", json={"notice_end": today().isoformat()})
    assert edited.status_code in (403, 422)


def test_the_chair_files_a_case_after_the_notice(app: Any, case_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    officer, chair = user_client(app, "assistance_officer", "A"), user_client(app, "chair", "A")
    for name, body in (("accept", {}), ("first_check", {}),
                       ("visit", {"fields": {"visit_on": "2026-11-20", "visit_findings": "属实"}})):
        assert press(officer, case_id, name, **body).status_code == 200
    monkeypatch.setenv("PORTAL_SETTING_NOTICE_DAYS", "0")
    assert press(officer, case_id, "start_notice").status_code == 200
    filed = press(chair, case_id, "approve")
    assert filed.status_code == 200, filed.get_json()
    result = filed.get_json()["result"]
    assert result["status"] == "已建档" and result["filed_on"] == today().isoformat()
    assert result["review_due"] == (today() + timedelta(days=365)).isoformat()
    assert press(officer, case_id, "start_review").status_code == 200
    reviewed = press(officer, case_id, "review").get_json()["result"]
    assert reviewed["status"] == "已建档" and reviewed["reviewed_on"] == today().isoformat()
    no_reason = press(officer, case_id, "close")
    assert no_reason.status_code == 422 and "理由" in no_reason.get_json()["message"]
    closed = press(officer, case_id, "close", reason="家庭收入已稳定，脱困").get_json()["result"]
    assert closed["status"] == "已脱困撤档" and closed["closed_on"] == today().isoformat()
    assert closed["review_due"] is None


def test_the_public_notice_list_masks_people_and_leaves_out_details(app: Any, case_id: int) -> None:
    officer = user_client(app, "assistance_officer", "A")
    anonymous = app.test_client()
    assert "KN-2026-001" not in anonymous.get("/public/assistance_cases").get_data(as_text=True)
    for name, body in (("accept", {}), ("first_check", {}),
                       ("visit", {"fields": {"visit_on": "2026-11-20", "visit_findings": "属实"}}),
                       ("start_notice", {})):
        assert press(officer, case_id, name, **body).status_code == 200
    page = anonymous.get("/public/assistance_cases")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "KN-2026-001" in text and "张**" in text and "110105********002X" in text
    assert "张三丰" not in text and "11010519491231002X" not in text
    assert "幸福路" not in text and "30000" not in text and "属实" not in text
    assert anonymous.get("/public/members").status_code == 404


def test_grants_stop_at_the_yearly_cap_per_relief_type(app: Any, case_id: int) -> None:
    finance = user_client(app, "finance", "A")
    grant = {"assistance_case": CASE["case_no"], "member": ZHANG["id_card"], "relief_type": "换季救助",
             "granted_on": "2026-03-01"}
    assert finance.post("/api/v1/assistance_grants/", json={**grant, "grant_no": "FF-1", "amount": 600}).status_code == 201
    over = finance.post("/api/v1/assistance_grants/", json={**grant, "grant_no": "FF-2", "amount": 500})
    assert over.status_code == 422
    message = str(over.get_json())
    assert "换季救助每年上限 1,000.00 元" in message and "2026 年已发放 600.00 元" in message
    assert "最多还可发放 400.00 元" in message
    assert finance.post("/api/v1/assistance_grants/", json={**grant, "grant_no": "FF-2", "amount": 400}).status_code == 201
    other_year = finance.post("/api/v1/assistance_grants/",
                              json={**grant, "grant_no": "FF-3", "amount": 900, "granted_on": "2027-01-05"})
    assert other_year.status_code == 201
    other_kind = finance.post("/api/v1/assistance_grants/",
                              json={**grant, "grant_no": "FF-4", "amount": 1900, "relief_type": "越冬救助"})
    assert other_kind.status_code == 201
    first = finance.get("/api/v1/assistance_grants/?q=(filters:!((col:grant_no,opr:eq,value:FF-1)))").get_json()
    pk = first["ids"][0]
    raised = finance.put(f"/api/v1/assistance_grants/{pk}", json={"amount": 700})
    assert raised.status_code == 422 and "已发放 400.00 元" in str(raised.get_json())
