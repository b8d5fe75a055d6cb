"""SQLite: a big insert into a small table builds its plain indexes once at the end, not row by row.

A member roll has a dozen indexes for its filters; kept up to date row by row they cost half of a
100,000-row insert, and built afterwards (one sort each) much less. Only when the rows coming are at
least as many as the table holds (a first import, not a top-up of a big roll), and only inside the
open transaction: dropped and rebuilt in it, so a failed or killed import leaves them as they were.
Unique indexes stay: they check the rows as they go in. The table's statistics are taken again.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa

#: Fewer new rows than this are inserted with the indexes in place.
MIN_ROWS = 10_000
#: Index entries ``ANALYZE`` samples per index after a big load (enough to plan by, a few milliseconds).
ANALYSIS_ROWS = 1000
#: The page cache while the indexes are built (KiB): each index is sorted in memory up to this size, not in
#: temporary files (SQLite's default is 2,000 KiB); a sixth quicker for 100,000 members.
SORT_KIB = 16_384


@contextmanager
def indexes_rebuilt_after(connection: sa.Connection, table: sa.Table, coming: int, stored: int) -> Iterator[None]:
    """Inside the block, ``table``'s non-unique indexes are gone when that pays (``coming`` rows into a table
    of about ``stored``); they are created again, as they were, when it ends without an error."""
    plain = _plain_indexes(connection, table) if _pays(connection, coming, stored) else []
    for name, _ in plain:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    if plain:
        with _sort_memory(connection):
            for _, statement in plain:
                connection.exec_driver_sql(statement)
        # the statistics were taken of a table a fraction of its new size: the lists would plan by them
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_ROWS}")
        connection.exec_driver_sql(f'ANALYZE "{table.name}"')
        connection.exec_driver_sql("PRAGMA analysis_limit = 0")


@contextmanager
def _sort_memory(connection: sa.Connection) -> Iterator[None]:
    """The connection's page cache at ``SORT_KIB`` inside the block, then as it was."""
    was = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SORT_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(was or 0)}")


def _pays(connection: sa.Connection, coming: int, stored: int) -> bool:
    if connection.dialect.name != "sqlite" or coming < MIN_ROWS or coming < stored:
        return False
    raw = connection.connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))  # never outside the import's own transaction


def _plain_indexes(connection: sa.Connection, table: sa.Table) -> list[tuple[str, str]]:
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,)).all()
    return [(name, sql) for name, sql in rows if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
