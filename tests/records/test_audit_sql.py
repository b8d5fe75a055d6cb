"""The create entries SQLite writes itself read exactly as the ones Python builds (on PostgreSQL the
Python ones are written, so there the comparison holds by construction). Both keep the new values alone,
``{field: value}``; SQLite's also name the blank fields, as null."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.records.audit_sql import sql_ready
from portal.records.batch_audit import BatchAudit
from portal.security.audit import AuditEntry, changes_of, now_utc

from tests.io.test_xlsx_import import ID_3, ID_MAN, ID_WOMAN, context, import_file, members_file

HEADER = ["姓名", "身份证号", "所属工会", "是否农民工", "月工资收入", "电子邮箱", "备注", "入会时间"]


def test_import_entries_match_what_python_writes_for_every_kind_of_value(app: Any, org_tree: dict[str, int],
                                                                         tmp_path: Path) -> None:
    path = members_file(tmp_path / "rich.xlsx",
                        ["张\"三\\", ID_MAN, "A01", "是", 0, "a@example.com", "第一行\n第二行 “引号” \\ 斜杠",
                         date(2020, 1, 5)],
                        ["李四", ID_WOMAN, "A01-1", "否", "1,200.5", None, None, None],
                        ["王五", ID_3, "A", None, 98765.43, None, "  ", "2019/2/3"], header=HEADER)
    report = import_file(app, "members", path)
    assert report.committed and report.created == 3, report.errors
    with app.app_context():
        table = AuditEntry.__table__
        written = {row.record_id: row.changes for row in db.session.execute(
            sa.select(table.c.record_id, table.c.changes).where(table.c.batch_id == report.batch_id,
                                                                table.c.action == "create"))}
        notes = BatchAudit(context(app, "members"), None, now_utc(), "system", None)
        assert sql_ready(notes.ctx.spec, db.session.connection()) == (db.engine.dialect.name == "sqlite")
        stored = notes.fetch(sorted(written))
        notes.learn_links(stored.values())
        expected = {record_id: notes._whole(record, {}, True) for record_id, record in stored.items()}
    read = {record_id: changes_of(text, "create") for record_id, text in written.items()}
    assert read == {record_id: changes_of(json.dumps(values), "create") for record_id, values in expected.items()}
    assert [list(changes) for changes in read.values()] == [list(values) for values in expected.values()]  # order
    first = json.loads(written[min(written)])
    assert first["name"] == "张\"三\\" and first["is_migrant_worker"] is True  # the value alone, not [null, value]
    assert first["monthly_wage"] == "0.00" and first["org_unit"] == "A01"
    assert first["notes"] == "第一行\n第二行 “引号” \\ 斜杠" and first["joined_on"] == "2020-01-05"
    second = json.loads(written[sorted(written)[1]])
    assert second["is_migrant_worker"] is False and second["monthly_wage"] == "1200.50"
    assert "email" not in read[sorted(written)[1]] and "notes" not in read[sorted(written)[1]]
    assert read[min(written)]["name"] == [None, "张\"三\\"]  # as the audit screens read it
