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
#: Stored records read per step when the rest is read at once (``finish_for``).
FINISH_ROWS = 20_000
#: A register is read whole, instead of asked for a file's keys and unique values, when it holds at most one
#: record for this many rows of the file (``whole_if_small``: a first import into a new roll).
SMALL_SHARE = 8


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
        self._holders: dict[str, dict[Any, int]] = {}

    @classmethod
    def whole_if_small(cls, session: Session, model: Any, key: str, columns: Sequence[str],
                       keys: int) -> ReadAhead | None:
        """Every stored record, read now, when the register holds few beside a file of ``keys`` keys (one short
        pass instead of an ``IN`` query per slice for its keys and each unique field); else ``None``."""
        ahead = cls(session, model, key, columns)
        if (session.scalar(sa.select(sa.func.max(ahead._id))) or 0) * SMALL_SHARE > keys:
            return None
        while ahead.step(FINISH_ROWS):
            pass
        return ahead

    def step(self, rows: int = 0) -> bool:
        """Read the next slice of records (``rows``, else ``SLICE_ROWS``); ``False`` once all were read."""
        if self.complete:
            return False
        limit = rows or SLICE_ROWS
        read = typed_rows(self.session, self._select.where(self._id > self.after).limit(limit))
        for row in read:
            self.found[row[-1]] = row
        if read:
            self.after = read[-1][0]
        self.complete = len(read) < limit
        return not self.complete

    def finish_for(self, keys: int) -> None:
        """Read the rest now when a file of ``keys`` keys may ask for half the records not read yet or more:
        one pass over the table in id order is quicker than looking each key up."""
        if self.complete or keys * 2 < (self.session.scalar(sa.select(sa.func.max(self._id))) or 0) - self.after:
            return
        while self.step(FINISH_ROWS):
            pass

    def holders(self, column: str) -> dict[Any, int] | None:
        """Once every record was read: each stored value of the unique ``column`` -> the id of the record holding
        it; ``None`` while records are left to read, or when ``column`` was not read."""
        if not self.complete or column not in self.columns:
            return None
        held = self._holders.get(column)
        if held is None:
            at = self.columns.index(column)
            held = self._holders[column] = {row[at]: row[0] for row in self.found.values() if row[at] is not None}
        return held

    def existing(self, keys: Sequence[Any],
                 read: Callable[[Sequence[Any]], dict[Any, tuple[Any, ...]]]) -> dict[Any, tuple[Any, ...]]:
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
