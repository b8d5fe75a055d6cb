"""Link consistency on the screens and the REST API: a dues row takes its union from the member, a record
keeps the member it links inside its union, and an old link to a record outside the reader's scope shows
the title only, never the key.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from tests.conftest import login

PASSWORD = "Orglinks-pass-2026"
ZHANG = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}
LI = {"name": "李四", "id_card": "440524188001010014", "org_unit": "B", "status": "在籍"}
DUES = {"record_no": "HY001-202401", "member": ZHANG["id_card"], "month": "2024-01", "wage": "5005"}
MISMATCH = "所属工会“物流中心工会 (B)”与会员所属的“车工一组 (A01-1)”不一致；请改为“车工一组 (A01-1)”，或留空由系统按会员自动填写"


@pytest.fixture()
def members(admin_client: Any, org_tree: dict[str, int]) -> dict[str, int]:
    ids = {}
    for row in (ZHANG, LI):
        response = admin_client.post("/api/v1/members/", json=row)
        assert response.status_code == 201, response.get_json()
        ids[row["name"]] = response.get_json()["id"]
    return ids


def user_client(app: Any, role: str, org: str) -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def _field_error(html: str, field: str) -> str:
    block = html.split(f'id="{field}"', 1)[1].split("</tr>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()


# -- REST API ------------------------------------------------------------------------------------------

def test_api_refuses_a_dues_row_under_another_union(admin_client: Any, members: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/dues/", json={**DUES, "org_unit": "B"})
    assert response.status_code == 422
    assert response.get_json()["message"] == {"org_unit": [MISMATCH]}
    assert admin_client.get("/api/v1/dues/").get_json()["count"] == 0


def test_api_fills_a_blank_union_from_the_member(admin_client: Any, members: dict[str, int],
                                                  org_tree: dict[str, int]) -> None:
    for body in (DUES, {**DUES, "record_no": "HY001-202402", "month": "2024-02", "org_unit": ""}):
        response = admin_client.post("/api/v1/dues/", json=body)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["result"]["org_unit"]["id"] == org_tree["A01-1"]


def test_api_update_is_checked_and_a_new_member_moves_the_row(admin_client: Any, members: dict[str, int],
                                                              org_tree: dict[str, int]) -> None:
    pk = admin_client.post("/api/v1/dues/", json=DUES).get_json()["id"]
    refused = admin_client.put(f"/api/v1/dues/{pk}", json={"org_unit": "B"})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == {"org_unit": [MISMATCH]}
    moved = admin_client.put(f"/api/v1/dues/{pk}", json={"member": LI["id_card"]})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["result"]["org_unit"]["id"] == org_tree["B"]


def test_api_keeps_the_linked_member_inside_the_records_union(admin_client: Any, members: dict[str, int]) -> None:
    contract = {"contract_no": "LD-1", "member": ZHANG["id_card"], "org_unit": "B", "employer": "第一机械厂",
                "contract_type": "固定期限", "start_date": "2024-01-01"}
    response = admin_client.post("/api/v1/labour_contracts/", json=contract)
    assert response.status_code == 422
    assert response.get_json()["message"] == {"member": [
        "会员属于“车工一组 (A01-1)”，不在本记录的所属工会“物流中心工会 (B)”及其下级组织内；"
        "请选择“物流中心工会 (B)”范围内的会员，或修改所属工会"]}
    above = admin_client.post("/api/v1/labour_contracts/", json={**contract, "org_unit": "A"})
    assert above.status_code == 201, above.get_json()


# -- forms ---------------------------------------------------------------------------------------------

def test_form_refuses_a_dues_row_under_another_union(admin_client: Any, members: dict[str, int],
                                                     org_tree: dict[str, int]) -> None:
    data = {**DUES, "member": str(members["张三"]), "org_unit": str(org_tree["B"])}
    response = admin_client.post("/dues/add", data=data)
    assert response.status_code == 200
    assert MISMATCH in _field_error(response.get_data(as_text=True), "org_unit")
    assert admin_client.get("/api/v1/dues/").get_json()["count"] == 0


def test_form_fills_a_blank_union_from_the_member(admin_client: Any, members: dict[str, int],
                                                  org_tree: dict[str, int]) -> None:
    response = admin_client.post("/dues/add", data={**DUES, "member": str(members["张三"]), "org_unit": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    [row] = admin_client.get("/api/v1/dues/").get_json()["result"]
    assert row["org_unit"]["id"] == org_tree["A01-1"]
    edited = admin_client.post(f"/dues/edit/{row['id']}", data={**DUES, "member": str(members["张三"]),
                                                                "org_unit": str(org_tree["B"])})
    assert edited.status_code == 200
    assert MISMATCH in _field_error(edited.get_data(as_text=True), "org_unit")


# -- an old link to a record outside the reader's scope ---------------------------------------------

@pytest.fixture()
def old_case(app: Any, members: dict[str, int], org_tree: dict[str, int]) -> int:
    """A hardship case of union A that links 李四 of union B, written before the rule existed."""
    with app.app_context():
        table = app.extensions["portal"].models["assistance_cases"].__table__
        result = db.session.execute(sa.insert(table).values(
            case_no="KN-OLD-1", member_id=members["李四"], org_unit_id=org_tree["A"], hardship_category="深度困难",
            household_size=3, status="已建档", created_at=sa.func.now(), updated_at=sa.func.now()))
        db.session.commit()
        return int(result.inserted_primary_key[0])


def test_an_out_of_scope_member_shows_its_name_but_not_its_id_number(app: Any, old_case: int) -> None:
    officer = user_client(app, "assistance_officer", "A")  # unmasks members.id_card, scope A
    shown = officer.get(f"/api/v1/assistance_cases/{old_case}").get_json()["result"]["member"]
    assert shown["title"] == "李四" and shown["key"] is None
    listed = officer.get("/api/v1/assistance_cases/").get_json()["result"][0]["member"]
    assert listed["key"] is None
    for url in (f"/assistance_cases/show/{old_case}", f"/assistance_cases/edit/{old_case}",
                "/assistance_cases/list/"):
        page = officer.get(url).get_data(as_text=True)
        assert "李四" in page and LI["id_card"] not in page, url
    assert "KN-OLD-1" in officer.get("/assistance_cases/list/?q=李四").get_data(as_text=True)
    assert "KN-OLD-1" not in officer.get(f"/assistance_cases/list/?q={LI['id_card']}").get_data(as_text=True)


def test_an_in_scope_member_keeps_its_key(app: Any, admin_client: Any, members: dict[str, int]) -> None:
    case = {"case_no": "KN-1", "member": ZHANG["id_card"], "org_unit": "A", "hardship_category": "深度困难",
            "household_size": 3}
    assert admin_client.post("/api/v1/assistance_cases/", json=case).status_code == 201
    officer = user_client(app, "assistance_officer", "A")
    shown = officer.get("/api/v1/assistance_cases/").get_json()["result"][0]["member"]
    assert shown["key"] == ZHANG["id_card"]
