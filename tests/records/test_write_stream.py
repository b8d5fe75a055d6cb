"""A big insert writes its new records while the planner decides the rest of the file (SQLite): the result is
the one the planner-then-writer way gives, a row refused later leaves nothing, and a failure is raised."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records import bulk_load, plan, write_stream
from portal.records.audit_sql import CreatedEntries
from portal.records.plan_types import ImportOptions
from portal.records.write import SourceFile
from portal.records.write_stream import CreateStream, StreamBroken
from portal.security.audit import AuditEntry

from tests.io.test_xlsx_import import (audit_count, batch_count, by_key, context, ident, import_file, members_file,
                                       new_user, undo)
from tests.records.test_bulk_load import indexes

#: Nine new members, decided two rows at a time: five slices, each handed over as it is decided.
PEOPLE = [[f"流水{n}", ident("19800101", 100 + n), "A01" if n % 2 else "A01-1"] for n in range(9)]


@pytest.fixture()
def streaming(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[CreateStream]:
    """Small files stream too, two rows a slice; the streams that started are listed."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite writes while it plans; PostgreSQL copies the rows in afterwards")
    monkeypatch.setattr(write_stream, "MIN_ROWS", 2)
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 2)
    monkeypatch.setattr(plan, "DECIDE_ROWS", 2)
    started: list[CreateStream] = []
    real = CreateStream._start

    def start(self: CreateStream, planned: int) -> None:
        started.append(self)
        real(self, planned)

    monkeypatch.setattr(CreateStream, "_start", start)
    return started


def _records(app: Any) -> dict[str, dict[str, Any]]:
    """Each member as stored, without what differs between two imports (ids and times)."""
    return {key: {name: value for name, value in row.items() if name not in ("id", "created_at", "updated_at")}
            for key, row in by_key(app, "members").items()}


def _created_entries(app: Any, batch_id: int) -> dict[str, dict[str, list[Any]]]:
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.batch_id == batch_id,
                                                                 AuditEntry.action == "create")
                                     .order_by(AuditEntry.id)).all()
        return {entry.record_key or "": entry.changes_dict() for entry in entries}


def _no_writer_left() -> bool:
    """No writing thread is left, and Python switches threads as often as it did before."""
    return (not any(thread.name == "portal-import-writer" for thread in threading.enumerate())
            and sys.getswitchinterval() == SWITCH_BEFORE)


SWITCH_BEFORE = sys.getswitchinterval()


def test_a_streamed_import_writes_what_planning_first_writes(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                             streaming: list[CreateStream],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    before = indexes(app)
    streamed = import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE))
    assert streamed.committed and streamed.created == 9 and len(streaming) == 1, streamed.errors
    assert indexes(app) == before and _no_writer_left()
    records, entries = _records(app), _created_entries(app, streamed.batch_id or 0)
    assert sorted(entries) == sorted(records) and len(records) == 9
    assert entries[PEOPLE[0][1]]["name"] == [None, "流水0"] and entries[PEOPLE[1][1]]["org_unit"] == [None, "A01"]
    with app.app_context():
        batch_rows = db.session.execute(sa.text("SELECT rows, created, created_ids FROM portal_import_batch "
                                                "WHERE id = :id"), {"id": streamed.batch_id}).one()
        raw = db.session.scalar(sa.select(AuditEntry.changes).where(AuditEntry.batch_id == streamed.batch_id,
                                                                   AuditEntry.action == "create").limit(1))
    assert batch_rows[0] == 9 and batch_rows[1] == 9
    assert json.loads(raw or "{}")["name"] == "流水0" and "email" not in json.loads(raw or "{}")  # blank on every row

    undo(app, streamed.batch_id or 0)
    monkeypatch.setattr(CreateStream, "offered", classmethod(lambda cls, *args: None))
    planned_first = import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE))
    assert planned_first.committed and planned_first.created == 9 and len(streaming) == 1
    assert _records(app) == records  # the same members, value for value
    assert _created_entries(app, planned_first.batch_id or 0) == entries  # and the same audit entries


def test_a_row_refused_after_some_were_written_leaves_nothing(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                             streaming: list[CreateStream]) -> None:
    first = import_file(app, "members", members_file(tmp_path / "one.xlsx", PEOPLE[8]))
    assert first.committed
    before, batches, created = indexes(app), batch_count(app), audit_count(app, "create")
    stored = _records(app)
    # the seventh row is already registered: the planner finds it in the fourth slice, after three were written
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE[:6], PEOPLE[8]))
    assert not report.committed and len(streaming) == 1
    assert [error.row for error in report.errors] == [8] and "已" in report.errors[0].message
    assert _records(app) == stored and indexes(app) == before and _no_writer_left()
    assert batch_count(app) == batches and audit_count(app, "create") == created


def test_a_failure_while_writing_is_raised_and_leaves_nothing(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                              streaming: list[CreateStream],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before, batches, stored = indexes(app), batch_count(app), _records(app)
    monkeypatch.setattr(CreatedEntries, "params", lambda self, first, last: (first,))  # too few: the driver refuses
    with pytest.raises(Exception, match="binding|bindings|parameter"):
        import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE))
    assert len(streaming) == 1 and _no_writer_left()
    assert _records(app) == stored and indexes(app) == before and batch_count(app) == batches


def test_small_files_and_other_imports_are_planned_first(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                          streaming: list[CreateStream],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = members_file(tmp_path / "m.xlsx", *PEOPLE[:4])
    for options in ({"mode": "upsert"}, {"partial": True}, {"dry_run": True}):
        report = import_file(app, "members", path, **options)  # type: ignore[arg-type]
        assert report.created == 4
        if report.committed:
            undo(app, report.batch_id or 0)
    monkeypatch.setattr(write_stream, "MIN_ROWS", 5)
    assert import_file(app, "members", path).committed
    assert streaming == []  # none of these wrote while planning
    with app.app_context():
        source = SourceFile("x.xlsx", "0" * 64)
        assert CreateStream.offered(context(app, "org_units"), ImportOptions(), source) is None  # its own tree
        assert CreateStream.offered(context(app, "members"), ImportOptions(), source) is not None


def test_a_stream_missing_records_is_refused(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                            streaming: list[CreateStream], monkeypatch: pytest.MonkeyPatch) -> None:
    real = CreateStream.take

    def take_all_but_the_last_slice(self: CreateStream, creates: Any, planned: int) -> None:
        if creates and creates[-1].values["name"] != PEOPLE[8][0]:
            real(self, creates, planned)

    monkeypatch.setattr(CreateStream, "take", take_all_but_the_last_slice)
    before, stored = indexes(app), _records(app)
    with pytest.raises(StreamBroken):
        import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE))
    assert _records(app) == stored and indexes(app) == before and _no_writer_left()


def test_a_slice_too_big_for_one_statement_is_written_in_several(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                                 streaming: list[CreateStream],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Several statements a slice, and a planner that must wait for the thread (one statement may wait)."""
    monkeypatch.setattr(plan, "DECIDE_ROWS", 5)
    monkeypatch.setattr(write_stream, "BACKLOG", 1)
    real = CreateStream._start

    def start(self: CreateStream, planned: int) -> None:
        real(self, planned)
        self._max_variables = 45  # as a SQLite built with a low limit: two rows a statement

    monkeypatch.setattr(CreateStream, "_start", start)
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", *PEOPLE))
    assert report.committed and report.created == 9, report.errors
    records = _records(app)
    assert sorted(records) == sorted(person[1] for person in PEOPLE)
    assert {records[person[1]]["name"] for person in PEOPLE} == {person[0] for person in PEOPLE}
    assert sorted(_created_entries(app, report.batch_id or 0)) == sorted(records)


def test_a_clerk_streaming_into_a_branch_not_theirs_leaves_nothing(app: Any, admin_client: Any,
                                                                  org_tree: dict[str, int], tmp_path: Path,
                                                                  streaming: list[CreateStream]) -> None:
    clerk = new_user(app, "clerk", "A")
    before, batches, created = indexes(app), batch_count(app), audit_count(app, "create")
    # six rows of the clerk's own branch are written (three slices), then a row names 物流中心工会 (B), which is
    # not theirs: it names no unit they may see, and the import is undone
    outside = [*PEOPLE[:6], ["越界", ident("19800101", 199), "B"], *PEOPLE[6:8]]
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", *outside), user=clerk)
    assert not report.committed and len(streaming) == 1 and streaming[0]._taken == 6  # written, then undone
    assert [(error.row, error.column) for error in report.errors] == [(8, "所属工会")]
    assert "权限范围" in report.errors[0].message
    assert _records(app) == {} and indexes(app) == before and _no_writer_left()
    assert batch_count(app) == batches and audit_count(app, "create") == created
