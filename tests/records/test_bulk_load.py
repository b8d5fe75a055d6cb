"""A big first import builds the register's plain indexes after its rows; a failed one leaves them as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.records import bulk_load, write

from tests.io.test_xlsx_import import ID_3, ID_MAN, ID_WOMAN, import_file, members_file, rows_of


def indexes(app: Any) -> dict[str, str]:
    """The members table's indexes as the database describes them (name -> definition)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'members' AND sql IS NOT NULL"))
        else:
            rows = db.session.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members'"))
        return dict(rows.tuples().all())


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three rows count as a big load, written a row per statement."""
    monkeypatch.setattr(bulk_load, "MIN_ROWS", 2)
    monkeypatch.setattr(write, "WRITE_CHUNK", 1)


def test_the_indexes_are_all_there_after_a_big_first_import(app: Any, org_tree: dict[str, int], tmp_path: Path,
                                                            small_bulk: None, monkeypatch: pytest.MonkeyPatch) -> None:
    before = indexes(app)
    assert len(before) >= 10
    dropped: list[str] = []
    real = bulk_load._plain_indexes
    monkeypatch.setattr(bulk_load, "_plain_indexes", lambda *args: dropped.extend(n for n, _ in real(*args))
                        or real(*args))
    report = import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"],
                                                      ["李四", ID_WOMAN, "A01"], ["王五", ID_3, "A01-1"]))
    assert report.committed and report.created == 3
    assert indexes(app) == before
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    assert bool(dropped) == sqlite  # PostgreSQL copies the rows in with its indexes in place
    assert not any(name.startswith("uq_") for name in dropped)  # unique ones check the rows as they go in


def test_a_big_import_failing_midway_writes_nothing_and_keeps_every_index(app: Any, org_tree: dict[str, int],
                                                                         tmp_path: Path, small_bulk: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = indexes(app)
    calls = {"n": 0}
    real = write.bulk_insert

    def failing(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        real(*args, **kwargs)

    monkeypatch.setattr(write, "bulk_insert", failing)
    with pytest.raises(sa.exc.OperationalError):
        import_file(app, "members", members_file(tmp_path / "m.xlsx", ["张三", ID_MAN, "A01"],
                                                 ["李四", ID_WOMAN, "A01"], ["王五", ID_3, "A01-1"]))
    assert rows_of(app, "members") == []
    assert indexes(app) == before


def test_the_indexes_are_sorted_in_memory_and_the_cache_is_put_back(app: Any) -> None:
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("SQLite's page cache; PostgreSQL keeps its indexes in place")
        was = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        with bulk_load._sort_memory(connection):
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -bulk_load.SORT_KIB
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == was
        with pytest.raises(sa.exc.OperationalError), bulk_load._sort_memory(connection):
            connection.exec_driver_sql("CREATE INDEX broken ON no_such_table (x)")
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == was
        db.session.rollback()
