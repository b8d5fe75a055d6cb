"""The audit trail: register writes with field diffs, sign-ins, permission changes; read-only; masked."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from portal.domain.idcard import make_id_card

from tests.conftest import login, move_member

MEMBER = {"name": "王五", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍",
          "phone": "13812345678"}


def _user(app: Any, role: str, org: str | None = "A") -> tuple[str, str]:
    from portal.security.accounts import create_user

    name, password = f"{role}_{uuid.uuid4().hex[:12]}", "Audit-pass-2026"
    with app.app_context():
        create_user(name, password, role, org_code=org)
    return name, password


def _last_id(app: Any) -> int:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def _entries(app: Any, after: int = 0, **where: Any) -> list[Any]:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    with app.app_context():
        query = sa.select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_create_update_delete_are_recorded_with_who_and_a_field_diff(app: Any, admin_client: Any,
                                                                     org_tree: dict[str, int]) -> None:
    start = _last_id(app)
    created = admin_client.post("/api/v1/members/", json=MEMBER)
    assert created.status_code == 201
    member_id = created.get_json()["id"]
    assert admin_client.put(f"/api/v1/members/{member_id}", json={"name": "王六", "org_unit": "A01"}).status_code == 200
    assert admin_client.delete(f"/api/v1/members/{member_id}").status_code == 200

    entries = _entries(app, start, register="members", record_id=member_id)
    assert [entry.action for entry in entries] == ["create", "update", "delete"]
    assert {entry.username for entry in entries} == {"admin"}
    assert all(entry.record_key == MEMBER["id_card"] for entry in entries)
    create, update, delete = (entry.changes_dict() for entry in entries)
    assert json.loads(entries[0].changes)["name"] == "王五"  # a new record's entry keeps its values alone
    assert create["name"] == [None, "王五"] and create["org_unit"] == [None, "A01-1"]
    assert create["gender"] == [None, "女"]  # derived fields are recorded too
    assert update == {"name": ["王五", "王六"], "org_unit": ["A01-1", "A01"]}
    assert delete["id_card"] == [MEMBER["id_card"], None]
    assert entries[1].org_unit_id == org_tree["A01"]


def test_a_screen_edit_is_recorded_like_an_api_edit(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    member_id = admin_client.post("/api/v1/members/", json=MEMBER).get_json()["id"]
    form = {"name": "赵六", "id_card": MEMBER["id_card"], "org_unit": str(org_tree["A01-1"]), "status": "在籍"}
    response = admin_client.post(f"/members/edit/{member_id}", data=form)
    assert response.status_code == 302
    update = _entries(app, register="members", record_id=member_id, action="update")[-1]
    assert json.loads(update.changes)["name"] == ["王五", "赵六"]


def test_sign_ins_sign_outs_and_failures_are_recorded(app: Any, clean: None) -> None:
    name, password = _user(app, "viewer", org=None)
    client = app.test_client()
    assert "/login" in login(client, name, "wrong-password-1").headers["Location"]
    assert "/login" not in login(client, name, password).headers["Location"]
    assert client.post("/logout/").status_code == 302
    actions = [entry.action for entry in _entries(app, username=name)]
    assert actions[-3:] == ["login_failed", "login", "logout"]


def test_role_sync_and_role_assignment_are_permission_changes(app: Any, admin_client: Any) -> None:
    from portal.extensions import db
    from portal.security.sync import sync_roles

    name, _ = _user(app, "viewer", org=None)
    start = _last_id(app)
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username=name)
        user.roles = [sm.find_role("viewer"), sm.find_role("clerk")]
        db.session.commit()
        viewer = sm.find_role("viewer")
        removed = viewer.permissions[0]
        viewer.permissions = viewer.permissions[1:]
        db.session.commit()
        removed_text = str(removed)
    assignment = _entries(app, register="users", record_key=name, action="permissions")[-1]
    assert json.loads(assignment.changes)["roles"] == [["viewer"], ["clerk", "viewer"]]
    report = sync_roles(app)  # puts the removed permission back, and says so
    assert any(change.role == "viewer" and change.added for change in report.changes)
    restored = _entries(app, start, register="roles", record_key="viewer", action="permissions")
    assert json.loads(restored[-2].changes)["permissions"][0] == [removed_text]
    assert json.loads(restored[-1].changes)["permissions"][1] == [removed_text]


def test_nobody_can_edit_or_delete_entries_through_screens_api_or_orm(app: Any, admin_client: Any) -> None:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    entry = _entries(app)[-1]
    assert admin_client.get("/audit/list/").status_code == 200
    assert admin_client.get(f"/audit/show/{entry.id}").status_code == 200
    for method, url in (("GET", f"/audit/edit/{entry.id}"), ("POST", f"/audit/edit/{entry.id}"),
                        ("POST", f"/audit/delete/{entry.id}"), ("GET", "/audit/add")):
        assert admin_client.open(url, method=method).status_code in (403, 404, 405), url
    assert admin_client.get("/api/v1/audit/").status_code == 404
    with app.app_context():
        stored = db.session.get(AuditEntry, entry.id)
        stored.detail = "tampered"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError):  # the database itself refuses, too
            db.session.execute(sa.text("DELETE FROM portal_audit"))
        db.session.rollback()
    assert _entries(app, id=entry.id)[0].detail == entry.detail


def test_auditor_browses_entries_of_own_subtree_with_sensitive_values_masked(app: Any, admin_client: Any,
                                                                            org_tree: dict[str, int]) -> None:
    before = _last_id(app)  # record ids repeat across tests on SQLite: look only at this test's entries
    a_member = admin_client.post("/api/v1/members/", json=MEMBER).get_json()["id"]
    b_member = admin_client.post("/api/v1/members/", json={**MEMBER, "id_card": make_id_card("310114", date(1980, 5, 1), 12),
                                                           "name": "钱七", "org_unit": "B"}).get_json()["id"]
    admin_client.put(f"/api/v1/members/{a_member}", json={"phone": "13900001111"})
    name, password = _user(app, "auditor")
    client = app.test_client()
    login(client, name, password)
    page = client.get("/audit/list/?_flt_0_register=members&psize_AuditView=100").get_data(as_text=True)
    assert "王五" in page and "钱七" not in page  # B's entries are outside the auditor's subtree
    assert "138****5678 → 139****1111" in page  # auditors do not unmask members' phones
    assert "13812345678" not in page and MEMBER["id_card"] not in page
    assert "110105********002X" in page
    admin_page = admin_client.get("/audit/list/?_flt_0_register=members&psize_AuditView=100").get_data(as_text=True)
    assert "13812345678 → 13900001111" in admin_page and "钱七" in admin_page
    b_entry = _entries(app, before, register="members", record_id=b_member)[0]
    assert client.get(f"/audit/show/{b_entry.id}").status_code == 404


def test_a_transition_entry_names_its_record_masked_for_the_auditor(app: Any, admin_client: Any,
                                                                    org_tree: dict[str, int]) -> None:
    before = _last_id(app)
    member = admin_client.post("/api/v1/members/", json=MEMBER).get_json()["id"]
    move_member(admin_client, member, "退会")
    entry = [item for item in _entries(app, before, register="members", record_id=member) if item.action == "transition"]
    assert len(entry) == 1
    name, password = _user(app, "auditor")
    client = app.test_client()
    login(client, name, password)
    page = client.get(f"/audit/show/{entry[0].id}").get_data(as_text=True)
    assert "110105********002X" in page and MEMBER["id_card"] not in page


def test_the_clerk_has_no_audit_screen(app: Any, clean: None) -> None:
    name, password = _user(app, "clerk", org=None)
    client = app.test_client()
    login(client, name, password)
    assert client.get("/audit/list/").status_code == 403
    assert "审计日志" not in client.get("/members/list/").get_data(as_text=True)


def test_the_amount_paid_is_masked_in_the_trail_with_the_wage(app: Any, admin_client: Any,
                                                              org_tree: dict[str, int]) -> None:
    """The chair sees the wage masked, so also the amount paid that gives it away (0.5 % of it)."""
    admin_client.post("/api/v1/members/", json=MEMBER)
    dues = admin_client.post("/api/v1/dues/", json={"record_no": "HY001-202401", "member": MEMBER["id_card"],
                                                    "org_unit": "A01-1", "month": "2024-01", "wage": "10245.67",
                                                    "amount_paid": "51.20"}).get_json()["id"]
    admin_client.put(f"/api/v1/dues/{dues}", json={"amount_paid": "51.25"})
    name, password = _user(app, "chair")
    client = app.test_client()
    login(client, name, password)
    page = client.get("/audit/list/?_flt_0_register=dues&psize_AuditView=100").get_data(as_text=True)
    assert "实交会费：**** → ****" in page
    assert "51.20" not in page and "51.25" not in page and "10245.67" not in page


def test_a_linked_members_id_number_is_masked_in_a_dues_diff_for_readers_who_see_it_masked(
        app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    other = make_id_card("110105", date(1985, 3, 4), 21)
    admin_client.post("/api/v1/members/", json=MEMBER)
    admin_client.post("/api/v1/members/", json={**MEMBER, "id_card": other, "name": "赵六"})
    dues = admin_client.post("/api/v1/dues/", json={"record_no": "HY002-202401", "member": MEMBER["id_card"],
                                                    "org_unit": "A01-1", "month": "2024-01", "wage": "5000"})
    assert dues.status_code == 201, dues.get_json()
    assert admin_client.put(f"/api/v1/dues/{dues.get_json()['id']}", json={"member": other}).status_code == 200
    name, password = _user(app, "auditor")  # sees members' ID numbers masked
    client = app.test_client()
    login(client, name, password)
    url = "/audit/list/?_flt_0_register=dues&psize_AuditView=100"
    page = client.get(url).get_data(as_text=True)
    assert "会员：110105********002X" in page and "110105********" + other[-4:] in page
    assert MEMBER["id_card"] not in page and other not in page
    admin_page = admin_client.get(url).get_data(as_text=True)
    assert f"会员：{MEMBER['id_card']} → {other}" in admin_page


def test_one_records_history_is_read_through_its_index(app: Any) -> None:
    """The history of one record (``register`` and ``record_id``, as the audit screen's record filter asks)
    looks its entries up by one index instead of reading every entry of the register."""
    from portal.extensions import db

    with app.app_context():
        indexes = {index["name"]: index["column_names"] for index in sa.inspect(db.engine).get_indexes("portal_audit")}
        assert indexes.get("ix_portal_audit_register_record_id") == ["register", "record_id"]
        assert not {"ix_portal_audit_action", "ix_portal_audit_register", "ix_portal_audit_record_key"} & set(indexes)
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text(
                "EXPLAIN QUERY PLAN SELECT * FROM portal_audit WHERE register = 'members' AND record_id = 7")))
            assert "ix_portal_audit_register_record_id (register=? AND record_id=?)" in plan, plan
