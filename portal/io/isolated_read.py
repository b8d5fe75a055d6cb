"""Reading an .xlsx/.xls in a separate, memory-capped process, so that no file can take the portal down.

calamine builds each sheet as one dense block, from A1 to the furthest cell: a 2 KB file with one cell in
XFD1048576 asks for 549 GB, and the allocation failure aborts the whole process. The reading is therefore
done by a fresh interpreter (``read_child``, started with ``Popen``, never forked from a threaded worker)
whose address space is capped at ``ReadLimits.reader_mb``; whatever a file asks for costs only that child.
Its rows come back as pickle frames read while it is still working. When it dies without an answer the
clerk is told the sheet's used range is too large, naming the sheet it was loading and, for an .xlsx, the
far cell its ``<dimension>`` records.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Callable

from portal.io import read_child
from portal.io.sheet_limits import ReadLimits, dimension_end
from portal.io.sheet_rows import Corrupt, Encrypted, Refusal, Text, column_letter, lazy_gettext, square

log = logging.getLogger(__name__)
#: Takes the rows of a sheet a chunk at a time, with the ``_portal`` rows (``IsolatedRead.result``).
RowSink = Callable[[list[Any], list[list[Any]] | None], None]
#: A step of other work done while no rows are coming; ``False`` when there is nothing more to do.
Idle = Callable[[], bool]
_STDERR_TAIL = 2000
#: How a child ends when a sheet needs more than its memory: calamine (Rust) aborts, Python says so itself.
_OUT_OF_MEMORY = frozenset({-signal.SIGABRT, read_child.OUT_OF_MEMORY})


class IsolatedRead:
    """One workbook being read by a child; ``result()`` waits for it. Use as a context manager, which
    ends the child if the caller leaves early (another check refused the file meanwhile)."""

    def __init__(self, path: Path, limits: ReadLimits, max_cell_chars: int) -> None:
        self.path, self.limits = path, limits
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close(), with the child)
        command = [sys.executable, read_child.__file__, str(path), str(limits.rows), str(limits.cells),
                   str(max_cell_chars), str(limits.reader_mb)]
        try:
            # unbuffered: whether a frame has begun to arrive is the pipe's to say (``select``), not a buffer's
            self._child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, bufsize=0,
                                           stderr=self._stderr, close_fds=True,
                                           env={**os.environ, "RUST_BACKTRACE": "0"})
        except OSError:
            self._stderr.close()
            raise

    def __enter__(self) -> IsolatedRead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """End the child if it still runs, and free what it held."""
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        if self._child.stdout:
            self._child.stdout.close()
        self._stderr.close()

    def result(self, sink: RowSink | None = None,
               idle: Idle | None = None) -> tuple[str, list[list[Any]], list[list[Any]] | None]:
        """The sheet's name, its rows (as ``sheet_rows.collect`` gives them) and the ``_portal`` rows.

        ``sink``, when given, is handed each chunk of rows as it arrives (``None`` for an empty row between
        two kept ones; not squared), with the ``_portal`` rows, which come first; the rows returned are then
        empty. Raises ``Refusal`` (the child's, or the used range being too large when the child died),
        ``Encrypted`` or ``Corrupt``, even after chunks went to ``sink``; and whatever ``sink`` raises.
        ``idle`` is called, step by step, whenever no frame is arriving, until it says it is done.
        """
        sheet, rows, meta = "", [], None
        stream = self._child.stdout
        assert stream is not None
        while True:
            if idle is not None:
                idle = _while_waiting(stream, idle)
            header = _read_exactly(stream, read_child.FRAME.size)
            if len(header) < read_child.FRAME.size:
                break
            (size,) = read_child.FRAME.unpack(header)
            data = _read_exactly(stream, size)
            if len(data) < size:
                break  # cut off: the child died while writing
            kind, payload = pickle.loads(data)
            if kind == "rows":
                if sink is None:
                    rows += payload
                else:
                    sink(payload, meta)
            elif kind == "sheet":
                sheet = payload
            elif kind == "meta":
                meta = payload
            elif kind == "done":
                self._child.wait()
                return sheet, square(rows, payload), meta
            elif kind == "refused":
                raise Refusal(Text(*payload))
            elif kind == "encrypted":
                raise Encrypted
            elif kind == "corrupt":
                raise Corrupt
        raise Refusal(self._died(sheet))

    def _died(self, sheet: str) -> Text:
        """What the clerk is told when the child ended without an answer (most often: out of memory)."""
        status = self._child.wait()
        self._stderr.seek(0, 2)
        self._stderr.seek(max(0, self._stderr.tell() - _STDERR_TAIL))
        said = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        # Running out of its memory is what the cap is for (the clerk is told): news for the log, not a warning.
        level = logging.INFO if status in _OUT_OF_MEMORY else logging.WARNING
        log.log(level, "the reading child for %s ended with status %s while loading sheet %r: %s", self.path.name,
                status, sheet, " | ".join(dict.fromkeys(said[:1] + said[-1:])))
        return too_large(self.path, sheet, self.limits)


def _while_waiting(stream: IO[bytes], idle: Idle) -> Idle | None:
    """Run ``idle`` step by step while nothing is there to read; ``None`` once it has no more to do."""
    while not select.select([stream], [], [], 0)[0]:
        if not idle():
            return None
    return idle


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes of the pipe, fewer only when the child has closed it."""
    data = stream.read(size)
    if data is None or len(data) == size:
        return data or b""
    parts = [data]
    got = len(data)
    while got < size and (part := stream.read(size - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def too_large(path: Path, sheet: str, limits: ReadLimits) -> Text:
    """The used range of ``sheet`` ("" when unknown) is too large to read; with the far cell of its
    ``<dimension>`` when an .xlsx records one beyond the cell limit."""
    if not sheet:
        return lazy_gettext("A sheet of the file has a used range too large to read; delete what lies outside the "
                            "data (or copy only the data into a new workbook) and upload it again")
    end = dimension_end(path, sheet)
    if end and end[0] * end[1] > limits.cells:
        rows, columns = end
        last = f"{column_letter(columns - 1)}{rows}"
        return lazy_gettext("Sheet \"%(sheet)s\" has a used range too large to read (the file records it as "
                            "reaching cell %(last)s, row %(rows)s, column %(columns)s); delete what lies outside the "
                            "data (or copy only the data into a new workbook) and upload it again", sheet=sheet,
                            last=last, rows=format(rows, ","),
                            columns=format(columns, ","))
    return lazy_gettext("Sheet \"%(sheet)s\" has a used range too large to read; delete what lies outside the data "
                        "(or copy only the data into a new workbook) and upload it again", sheet=sheet)
