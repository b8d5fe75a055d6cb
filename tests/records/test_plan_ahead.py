"""``plan_ahead``: an upsert reads stored records while its file is loaded; the plan is the one it would be
without, whether all, some or none of them were read ahead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.io.plan import ImportOptions, SheetPlanner
from portal.records import plan_ahead
from portal.records.lookups import existing_rows, typed_rows
from tests.io.test_xlsx_import import MEMBER_HEADER, context, ident, import_file, members_file

STORED = [ident("19710203", 101), ident("19710203", 102), ident("19710203", 103), ident("19710203", 104)]


@pytest.fixture()
def stored(app: Any, org_tree: dict[str, int], tmp_path: Path) -> list[int]:
    """Four members (ids in file order), imported fresh for each test (re-imported when left by an earlier one)."""
    rows = [[f"先读{index}", card, "A01"] for index, card in enumerate(STORED)]
    report = import_file(app, "members", members_file(tmp_path / "stored.xlsx", *rows), mode="upsert")
    assert report.committed, report.errors
    with app.app_context():
        table = app.extensions["portal"].models["members"].__table__
        ids = dict(db.session.execute(sa.select(table.c.id_card, table.c.id).where(table.c.id_card.in_(STORED))).all())
    return [ids[card] for card in STORED]


def _plan(app: Any, rows: list[list[Any]], ahead_from: int | None, slice_rows: int, monkeypatch: Any,
          steps: int = 1) -> Any:
    """The upsert plan of ``rows``, ``steps`` slices of the stored records read ahead from the one after id
    ``ahead_from`` (``None``: no reading ahead)."""
    monkeypatch.setattr(plan_ahead, "SLICE_ROWS", slice_rows)
    with app.app_context():
        planner = SheetPlanner(context(app, "members"), ImportOptions(mode="upsert"))
        sheet = planner.sheet()
        if ahead_from is not None:
            ahead = planner.read_ahead()
            assert ahead is not None
            ahead.after = ahead_from
            for _ in range(steps):
                ahead.step()
        sheet.take([MEMBER_HEADER, *rows], None, total=len(rows) + 1)
        plan = sheet.plan()
        db.session.rollback()
    return ([(row.row, row.values.get("name")) for row in plan.creates],
            [(row.row, row.record_id, row.values, row.before) for row in plan.updates],
            plan.unchanged, [(error.row, error.message) for error in plan.errors])


def test_the_plan_is_the_same_with_all_some_or_none_of_the_records_read_ahead(app: Any, stored: list[int],
                                                                           monkeypatch: Any) -> None:
    rows = [["先读0", STORED[0], "A01"],            # unchanged, read ahead in the partial case
            ["改名了", STORED[1], "A01"],            # changed, read ahead in the partial case
            ["先读2", STORED[2], "B"],              # changed unit, not read ahead in the partial case
            ["新来的", ident("19710203", 105), "A01"],  # new
            ["重复", STORED[0], "A01"]]             # the same key twice: an error either way
    without = _plan(app, rows, None, 2, monkeypatch)
    assert without[2] == 1 and len(without[1]) == 2 and without[0] == [(5, "新来的")] and without[3]
    assert _plan(app, rows, stored[0] - 1, 2, monkeypatch) == without   # two of the four read ahead
    assert _plan(app, rows, 0, 10**6, monkeypatch) == without           # every record read ahead
    assert _plan(app, rows, 0, 2, monkeypatch, steps=0) == without     # the rows came before any was read


def test_reading_ahead_goes_by_slices_of_ids_and_asks_only_for_what_it_has_not_read(
        app: Any, stored: list[int], monkeypatch: Any) -> None:
    monkeypatch.setattr(plan_ahead, "SLICE_ROWS", 2)
    with app.app_context():
        model = app.extensions["portal"].models["members"]
        columns = ["id", "name", "id_card"]
        ahead = plan_ahead.ReadAhead(db.session, model, "id_card", columns)
        ahead.after = stored[0] - 1
        assert ahead.step() is True and ahead.after == stored[1] and set(ahead.found) == set(STORED[:2])
        asked: list[list[Any]] = []

        def read(keys: list[Any]) -> dict[Any, tuple[Any, ...]]:
            asked.append(keys)
            return existing_rows(db.session, model, "id_card", keys, columns)

        found = ahead.existing(STORED, read)
        assert asked == [STORED[2:]]
        assert found == existing_rows(db.session, model, "id_card", STORED, columns)
        while ahead.step():
            pass
        assert ahead.complete and ahead.step() is False
        asked.clear()
        assert ahead.existing([*STORED, "不存在的号码"], read) == found and asked == []  # all read: nothing asked
        db.session.rollback()


def test_texts_that_repeat_down_a_column_are_held_once(app: Any) -> None:
    with app.app_context():
        roll = sa.text("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299) "
                       "SELECT CASE WHEN i % 3 = 0 THEN '回族' ELSE '汉族' END AS ethnicity, "
                       "'会员' || CAST(i AS VARCHAR) AS name FROM n ORDER BY i")
        rows = typed_rows(db.session, roll.columns(sa.column("ethnicity", sa.String),  # type: ignore[arg-type]
                                                   sa.column("name", sa.String)))
        assert [row[0] for row in rows] == ["汉族" if index % 3 else "回族" for index in range(300)]
        assert len({id(row[0]) for row in rows}) == 2
        assert [row[1] for row in rows] == [f"会员{index}" for index in range(300)]


def test_the_rest_is_read_at_once_when_the_file_may_ask_for_half_of_it(app: Any, stored: list[int],
                                                                      monkeypatch: Any) -> None:
    monkeypatch.setattr(plan_ahead, "SLICE_ROWS", 2)
    monkeypatch.setattr(plan_ahead, "FINISH_ROWS", 3)
    with app.app_context():
        model = app.extensions["portal"].models["members"]
        ahead = plan_ahead.ReadAhead(db.session, model, "id_card", ["id", "name", "id_card"])
        ahead.after = stored[0] - 1
        ahead.step()
        left = (db.session.scalar(sa.select(sa.func.max(model.__table__.c.id))) or 0) - ahead.after
        ahead.finish_for((left - 1) // 2)  # fewer keys than half of what is left: looked up one by one later
        assert not ahead.complete and set(ahead.found) == set(STORED[:2])
        ahead.finish_for((left + 1) // 2)
        assert ahead.complete and set(STORED) <= set(ahead.found)
        table = model.__table__
        assert set(ahead.found) == set(db.session.scalars(sa.select(table.c.id_card).where(
            table.c.id >= stored[0])))  # every record from the first stored one on
        db.session.rollback()


def _insert_plan(app: Any, rows: list[list[Any]], header: list[str]) -> Any:
    with app.app_context():
        planner = SheetPlanner(context(app, "members"), ImportOptions(mode="insert"))
        sheet = planner.sheet()
        sheet.take([header, *rows], None, total=len(rows) + 1)
        plan = sheet.plan()
        whole = planner._ahead is not None and planner._ahead.complete
        db.session.rollback()
    return whole, ([(row.row, row.values.get("name")) for row in plan.creates],
                   [(error.row, error.column, error.message) for error in plan.errors])


def test_a_register_holding_few_records_is_read_whole_and_refuses_what_it_holds(app: Any, stored: list[int],
                                                                                 monkeypatch: Any) -> None:
    header = [*MEMBER_HEADER, "会员证号"]
    with app.app_context():
        table = app.extensions["portal"].models["members"].__table__
        db.session.execute(table.update().where(table.c.id == stored[1]).values(member_card_no="HZ-先读"))
        db.session.commit()
    rows = [["新人一", ident("19720304", 201), "A01", "HZ-新一"],
            ["又来了", STORED[0], "A01", "HZ-新二"],        # the key of a stored record: already exists
            ["新人三", ident("19720304", 203), "A01", "HZ-先读"],  # a stored record's card number: not unique
            ["新人四", ident("19720304", 205), "A01", None]]
    monkeypatch.setattr(plan_ahead, "SMALL_SHARE", 0)  # every register counts as small: read whole
    whole, read_whole = _insert_plan(app, rows, header)
    monkeypatch.setattr(plan_ahead, "SMALL_SHARE", 10**9)  # none does: the file's values are looked up
    looked_up, asked = _insert_plan(app, rows, header)
    assert (whole, looked_up) == (True, False)
    assert read_whole == asked
    creates, errors = asked
    assert creates == [(2, "新人一"), (5, "新人四")]
    assert [(row, column) for row, column, _ in errors] == [(3, "身份证号"), (4, "会员证号")]
    assert "HZ-先读" in errors[1][2]
