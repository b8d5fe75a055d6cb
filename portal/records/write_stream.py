"""SQLite: the new records of a big import written while the planner decides the rest of the file.

The planner decides a file a slice at a time (``plan.DECIDE_ROWS`` rows). As long as no row of the file has
been refused, the new records of each decided slice are handed to a thread of this module, which writes
them (a multi-row ``INSERT`` per thousand or so rows, then their audit entries with ``audit_sql``) while
the planner goes on with the next slice. SQLite runs a statement without Python's interpreter lock, so the
database's work and the planner's Python work overlap: a 100,000-row insert of members takes about 4 seconds
instead of 5 here. Everything is inside the import's one transaction: when a later row is refused (the import is then
not written), the process fails or is killed, nothing is left. The planner reads through a connection of its
own (``planning``), which sees the database as it was before the import, as a planner always has; sharing
the writer's connection, each of its reads would wait for the statement being written.

Only where it changes nothing but the time: SQLite, an import that adds records only and writes all or
nothing, of at least ``MIN_ROWS`` rows, in a register whose new records need nothing once the whole file is
decided (no link to its own register, no yearly caps) and whose audit entries SQLite builds itself.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from contextlib import AbstractContextManager
from dataclasses import replace
from types import TracebackType
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.records.audit_sql import CreatedEntries, sql_ready
from portal.records.batches import ImportBatch
from portal.records.bulk_load import indexes_rebuilt_after
from portal.records.plan_types import ImportContext, ImportOptions, RowPlan
from portal.records.driver_values import driver_columns, driver_value
from portal.records.write import SourceFile, batch_notes, new_batch
from portal.security import audit

#: Fewer rows than this are decided first and written afterwards (a thread would not pay).
MIN_ROWS = 10_000
#: While both run, the planner hands Python's lock to the writing thread this often (seconds; Python's
#: default is 0.005, which would leave the thread waiting between two statements).
SWITCH_INTERVAL = 0.0001
#: Rows per ``INSERT``, fewer when SQLite takes fewer parameters: a statement of a whole slice (Debian's SQLite
#: takes 250,000) is as quick but holds tens of megabytes while it is prepared and cached.
ROWS_PER_STATEMENT = 1000
#: Statements waiting for the thread at most (two or three slices): a planner far ahead of a slow disk waits
#: instead of holding every row of the file twice.
BACKLOG = 24


class _Switching:
    """The switch interval while any stream of this process writes: set by the first, put back by the last."""

    lock = threading.Lock()
    writing = 0
    saved = 0.005

    @classmethod
    def begins(cls) -> None:
        with cls.lock:
            if cls.writing == 0:
                cls.saved = sys.getswitchinterval()
                sys.setswitchinterval(SWITCH_INTERVAL)
            cls.writing += 1

    @classmethod
    def ends(cls) -> None:
        with cls.lock:
            cls.writing -= 1
            if cls.writing == 0:
                sys.setswitchinterval(cls.saved)


class StreamBroken(Exception):
    """The rows written are not the ones planned (a bug, never a clerk's problem): the import is undone."""


class CreateStream:
    """The new records of one import, written as the planner hands them over (``take``). Use as a context
    manager: leaving it ends the thread, whatever happened; ``finish`` waits for the writing to be done."""

    def __init__(self, ctx: ImportContext, options: ImportOptions, source: SourceFile) -> None:
        self.ctx, self.options, self.source = ctx, options, source
        #: Set by the first rows: the batch they belong to (its id is in their audit entries).
        self.batch: ImportBatch | None = None
        self.stopped = False
        self._taken = 0
        self._first_id = 0
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=BACKLOG)
        self._thread: threading.Thread | None = None
        self._failure: Exception | None = None
        self._indexes: AbstractContextManager[None] | None = None
        self._reader = Session(bind=ctx.session.get_bind())

    def planning(self, ctx: ImportContext) -> ImportContext:
        """``ctx`` for the planner: its reads go through the stream's own reading connection."""
        return replace(ctx, session=self._reader)

    @classmethod
    def offered(cls, ctx: ImportContext, options: ImportOptions, source: SourceFile) -> CreateStream | None:
        """A stream for this import when it may write its new records as they are decided; else ``None``."""
        spec = ctx.spec
        if options.mode != "insert" or options.partial or spec.yearly_caps is not None:
            return None
        if any(link.target == spec.slug for link in spec.links):
            return None
        return cls(ctx, options, source) if sql_ready(spec, ctx.session.connection()) else None

    @property
    def started(self) -> bool:
        return self.batch is not None

    # -- the planner's side --------------------------------------------------------------------------------
    def take(self, creates: Sequence[RowPlan], planned: int) -> None:
        """The new records of a decided slice of the ``planned`` rows; written unless the stream was stopped."""
        self._raise_failure()
        if self.stopped or not creates:
            return
        if self.batch is None:
            if planned < MIN_ROWS:
                self.stopped = True
                return
            self._start(planned)
        table = self.ctx.model.__table__
        count = len(creates)
        columns = driver_columns(table, self._dialect, [row.values for row in creates])
        # a column blank on every row is left to the table (NULL), unless the table would put something else
        names = [name for name, values in columns.items()
                 if values.count(None) < count or table.c[name].server_default is not None]
        width = len(names)
        flat: list[Any] = [None] * (count * width)
        for place, name in enumerate(names):
            flat[place::width] = columns[name]
        per_statement = max(1, min(ROWS_PER_STATEMENT, self._max_variables // width))
        insert = self._insert_sql(table, names)
        for start in range(0, count, per_statement):
            rows = min(per_statement, count - start)
            self._queue.put((insert(rows), flat[start * width:(start + rows) * width]))
        first = self._first_id + self._taken
        self._taken += len(creates)
        entries = self._entries_of(frozenset(columns) - set(names))
        self._queue.put((entries.sql, entries.params(first, first + len(creates) - 1)))

    def stop(self) -> None:
        """A row was refused: nothing more is written (what was is undone with the import's transaction)."""
        self.stopped = True

    # -- the writer's side ---------------------------------------------------------------------------------
    def finish(self, creates: int) -> tuple[ImportBatch, list[int]]:
        """Wait until every record is written, rebuild the indexes; the batch and the new ids, in the order of
        the plan. Raises what the writing raised, or ``StreamBroken`` when not all ``creates`` were written."""
        self.close()
        self._raise_failure()
        if self._taken != creates or self.stopped or self._indexes is None or self.batch is None:
            raise StreamBroken(f"{self._taken} of {creates} new records were written as they were decided")
        indexes, self._indexes = self._indexes, None
        indexes.__exit__(None, None, None)
        table = self.ctx.model.__table__
        last = self.ctx.session.connection().execute(sa.select(sa.func.max(table.c.id))).scalar()
        if last != self._first_id + creates - 1:
            raise StreamBroken(f"the new records end at id {last}, not {self._first_id + creates - 1}")
        return self.batch, list(range(self._first_id, self._first_id + creates))

    def close(self) -> None:
        """End the thread once it has written what it was given (at once when it failed); end the reading."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            _Switching.ends()
        self._reader.close()

    def __enter__(self) -> CreateStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _start(self, planned: int) -> None:
        ctx = self.ctx
        self.batch = new_batch(ctx, self.options, self.source, audit.now_utc())  # opens the transaction
        connection = ctx.session.connection()
        self._dialect = connection.dialect
        table = ctx.model.__table__
        self._first_id = (connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
        self._indexes = indexes_rebuilt_after(connection, table, planned, self._first_id - 1)
        self._indexes.__enter__()
        self._notes = batch_notes(ctx, self.batch)
        self._entries: dict[frozenset[str], CreatedEntries] = {}
        stamp = str(driver_value(table, "created_at", self._dialect, self.batch.at))
        self._stamp = "'" + stamp.replace("'", "''") + "'"  # a literal: our own time, not a clerk's text
        raw: sqlite3.Connection = connection.connection.dbapi_connection  # type: ignore[assignment]
        self._max_variables = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # 32,766 by default since 3.32
        self._thread = threading.Thread(target=self._write, args=(raw,), name="portal-import-writer", daemon=True)
        _Switching.begins()
        self._thread.start()

    def _write(self, raw: sqlite3.Connection) -> None:
        while (item := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # drain: the planner's thread raises the failure
            try:
                raw.execute(*item)
            except Exception as failure:  # noqa: BLE001  (raised again on the planner's thread)
                self._failure = failure

    def _entries_of(self, blank: frozenset[str]) -> CreatedEntries:
        """The audit entries' statement for slices whose ``blank`` columns are empty on every record (left out)."""
        if blank not in self._entries:
            self._entries[blank] = CreatedEntries(self._notes, self._dialect, blank)
        return self._entries[blank]

    def _insert_sql(self, table: sa.Table, names: list[str]) -> Callable[[int], str]:
        """The ``INSERT`` of so many rows of ``names``; the batch time, the same on every row, is written once."""
        preparer = self._dialect.identifier_preparer
        columns = ", ".join(map(preparer.quote, [*names, "created_at", "updated_at"]))
        head = f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES "
        one = "(" + ", ".join("?" for _ in names) + f", {self._stamp}, {self._stamp})"
        return lambda rows: head + ", ".join([one] * rows)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
