"""Stored records read ahead while an import's file is still being read.

An upsert compares every row of the file with its stored record: for 100,000 rows that reading takes most
of a second. Before the first rows of a big sheet arrive, its reading process spends about as long loading
it, and the importing process has nothing else to do. It reads the stored records then, a slice of ids at a
time, and stops as soon as rows arrive (a small file waits for one slice at most). The planner takes what
was read and asks the database only for the keys not among them, unless every record was read.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.records.lookups import typed_rows

#: Stored records read per step (a few hundredths of a second).
SLICE_ROWS = 2000


class ReadAhead:
    """The stored values of ``columns`` (which start with ``id``) of a register's records, keyed by natural key;
    each row holds the key last, as ``lookups.existing_rows`` gives them."""

    def __init__(self, session: Session, model: Any, key: str, columns: Sequence[str]) -> None:
        self.session, self.columns = session, tuple(columns)
        table = model.__table__
        self._id = table.c.id
        self._select = sa.select(*(table.c[name] for name in columns), table.c[key]).order_by(table.c.id)
        self.found: dict[Any, tuple[Any, ...]] = {}
        #: Every record with an id up to this one has been read.
        self.after = 0
        self.complete = False

    def step(self) -> bool:
        """Read the next slice of records; ``False`` once all were read."""
        if self.complete:
            return False
        rows = typed_rows(self.session, self._select.where(self._id > self.after).limit(SLICE_ROWS))
        for row in rows:
            self.found[row[-1]] = row
        if rows:
            self.after = rows[-1][0]
        self.complete = len(rows) < SLICE_ROWS
        return not self.complete

    def existing(self, keys: Sequence[Any],
                 read: Callable[[list[Any]], dict[Any, tuple[Any, ...]]]) -> dict[Any, tuple[Any, ...]]:
        """The stored rows of ``keys``: those read ahead, and whatever ``read`` finds of the others (not asked
        when every record was read already)."""
        found, rows, others = self.found, {}, []
        for key in keys:
            row = found.get(key)
            if row is None:
                others.append(key)
            else:
                rows[key] = row
        if others and not self.complete:
            rows.update(read(others))
        return rows
