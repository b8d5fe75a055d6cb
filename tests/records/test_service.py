"""One write path: the screens, the REST API, the import and the demo all write through the register
service, so a rule holds on every channel and every write leaves the same audit entry.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.security.audit import AuditEntry
from tests.io.test_xlsx_import import import_file, members_file

ZHANG = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}
LI = {"name": "李四", "id_card": "440524188001010014", "org_unit": "B", "status": "在籍"}
TAKEN = "身份证号“11010519491231002X”已被其他记录使用，不能重复"


def _field_error(html: str, field: str) -> str:
    block = html.split(f'id="{field}"', 1)[1].split("</tr>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()


def _add(admin_client: Any, row: dict[str, str]) -> int:
    response = admin_client.post("/api/v1/members/", json=row)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _entries(app: Any, register: str, record_id: int) -> list[AuditEntry]:
    """This record's history since it was made (the trail outlives earlier tests' rows, whose ids come back)."""
    with app.app_context():
        entries = list(db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == register, AuditEntry.record_id == record_id).order_by(AuditEntry.id)))
    made = max(index for index, entry in enumerate(entries) if entry.action == "create")
    return entries[made:]


def _updated_at(app: Any, record_id: int) -> Any:
    with app.app_context():
        table = app.extensions["portal"].models["members"].__table__
        return db.session.scalar(sa.select(table.c.updated_at).where(table.c.id == record_id))


def test_a_key_taken_by_another_record_is_refused_alike_by_form_and_api(admin_client: Any,
                                                                       org_tree: dict[str, int]) -> None:
    _add(admin_client, ZHANG)
    li = _add(admin_client, LI)
    api = admin_client.put(f"/api/v1/members/{li}", json={"id_card": ZHANG["id_card"]})
    assert api.status_code == 422 and api.get_json()["message"] == {"id_card": [TAKEN]}
    form = admin_client.post(f"/members/edit/{li}", data={**LI, "id_card": ZHANG["id_card"],
                                                          "org_unit": str(org_tree["B"])})
    assert form.status_code == 200 and TAKEN in _field_error(form.get_data(as_text=True), "id_card")
    added = admin_client.post("/members/add", data={**ZHANG, "name": "张三二", "org_unit": str(org_tree["A01"])})
    assert added.status_code == 200 and TAKEN in _field_error(added.get_data(as_text=True), "id_card")
    assert admin_client.get(f"/api/v1/members/{li}").get_json()["result"]["id_card"] == LI["id_card"]


def test_a_screen_edit_is_audited_field_by_field_and_recomputes_derived_fields(app: Any, admin_client: Any,
                                                                              org_tree: dict[str, int]) -> None:
    member = _add(admin_client, {**ZHANG, "monthly_wage": "5005"})
    response = admin_client.post(f"/members/edit/{member}", data={**ZHANG, "org_unit": str(org_tree["A01-1"]),
                                                                  "monthly_wage": "6,009.50"})
    assert response.status_code == 302
    result = admin_client.get(f"/api/v1/members/{member}").get_json()["result"]
    assert (result["monthly_wage"], result["dues_base"], result["dues_amount"]) == ("6009.50", "6000.00", "30.00")
    update = [entry for entry in _entries(app, "members", member) if entry.action == "update"]
    assert len(update) == 1
    changes = json.loads(update[0].changes)
    assert {name: changes[name] for name in ("monthly_wage", "dues_base", "dues_amount")} == {
        "monthly_wage": ["5005.00", "6009.50"], "dues_base": ["5000.00", "6000.00"], "dues_amount": ["25.00", "30.00"]}
    assert "name" not in changes and "id_card" not in changes  # only what changed


def test_an_unchanged_save_writes_nothing(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    member = _add(admin_client, ZHANG)
    before = _updated_at(app, member)
    assert admin_client.put(f"/api/v1/members/{member}", json={"name": "张三"}).status_code == 200
    assert _updated_at(app, member) == before
    assert [entry.action for entry in _entries(app, "members", member)] == ["create"]


def test_clearing_a_required_field_is_refused_by_the_api(admin_client: Any, org_tree: dict[str, int]) -> None:
    member = _add(admin_client, ZHANG)
    response = admin_client.put(f"/api/v1/members/{member}", json={"name": None})
    assert response.status_code == 422 and list(response.get_json()["message"]) == ["name"]
    assert "姓名" in response.get_json()["message"]["name"][0]


def test_a_linked_record_cannot_be_deleted_and_the_reason_names_what_links_to_it(
        app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    member = _add(admin_client, ZHANG)
    dues = admin_client.post("/api/v1/dues/", json={"record_no": "HY-1", "member": ZHANG["id_card"],
                                                    "month": "2024-01", "wage": "5005"})
    assert dues.status_code == 201
    reason = "这条会员仍被 1 条会费缴纳记录引用（会员），请先修改或删除这些记录后再删除。"
    api = admin_client.delete(f"/api/v1/members/{member}")
    assert api.status_code == 422 and api.get_json()["message"] == {"_schema": [reason]}
    screen = admin_client.post(f"/members/delete/{member}", follow_redirects=True)
    assert reason in screen.get_data(as_text=True)
    assert admin_client.get(f"/api/v1/members/{member}").status_code == 200
    assert admin_client.delete(f"/api/v1/dues/{dues.get_json()['id']}").status_code == 200
    assert admin_client.post(f"/members/delete/{member}").status_code == 302
    assert admin_client.get(f"/api/v1/members/{member}").status_code == 404
    deleted = _entries(app, "members", member)[-1]
    assert deleted.action == "delete" and json.loads(deleted.changes)["name"] == ["张三", None]


def test_an_org_unit_cannot_be_moved_below_itself_on_the_screen(admin_client: Any, org_tree: dict[str, int]) -> None:
    response = admin_client.post(f"/org_units/edit/{org_tree['A']}", data={
        "code": "A", "name": "第一机械厂工会", "unit_type": "基层工会", "parent": str(org_tree["A01-1"])})
    assert response.status_code == 200
    assert "上级组织" in _field_error(response.get_data(as_text=True), "parent")
    assert admin_client.get(f"/api/v1/org_units/{org_tree['A']}").get_json()["result"]["parent"]["key"] == "HQ"


def test_an_import_and_a_screen_edit_meet_in_one_audit_history(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                              tmp_path: Path) -> None:
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["王五", ZHANG["id_card"], "A01"]))
    assert report.committed and report.created == 1
    member = admin_client.get("/api/v1/members/").get_json()["ids"][0]
    assert admin_client.put(f"/api/v1/members/{member}", json={"name": "王五一"}).status_code == 200
    history = _entries(app, "members", member)
    assert [(entry.action, entry.batch_id is not None) for entry in history] == [("create", True), ("update", False)]
    assert json.loads(history[1].changes) == {"name": ["王五", "王五一"]}


def test_the_demo_data_is_checked_and_audited_as_demo_data(app: Any, clean: None) -> None:
    from portal.demo import load_demo

    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    summary = load_demo(app, members=30)
    assert summary.startswith("演示数据已生成")
    with app.app_context():
        members = db.session.scalar(sa.select(sa.func.count()).select_from(
            app.extensions["portal"].models["members"])) or 0
        noted = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.register == "members", AuditEntry.action == "create",
            AuditEntry.detail == "演示数据")) or 0
    assert members >= 30 and noted == members
