"""``driver_values``: what the bulk writes hand the driver, a column at a time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.records.driver_values import driver_columns, driver_rows, driver_value

TABLE = sa.Table("people", sa.MetaData(), sa.Column("name", sa.String(20)), sa.Column("joined_on", sa.Date()),
                 sa.Column("wage", sa.Numeric(12, 2)), sa.Column("migrant", sa.Boolean()),
                 sa.Column("seen_at", sa.DateTime()), sa.Column("left_on", sa.Date()))
ROWS = [{"name": "张三", "joined_on": date(2020, 1, 5), "wage": Decimal("5000.50"), "migrant": True,
         "seen_at": datetime(2026, 1, 2, 3, 4, 5), "left_on": None},
        {"name": "李四", "joined_on": date(2020, 1, 5), "wage": Decimal("5000.5"), "migrant": False,
         "seen_at": None, "left_on": None},
        {"name": None, "joined_on": None, "wage": 7, "migrant": None, "seen_at": datetime(2026, 1, 2, 3, 4, 5),
         "left_on": None}]


def test_sqlite_gets_iso_dates_floats_and_integers_for_flags() -> None:
    columns = driver_columns(TABLE, sqlite.dialect(), ROWS)
    assert list(columns["name"]) == ["张三", "李四", None]
    assert list(columns["joined_on"]) == ["2020-01-05", "2020-01-05", None]
    assert list(columns["wage"]) == [5000.5, 5000.5, 7.0]  # equal amounts, one float
    assert list(columns["migrant"]) == [1, 0, None]
    assert list(columns["seen_at"]) == ["2026-01-02 03:04:05.000000", None, "2026-01-02 03:04:05.000000"]
    assert list(columns["left_on"]) == [None, None, None]


def test_rows_come_back_in_the_order_of_the_names_with_the_constants() -> None:
    rows = driver_rows(TABLE, sqlite.dialect(), [{"name": "张三", "joined_on": date(2020, 1, 5)}],
                       {"left_on": date(2026, 11, 30)}, ["left_on", "name", "joined_on"])
    assert rows == [("2026-11-30", "张三", "2020-01-05")]


def test_postgresql_takes_dates_and_amounts_as_they_are() -> None:
    columns = driver_columns(TABLE, postgresql.psycopg.dialect(), ROWS)
    assert list(columns["joined_on"]) == [date(2020, 1, 5), date(2020, 1, 5), None]
    assert list(columns["wage"]) == [Decimal("5000.50"), Decimal("5000.5"), 7]
    assert driver_value(TABLE, "joined_on", sqlite.dialect(), date(2001, 2, 3)) == "2001-02-03"
    assert driver_value(TABLE, "joined_on", sqlite.dialect(), None) is None
