"""The look-ups of a whole file find each value by its index, whatever the statistics say."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records.lookups import among, existing_rows


def test_a_re_import_looks_keys_up_by_index_even_when_the_statistics_say_the_table_is_tiny(app: Any) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the planner statistics in question are SQLite's")
        model = app.extensions["portal"].models["members"]
        table = model.__table__
        db.session.execute(sa.text("ANALYZE"))  # a fresh site: taken while members is empty
        db.session.execute(sa.text("DELETE FROM sqlite_stat1 WHERE tbl = 'members'"))
        db.session.execute(sa.text("INSERT INTO sqlite_stat1 VALUES ('members', 'uq_members_id_card', '1 1')"))
        db.session.execute(sa.text("ANALYZE sqlite_schema"))  # the planner reads the statistics again
        keys = [f"11010519900101{index:04d}" for index in range(900)]
        query = sa.select(table.c.id).where(among(db.session, table.c.id_card, keys))
        compiled = query.compile(dialect=db.engine.dialect)
        parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
        plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", parameters).all()
        steps = " / ".join(str(row[-1]) for row in plan)
        assert "SCAN members" not in steps and "uq_members_id_card" in steps, steps
        db.session.rollback()


def test_keys_of_every_kind_are_found(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    with app.app_context():
        model = app.extensions["portal"].models["org_units"]
        found = existing_rows(db.session, model, "code", ["A01", "A01-1", "不存在"], ["id", "code"])
        assert set(found) == {"A01", "A01-1"} and found["A01"][0] == org_tree["A01"]
        by_id = db.session.execute(sa.select(model.__table__.c.code).where(
            among(db.session, model.__table__.c.id, [org_tree["A01"], org_tree["A01-1"], 10**6]))).scalars().all()
        assert sorted(by_id) == ["A01", "A01-1"]
