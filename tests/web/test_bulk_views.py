"""Bulk actions on a list: change a field, move to another unit, delete; confirmed, per-row results, undoable.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.security.audit import AuditEntry
from tests.records.test_org_checks import user_client

PEOPLE = [("张一", "11010519491231002X", "A01"), ("张二", "440524188001010014", "A01"),
          ("张三", "110101198511200228", "A01-1"), ("李四", "110101199003070011", "B")]


def _seed(admin_client: Any) -> dict[str, int]:
    ids = {}
    for name, id_card, org in PEOPLE:
        response = admin_client.post("/api/v1/members/", json={"name": name, "id_card": id_card, "org_unit": org,
                                                               "status": "在籍"})
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    return ids


def _member(admin_client: Any, record_id: int) -> dict[str, Any]:
    return admin_client.get(f"/api/v1/members/{record_id}").get_json()["result"]


def _text(html: str, element_id: str) -> str:
    block = html.split(f'id="{element_id}"', 1)[1].split(">", 1)[1].split("</div>", 1)[0]
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", block))


def _undo_path(html: str) -> str:
    match = re.search(r'action="(/members/bulk/undo/\d+)"', html)
    assert match, html[-1500:]
    return match.group(1)


def test_ticked_rows_get_a_field_after_a_confirmation_and_the_change_can_be_undone(
        app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    chosen = {"rowid": [str(ids["张一"]), str(ids["张二"])], "action": "set", "field": "political_status",
              "value": "党员"}
    confirm = admin_client.post("/members/bulk/edit", data=chosen)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "将对2条会员记录执行：“政治面貌”改为“中共党员”" in _text(html, "portal-bulk-confirm")
    assert _member(admin_client, ids["张一"])["political_status"] is None  # nothing written before confirming

    done = admin_client.post("/members/bulk/edit", data={**chosen, "confirm": "1"})
    html = done.get_data(as_text=True)
    assert "完成2条，未处理0条" in _text(html, "portal-bulk-done")
    assert [_member(admin_client, ids[name])["political_status"] for name in ("张一", "张二", "张三")] == [
        "中共党员", "中共党员", None]
    with app.app_context():
        entries = list(db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.register == "members", AuditEntry.action == "update",
            AuditEntry.record_id.in_([ids["张一"], ids["张二"]])).order_by(AuditEntry.id.desc()).limit(2)))
    assert {json.dumps(json.loads(entry.changes), ensure_ascii=False) for entry in entries} == {
        '{"political_status": [null, "中共党员"]}'}
    assert all(entry.batch_id is not None for entry in entries)

    assert admin_client.post(_undo_path(html)).status_code == 302
    assert [_member(admin_client, ids[name])["political_status"] for name in ("张一", "张二")] == [None, None]


def test_the_whole_filtered_selection_moves_to_another_unit_inside_the_users_scope(
        app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    clerk = user_client(app, "clerk", "A")
    query = f"_flt_0_org_unit={org_tree['A01']}"
    listed = clerk.get(f"/members/list/?{query}").get_data(as_text=True)
    assert "portal-bulk-move" in listed
    form = {"action": "move", "scope": "all", "value": str(org_tree["A01-1"]), "confirm": "1"}
    done = clerk.post(f"/members/bulk/edit?{query}", data=form).get_data(as_text=True)
    assert "完成2条，未处理0条" in _text(done, "portal-bulk-done")
    assert {_member(admin_client, ids[name])["org_unit"]["key"] for name in ("张一", "张二")} == {"A01-1"}
    assert _member(admin_client, ids["李四"])["org_unit"]["key"] == "B"
    # A unit outside the clerk's scope is not found, and nothing moves.
    moved = f"_flt_0_org_unit={org_tree['A01-1']}"
    refused = clerk.post(f"/members/bulk/edit?{moved}", data={**form, "value": "B"}, follow_redirects=True)
    assert "所属工会找不到“B”" in refused.get_data(as_text=True)
    assert _member(admin_client, ids["张三"])["org_unit"]["key"] == "A01-1"


def test_a_bulk_delete_skips_linked_rows_with_the_reason_and_undo_brings_the_rest_back(
        app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    dues = admin_client.post("/api/v1/dues/", json={"record_no": "HY-1", "member": "440524188001010014",
                                                    "month": "2024-01", "wage": "5005"})
    assert dues.status_code == 201
    chosen = {"rowid": [str(ids["张一"]), str(ids["张二"])]}
    confirm = admin_client.post("/members/bulk/delete", data=chosen).get_data(as_text=True)
    assert "将对2条会员记录执行：删除" in _text(confirm, "portal-bulk-confirm")
    done = admin_client.post("/members/bulk/delete", data={**chosen, "confirm": "1"}).get_data(as_text=True)
    assert "完成1条，未处理1条" in _text(done, "portal-bulk-done")
    assert "这条会员仍被 1 条会费缴纳记录引用（会员）" in done
    assert admin_client.get(f"/api/v1/members/{ids['张一']}").status_code == 404
    assert admin_client.get(f"/api/v1/members/{ids['张二']}").status_code == 200

    assert admin_client.post(_undo_path(done)).status_code == 302
    back = _member(admin_client, ids["张一"])
    assert (back["name"], back["id_card"], back["org_unit"]["key"]) == ("张一", "11010519491231002X", "A01")
    assert admin_client.post(_undo_path(done), follow_redirects=True).get_data(as_text=True).count("已经撤销过了") == 1


def test_roles_without_edit_or_delete_rights_get_no_bulk_actions(app: Any, admin_client: Any,
                                                                 org_tree: dict[str, int]) -> None:
    ids = _seed(admin_client)
    viewer = user_client(app, "viewer", "HQ")
    assert "portal-bulk-bar" not in viewer.get("/members/list/").get_data(as_text=True)
    assert viewer.post("/members/bulk/edit", data={"rowid": [str(ids["张一"])], "field": "notes",
                                                   "value": "x", "confirm": "1"}).status_code == 403
    assert viewer.post("/members/bulk/delete", data={"rowid": [str(ids["张一"])], "confirm": "1"}).status_code == 403
    assert admin_client.get("/members/bulk/edit").status_code == 405
