"""An import from start to end: read the file, plan, and (unless told not to) write in one transaction.

Used by the CLI (``portal import``), the background jobs behind the web screens, and the bench.
It raises ``FileUnreadable`` when the file is not a readable table; every other problem (columns,
cells, rows) comes back in the report, and nothing is written unless the import may commit.
"""

from __future__ import annotations

import gc
import hashlib
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from portal.io.error_file import write_error_file
from portal.io.headers import HeaderProblem
from portal.io.plan import CellError, ImportContext, ImportOptions, ImportPlan, Progress, SheetPlanner, no_progress
from portal.io.readers import FileUnreadable, PendingRead, read_workbook
from portal.io.sheet_limits import ReadLimits
from portal.records.write import SourceFile, write_plan
from portal.records.write_stream import CreateStream

__all__ = ["FileUnreadable", "ImportReport", "file_sha256", "run_import"]


@dataclass
class ImportReport:
    """What an import did, or would do when ``committed`` is false."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    committed: bool = False
    warnings: list[str] = field(default_factory=list)
    #: Row-independent problems (columns) that stopped the import before any row was read.
    problems: list[str] = field(default_factory=list)
    error_rows: int = 0
    batch_id: int | None = None
    header_row: int | None = None

    def as_json(self) -> dict[str, Any]:
        errors = [{"row": self.header_row or 0, "column": "", "message": text} for text in self.problems]
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": errors + [error.as_json() for error in self.errors], "committed": self.committed,
                "error_rows": self.error_rows, "warnings": self.warnings, "batch": self.batch_id}

    @property
    def blocked(self) -> bool:
        """Validation problems kept the import from being written."""
        return bool(self.problems) or (bool(self.errors) and not self.committed)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _report(plan: ImportPlan) -> ImportReport:
    return ImportReport(rows=plan.rows, created=len(plan.creates), updated=len(plan.updates), unchanged=plan.unchanged,
                        errors=plan.errors, warnings=plan.warnings, error_rows=len(plan.error_rows),
                        header_row=plan.header_row + 1)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector paused, and back as it was afterwards, whatever happens.

    An import allocates millions of objects that live until it ends (cells, values, plans), none of them in
    cycles; each full collection walks them all again, a tenth of a big import's time for nothing. The few
    cycles made meanwhile are collected once it is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_import(ctx: ImportContext, path: Path, filename: str, options: ImportOptions, *, dry_run: bool = False,
               progress: Progress = no_progress, errors_out: Path | None = None,
               limits: ReadLimits = ReadLimits(), started: PendingRead | None = None) -> ImportReport:
    """Read, check and (unless ``dry_run``, or there are errors and not ``options.partial``) write.

    The caller's session is committed on success and rolled back otherwise, so a failure midway
    leaves the database as it was. ``errors_out`` receives the clerk's file with an error column
    when there are errors. ``started``: the reading of ``path`` begun earlier (``portal import`` begins it
    before building its app), with ``limits``.
    """
    with collection_paused():
        return _run_import(ctx, path, filename, options, dry_run, progress, errors_out, limits, started)


def _run_import(ctx: ImportContext, path: Path, filename: str, options: ImportOptions, dry_run: bool,
                progress: Progress, errors_out: Path | None, limits: ReadLimits,
                started: PendingRead | None) -> ImportReport:
    progress("read", 0, 0)
    source = SourceFile(filename or path.name, file_sha256(path))
    # a big insert writes its new records while the rest of the file is being decided
    stream = None if dry_run else CreateStream.offered(ctx, options, source)
    planner = SheetPlanner(stream.planning(ctx) if stream is not None else ctx, options, progress)
    planner.sink = stream
    sheet = planner.sheet()  # an .xlsx/.xls is parsed as its reading process sends the rows
    ahead = planner.read_ahead()  # an upsert reads the stored records while the sheet is being loaded
    try:
        with stream or nullcontext():
            try:
                with started or PendingRead(path, filename, limits) as reading:
                    workbook = reading.workbook(sink=sheet.take, idle=ahead.step if ahead is not None else None)
                # The cells of a .csv are dropped as they are parsed; the rare error file reads the file again.
                sheet.take(workbook.rows, workbook.meta, total=len(workbook.rows), consume=True)
                plan = sheet.plan()
            except HeaderProblem as problem:
                return _undone(ctx, stream, ImportReport(problems=problem.messages))
            del workbook
            report = _report(plan)
            if errors_out is not None and plan.errors:
                workbook = read_workbook(path, filename, max_rows=limits.rows, max_cells=limits.cells,
                                         max_unzipped_mb=limits.unzipped_mb, max_reader_mb=limits.reader_mb)
                write_error_file(workbook.rows, plan.header_row, plan.errors, errors_out)
            writable = not plan.errors or options.partial
            if dry_run or not writable:
                return _undone(ctx, stream, report)
            batch = write_plan(ctx, plan, options, source, progress,
                               streamed=stream if stream is not None and stream.started else None)
            ctx.session.commit()
    except BaseException:
        ctx.session.rollback()  # after the writing thread has ended (leaving ``stream``)
        raise
    report.committed, report.batch_id = True, batch.id
    return report


def _undone(ctx: ImportContext, stream: CreateStream | None, report: ImportReport) -> ImportReport:
    """Nothing of this import is kept: the writing thread (if any) ended, the transaction rolled back."""
    if stream is not None:
        stream.close()
    ctx.session.rollback()
    return report
