"""Per-record audit entries of imports and their undo: the same old → new diff a screen edit leaves,
one entry per record, each naming its batch; on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.security.audit import AuditEntry, changes_of

from tests.conftest import login
from tests.io.test_xlsx_import import (ID_3, ID_MAN, ID_WOMAN, ORG_HEADER, PASSWORD, by_key, import_file,
                                      members_file, new_user, undo, write_xlsx)


def batch_entries(app: Any, batch_id: int, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        table = AuditEntry.__table__
        rows = db.session.execute(sa.select(table).where(table.c.batch_id == batch_id, table.c.action == action)
                                  .order_by(table.c.id))
        return [{**row._mapping, "changes": changes_of(row.changes, row.action)} for row in rows]


def three_members(app: Any, tmp_path: Path) -> int:
    report = import_file(app, "members", members_file(tmp_path / "first.xlsx", ["张三", ID_MAN, "A01"],
                                                      ["李四", ID_WOMAN, "A01"], ["王五", ID_3, "A01-1"]))
    assert report.committed and report.created == 3
    return report.batch_id


def test_an_insert_import_records_one_create_entry_per_row_with_its_batch(app: Any, org_tree: dict[str, int],
                                                                          tmp_path: Path) -> None:
    batch_id = three_members(app, tmp_path)
    members = by_key(app, "members")
    entries = batch_entries(app, batch_id, "create")
    assert sorted(entry["record_id"] for entry in entries) == sorted(row["id"] for row in members.values())
    by_record = {entry["record_key"]: entry for entry in entries}
    assert set(by_record) == {ID_MAN, ID_WOMAN, ID_3}
    man = by_record[ID_MAN]
    assert man["register"] == "members" and man["username"] == "system"
    assert man["org_unit_id"] == org_tree["A01"] and by_record[ID_3]["org_unit_id"] == org_tree["A01-1"]
    # the screens' format: field -> [old, new], links by the linked record's key, derived fields too
    assert man["changes"]["name"] == [None, "张三"] and man["changes"]["org_unit"] == [None, "A01"]
    assert man["changes"]["id_card"] == [None, ID_MAN] and man["changes"]["gender"] == [None, "男"]
    assert man["detail"] == f"导入批次 #{batch_id}"


def test_an_upsert_changing_two_of_three_rows_records_two_updates_old_to_new(app: Any, org_tree: dict[str, int],
                                                                             tmp_path: Path) -> None:
    three_members(app, tmp_path)
    report = import_file(app, "members", members_file(tmp_path / "second.xlsx", ["张三丰", ID_MAN, "A01"],
                                                      ["李四", ID_WOMAN, "B"], ["王五", ID_3, "A01-1"]),
                         mode="upsert")
    assert (report.updated, report.unchanged) == (2, 1)
    entries = {entry["record_key"]: entry for entry in batch_entries(app, report.batch_id, "update")}
    assert set(entries) == {ID_MAN, ID_WOMAN}
    assert entries[ID_MAN]["changes"] == {"name": ["张三", "张三丰"]}
    assert entries[ID_WOMAN]["changes"] == {"org_unit": ["A01", "B"]}
    assert entries[ID_WOMAN]["org_unit_id"] == org_tree["B"]
    assert entries[ID_MAN]["record_id"] == by_key(app, "members")[ID_MAN]["id"]
    assert batch_entries(app, report.batch_id, "create") == []


def test_undo_records_each_deleted_and_restored_record(app: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    first = import_file(app, "members", members_file(tmp_path / "first.xlsx", ["张三", ID_MAN, "A01"]))
    assert first.committed
    second = import_file(app, "members", members_file(tmp_path / "second.xlsx", ["张三丰", ID_MAN, "B"],
                                                      ["李四", ID_WOMAN, "A01"]), mode="upsert")
    assert (second.created, second.updated) == (1, 1)
    woman_id = by_key(app, "members")[ID_WOMAN]["id"]
    assert undo(app, second.batch_id) == {"deleted": 1, "restored": 1}
    deleted = batch_entries(app, second.batch_id, "delete")
    assert [(entry["record_id"], entry["record_key"]) for entry in deleted] == [(woman_id, ID_WOMAN)]
    assert deleted[0]["changes"]["name"] == ["李四", None] and deleted[0]["changes"]["org_unit"] == ["A01", None]
    assert deleted[0]["detail"] == f"撤销导入批次 #{second.batch_id}"
    restored = [entry for entry in batch_entries(app, second.batch_id, "update")
                if entry["detail"].startswith("撤销")]
    assert [entry["record_key"] for entry in restored] == [ID_MAN]
    assert restored[0]["changes"] == {"name": ["张三丰", "张三"], "org_unit": ["B", "A01"]}
    assert restored[0]["org_unit_id"] == org_tree["A01"]


def test_the_record_history_lists_import_changes_with_the_batch_named(app: Any, admin_client: Any,
                                                                      org_tree: dict[str, int],
                                                                      tmp_path: Path) -> None:
    first = three_members(app, tmp_path)
    report = import_file(app, "members", members_file(tmp_path / "second.xlsx", ["张三丰", ID_MAN, "A01"]),
                         mode="upsert")
    member_id = by_key(app, "members")[ID_MAN]["id"]
    page = admin_client.get(f"/audit/list/?_flt_0_register=members&_flt_0_record_id={member_id}"
                            f"&psize_AuditView=100").get_data(as_text=True)
    assert "姓名：张三 → 张三丰；导入批次 #" + str(report.batch_id) in page
    # The record's own history: its creation by the first batch and its change by the second, nothing of 李四's.
    with app.app_context():
        history = [(entry.action, entry.batch_id, entry.record_key) for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.register == "members", AuditEntry.record_id == member_id,
                                        AuditEntry.batch_id.in_([first, report.batch_id])).order_by(AuditEntry.id))]
    assert history == [("create", first, ID_MAN), ("update", report.batch_id, ID_MAN)]


def test_new_units_naming_new_parents_are_recorded_with_the_parents_code(app: Any, org_tree: dict[str, int],
                                                                        tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orgs.xlsx", [ORG_HEADER, ["C1", "三车间分工会", "分工会", "C"],
                                               ["C", "第三工厂工会", "基层工会", "HQ"]])
    report = import_file(app, "org_units", path)
    assert report.committed and report.created == 2
    units = by_key(app, "org_units", "code")
    entries = {entry["record_key"]: entry for entry in batch_entries(app, report.batch_id, "create")}
    assert entries["C1"]["changes"]["parent"] == [None, "C"] and entries["C"]["changes"]["parent"] == [None, "HQ"]
    assert {code: (entry["record_id"], entry["org_unit_id"]) for code, entry in entries.items()} == {
        code: (units[code]["id"], units[code]["id"]) for code in ("C", "C1")}


def test_an_imported_dues_row_names_its_member_by_id_number_masked_for_readers_who_see_it_masked(
        app: Any, admin_client: Any, org_tree: dict[str, int], tmp_path: Path) -> None:
    assert import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"])).created == 1
    dues = write_xlsx(tmp_path / "dues.xlsx", [["缴费单号", "身份证号", "组织编码", "缴费月份"],
                                               ["D-202401-1", ID_MAN, "A01", "2024-01"]])
    report = import_file(app, "dues", dues)
    assert report.committed
    [entry] = batch_entries(app, report.batch_id, "create")
    assert entry["changes"]["member"] == [None, ID_MAN] and entry["changes"]["org_unit"] == [None, "A01"]
    url = f"/audit/show/{entry['id']}"
    auditor = app.test_client()
    login(auditor, new_user(app, "auditor", "A"), PASSWORD)  # sees members' ID numbers masked
    page = auditor.get(url).get_data(as_text=True)
    assert f"会员：{ID_MAN[:6]}********{ID_MAN[-4:]}" in page and ID_MAN not in page
    assert f"会员：{ID_MAN}" in admin_client.get(url).get_data(as_text=True)
