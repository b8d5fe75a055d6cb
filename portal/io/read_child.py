"""The reading child: ``python read_child.py PATH ROWS CELLS CELL_CHARS MEGABYTES`` (see ``isolated_read``).

It caps its own address space at MEGABYTES first, then reads the workbook with calamine
(``sheet_rows.read_excel``) and writes length-prefixed pickle frames to its stdout, each a ``(kind, payload)``:
``("sheet", name)`` before a sheet is loaded, ``("meta", rows)``, ``("rows", rows)`` a few thousand at a time,
then one of ``("done", width)``, ``("refused", (msgid, variables))``, ``("encrypted", None)``,
``("corrupt", None)``. A file that needs more memory kills only this process. It is started as a script,
not with ``-m``: that would run ``portal/__init__``, which imports Flask; so ``portal`` and ``portal.io``
are entered as bare packages and only ``sheet_rows`` is imported from them.
"""

from __future__ import annotations

import os
import pickle
import resource
import struct
import sys
import types
from pathlib import Path
from typing import IO, Any

FRAME = struct.Struct("<Q")
#: Rows per frame: the child pickles one frame while the parent unpickles the one before.
CHUNK_ROWS = 2000
#: Exit status when the cap was reached inside Python (MemoryError); calamine's own failure is SIGABRT.
OUT_OF_MEMORY = 3
_HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    path, rows, cells, cell_chars, megabytes = argv
    limit = int(megabytes) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    frames = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # a stray print cannot break a frame
    return answer(Path(path), int(rows), int(cells), int(cell_chars), frames)


def answer(path: Path, rows: int, cells: int, cell_chars: int, frames: IO[bytes]) -> int:
    """Write the frames for ``path``; the exit status (``OUT_OF_MEMORY`` when Python ran out of memory)."""
    try:
        return _read(path, rows, cells, cell_chars, frames)
    except MemoryError:
        return OUT_OF_MEMORY


def _read(path: Path, rows: int, cells: int, cell_chars: int, frames: IO[bytes]) -> int:
    _enter_bare_packages()
    from portal.io.sheet_rows import EMPTY, Collector, Corrupt, Encrypted, Refusal, read_excel

    def send(kind: str, payload: Any) -> None:
        data = pickle.dumps((kind, payload), pickle.HIGHEST_PROTOCOL)
        frames.write(FRAME.pack(len(data)))
        frames.write(data)
        frames.flush()

    collector = Collector(rows, cells, cell_chars)
    chunk: list[Any] = []
    found = False
    try:
        for row in read_excel(path, collector, lambda name: send("sheet", name), lambda meta: send("meta", meta)):
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                send("rows", shared(chunk))
                chunk, found = [], True
        if chunk or found:
            send("rows", shared(chunk))
            send("done", collector.width)
        else:
            send("refused", (EMPTY.msgid, EMPTY.variables))
    except Refusal as refusal:
        send("refused", (refusal.text.msgid, refusal.text.variables))
    except Encrypted:
        send("encrypted", None)
    except Corrupt:
        send("corrupt", None)
    return 0


def shared(chunk: list[Any]) -> list[Any]:
    """``chunk`` with each value that repeats in it (a unit, a choice, a date down a roll) as one object, so that it
    is pickled once and then referred to: the importing process unpickles a third as many objects, and parses each
    once. Values of different types stay apart (``True`` is not ``1``), and so do ``0.0`` and ``-0.0``."""
    one: dict[tuple[type, Any], Any] = {}
    for row in chunk:
        if row is not None:
            row[:] = [value if value.__class__ is float and value == 0 else one.setdefault((value.__class__, value), value)
                      for value in row]
    return chunk


def _enter_bare_packages() -> None:
    """Make ``portal.io.*`` importable without running the packages' ``__init__`` modules."""
    if sys.path and Path(sys.path[0]).resolve() == _HERE:
        del sys.path[0]  # the script's own directory: its modules must not shadow the standard library's
    for name, where in (("portal", _HERE.parent), ("portal.io", _HERE)):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(where)]
            sys.modules[name] = package


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
