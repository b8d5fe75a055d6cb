"""The reading child on its own: what it imports, and the frames it writes."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from portal.io import read_child, sheet_rows
from tests.io.test_sheet_limits import cell, hostile_xlsx

#: Packages a reading child must not load: it runs beside threaded web workers and starts for every upload.
HEAVY = ("flask", "flask_appbuilder", "flask_babel", "sqlalchemy", "werkzeug", "jinja2")


def run_child(path: Path, *limits: int, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    arguments = [str(number) for number in (limits or (200_000, 5_000_000, 32_767, 2048))]
    return subprocess.run([sys.executable, *flags, read_child.__file__, str(path), *arguments],
                          capture_output=True, check=False, timeout=60)


def frames(data: bytes) -> list[tuple[str, Any]]:
    found, at = [], 0
    while at < len(data):
        (size,) = read_child.FRAME.unpack_from(data, at)
        at += read_child.FRAME.size
        found.append(pickle.loads(data[at:at + size]))
        at += size
    return found


def test_the_child_imports_neither_flask_nor_sqlalchemy(tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>')
    done = run_child(path, flags=("-X", "importtime"))
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.decode().splitlines()
                if line.startswith("import time:")}
    assert "python_calamine" in imported and "portal.io.sheet_rows" in imported
    assert not {name for name in imported if name.split(".")[0] in HEAVY}
    assert "portal.texts" not in imported and "portal.config" not in imported


def test_rows_come_in_frames_of_a_few_thousand_then_the_width(tmp_path: Path) -> None:
    count = read_child.CHUNK_ROWS + 10
    rows = "".join(f'<row r="{n}">{cell(f"A{n}", "张三")}{cell(f"C{n}", str(n))}</row>' for n in range(1, count + 1))
    done = run_child(hostile_xlsx(tmp_path / "ok.xlsx", rows))
    assert (done.returncode, done.stderr) == (0, b"")
    answer = frames(done.stdout)
    assert [kind for kind, _ in answer] == ["sheet", "rows", "rows", "done"]
    assert answer[0] == ("sheet", "名单") and answer[-1] == ("done", 3)
    assert [len(payload) for kind, payload in answer if kind == "rows"] == [read_child.CHUNK_ROWS, 10]
    assert answer[1][1][0] == ["张三", None, "1"]


def test_a_refusal_comes_back_as_an_untranslated_message(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}">{cell(f"A{n}")}</row>' for n in range(1, 6))
    done = run_child(hostile_xlsx(tmp_path / "ok.xlsx", rows), 3, 5_000_000, 32_767, 2048)
    assert done.returncode == 0
    kind, (msgid, variables) = frames(done.stdout)[-1]
    assert kind == "refused" and msgid.startswith("The file has %(rows)s rows of data")
    assert variables == {"rows": "5", "most": "3"}


def test_the_cap_is_the_childs_own(tmp_path: Path) -> None:
    """A far cell aborts the child (SIGABRT from calamine's failed allocation), with no frame after the sheet's."""
    path = hostile_xlsx(tmp_path / "far.xlsx", f'<row r="1">{cell("A1")}</row>'
                        f'<row r="1048576">{cell("XFD1048576")}</row>')
    done = run_child(path)
    assert done.returncode != 0
    assert frames(done.stdout) == [("sheet", "名单")]


def test_python_running_out_of_memory_ends_the_child_without_an_answer(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError
    monkeypatch.setattr(sheet_rows, "read_excel", exhausted)
    written = io.BytesIO()
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1")}</row>')
    assert read_child.answer(path, 10, 100, 10, written) == read_child.OUT_OF_MEMORY
    assert written.getvalue() == b""


def test_a_value_repeated_in_a_chunk_travels_once_and_keeps_its_type() -> None:
    from datetime import datetime

    def chunk() -> list[Any]:
        """Rows as calamine gives them: equal texts and dates as separate objects."""
        return [[f"A{0}1", "汉族"[:2], datetime(2020, 1, 5), 1, 0.0, "张三"],
                None,
                [f"A{0}1", "汉族"[:2], datetime(2020, 1, 5), True, -0.0, "李四"],
                [f"A{0}1", "回族"[:2], datetime(2020, 1, 6), 1.0, 5000.0, "王五"]]

    assert chunk()[0][0] is not chunk()[2][0]
    data = pickle.dumps(read_child.shared(chunk()), pickle.HIGHEST_PROTOCOL)
    assert len(data) < len(pickle.dumps(chunk(), pickle.HIGHEST_PROTOCOL))
    rows = pickle.loads(data)
    assert rows[1] is None and [row[5] for row in (rows[0], rows[2], rows[3])] == ["张三", "李四", "王五"]
    assert rows[0][0] is rows[2][0] is rows[3][0] and rows[0][1] is rows[2][1] and rows[0][2] is rows[2][2]
    assert rows[0][1] == "汉族" and rows[3][1] == "回族" and rows[3][2] == datetime(2020, 1, 6)
    assert [type(rows[0][3]), type(rows[2][3]), type(rows[3][3])] == [int, bool, float]  # 1, True, 1.0 stay apart
    assert str(rows[0][4]) == "0.0" and str(rows[2][4]) == "-0.0"
