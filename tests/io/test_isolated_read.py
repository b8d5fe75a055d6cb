"""Reading .xlsx/.xls in a memory-capped child: the same rows as reading in-process, and a clear Chinese
sentence (never a trace, never a dead portal) when the child cannot read the file."""

from __future__ import annotations

import json

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import python_calamine as calamine
import xlsxwriter

from portal.io import read_child
from portal.io.isolated_read import IsolatedRead
from portal.io.commands import import_command
from portal.io.readers import FileUnreadable, read_workbook
from portal.io.sheet_limits import ReadLimits
from portal.io.sheet_rows import Collector, _sheet_rows, square
from tests.io.test_sheet_limits import cell, hostile_xlsx


def in_process(path: Path, sheet: str, limits: ReadLimits = ReadLimits()) -> list[list[Any]]:
    """The sheet read directly with calamine in this process, through the same row collection."""
    with path.open("rb") as handle, calamine.CalamineWorkbook.from_filelike(handle) as book:
        collector = Collector(limits.rows, limits.cells, 32_767)
        return square(list(collector.rows(_sheet_rows(book.get_sheet_by_name(sheet)))), collector.width)


def typed(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:
    """Rows with each value's type, so that 1, 1.0 and True are told apart."""
    return [[(type(value), value) for value in row] for row in rows]


def test_an_ordinary_workbook_gives_exactly_the_rows_of_a_direct_read(tmp_path: Path) -> None:
    """Several frames' worth of rows, every kind of value, gaps, and a data area not starting at A1."""
    path = tmp_path / "members.xlsx"
    book = xlsxwriter.Workbook(str(path))
    day, stamp = book.add_format({"num_format": "yyyy-mm-dd"}), book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet("会员")
    sheet.write_row(1, 1, ["姓名", "工号", "在职", "入会日期", "登记时间", "备注"])
    for number in range(2, read_child.CHUNK_ROWS * 2 + 500):
        if number % 97 == 0:
            continue  # an empty row between two with data
        sheet.write_row(number, 1, [f"会员{number}", number, number % 2 == 0])
        sheet.write_datetime(number, 4, dt.datetime(2024, 1, 1) + dt.timedelta(days=number % 300), day)
        sheet.write_datetime(number, 5, dt.datetime(2024, 1, 1, 8, number % 60), stamp)
        if number % 5 == 0:
            sheet.write(number, 6, 1.5 * number)
    meta = book.add_worksheet("_portal")
    meta.write_row(0, 0, ["register", "member"])
    meta.hide()
    book.close()
    workbook = read_workbook(path)
    assert (workbook.kind, workbook.sheet_name, workbook.meta) == ("xlsx", "会员", [["register", "member"]])
    assert typed(workbook.rows) == typed(in_process(path, "会员"))
    assert len(workbook.rows) == read_child.CHUNK_ROWS * 2 + 500


def test_an_xls_gives_exactly_the_rows_of_a_direct_read(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (in the test extra) writes the .xls fixture")
    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    for row in range(50):
        sheet.write(row, 0, f"会员{row}")
        sheet.write(row, 2, row * 1.5)
    path = tmp_path / "members.xls"
    book.save(str(path))
    workbook = read_workbook(path)
    assert (workbook.kind, workbook.sheet_name) == ("xls", "名单")
    assert typed(workbook.rows) == typed(in_process(path, "名单"))


def test_a_sheet_too_large_for_the_cap_is_refused_naming_the_sheet(tmp_path: Path) -> None:
    """3,000 rows by 16,384 columns is 1.5 GB as calamine holds it: more than a 256 MB child may take."""
    rows = f'<row r="1">{cell("A1", "姓名")}</row><row r="3000">{cell("XFD3000")}</row>'
    path = hostile_xlsx(tmp_path / "wide.xlsx", rows)
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path, max_reader_mb=256, max_cells=10**9)
    assert caught.value.message == ("工作表“名单”的使用范围过大，无法读取；请删除数据区域以外的内容"
                                    "（或只把数据复制到新的工作簿）后再上传")
    path = hostile_xlsx(tmp_path / "wide.xlsx", rows, dimension="A1:XFD3000")
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path, max_reader_mb=256)
    assert "（文件记录的范围延伸到了 XFD3000 单元格，第 3,000 行、第 16,384 列）" in caught.value.message


def test_the_same_sheet_within_the_cap_is_refused_naming_its_last_cell(tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path / "wide.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>'
                        f'<row r="400">{cell("XFD400")}</row>')
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path, max_reader_mb=1024)
    assert caught.value.message.startswith("工作表“名单”的内容延伸到了 XFD400 单元格（第 400 行、第 16,384 列）")


def test_a_lone_cell_at_xfd1048576_fits_in_memory_and_is_refused_naming_it(tmp_path: Path) -> None:
    """calamine's block starts at the first cell: one cell alone is small, but read from A1 it is not."""
    path = hostile_xlsx(tmp_path / "lone.xlsx", f'<row r="1048576">{cell("XFD1048576")}</row>')
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path)
    assert caught.value.message.startswith("工作表“名单”的内容延伸到了 XFD1048576 单元格")


def test_a_child_that_cannot_even_start_reading_gives_the_general_sentence(tmp_path: Path,
                                                                            caplog: pytest.LogCaptureFixture,
                                                                            capfd: pytest.CaptureFixture[str]) -> None:
    """A cap too small for calamine itself: the child dies before naming a sheet; its trace goes to the log
    (one line), never to the clerk or to the portal's own stderr."""
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>')
    with caplog.at_level(logging.INFO, logger="portal.io.isolated_read"), \
            pytest.raises(FileUnreadable) as caught:
        read_workbook(path, max_reader_mb=4)
    assert caught.value.message == ("文件中有工作表的使用范围过大，无法读取；请删除数据区域以外的内容"
                                    "（或只把数据复制到新的工作簿）后再上传")
    assert capfd.readouterr().err == ""
    assert any("reading child for ok.xlsx ended with status" in record.getMessage() for record in caplog.records)
    assert "Traceback" not in caught.value.message


def test_a_dying_child_leaves_nothing_on_the_portals_stderr(tmp_path: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    path = hostile_xlsx(tmp_path / "tiny.xlsx", f'<row r="1">{cell("A1")}</row>'
                        f'<row r="1048576">{cell("XFD1048576")}</row>')
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path)
    assert caught.value.message.startswith("工作表“名单”的使用范围过大")
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_running_out_of_memory_is_logged_as_news_and_the_command_line_says_only_the_clerks_sentence(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The cap doing its job is not a warning; ``portal import`` prints the Chinese sentence and nothing else."""
    path = hostile_xlsx(tmp_path / "tiny.xlsx", f'<row r="1">{cell("A1")}</row>'
                        f'<row r="1048576">{cell("XFD1048576")}</row>')
    with caplog.at_level(logging.INFO, logger="portal.io.isolated_read"), pytest.raises(FileUnreadable):
        read_workbook(path)
    [record] = [record for record in caplog.records if "reading child" in record.getMessage()]
    assert record.levelno == logging.INFO and "status -6" in record.getMessage()
    done = subprocess.run([sys.executable, "-c", "import sys; from portal.cli import main; sys.argv[0] = 'portal'; "
                           "main()", "import", "members", str(path), "--dry-run"],
                          env={**os.environ, "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
                               "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"},
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("无法读取文件：工作表“名单”的使用范围过大"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_leaving_early_ends_the_child(tmp_path: Path) -> None:
    """Another check refused the file while the child was still reading: the child is not left behind."""
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>')
    with IsolatedRead(path, ReadLimits(), 32_767) as reading:
        child = reading._child
    assert child.returncode is not None
    assert child.stdout is not None and child.stdout.closed


def test_encrypted_corrupt_and_empty_workbooks_keep_their_sentences(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    book = xlsxwriter.Workbook(str(empty))
    book.add_worksheet("Sheet1")
    book.close()
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(empty)
    assert caught.value.message.startswith("文件中没有数据：工作表是空的")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(hostile_xlsx(tmp_path / "whole.xlsx", f'<row r="1">{cell("A1")}</row>').read_bytes()[:900])
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(cut, "名单.xlsx")
    assert caught.value.message.startswith("文件已损坏或不是有效的 Excel 文件")


def test_the_import_takes_the_cap_from_the_application_config(app: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``portal import`` (as the upload screens) reads with ``PORTAL_IMPORT_READER_MB`` from the configuration."""
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>')
    monkeypatch.setitem(app.config, "PORTAL_IMPORT_READER_MB", 4)
    result = app.test_cli_runner().invoke(import_command, ["members", str(path), "--dry-run", "--json"])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "使用范围过大" in report["errors"][0]["message"], report
    monkeypatch.setitem(app.config, "PORTAL_IMPORT_READER_MB", 2048)
    result = app.test_cli_runner().invoke(import_command, ["members", str(path), "--dry-run", "--json"])
    assert "使用范围过大" not in result.stdout


def test_work_given_for_the_wait_runs_until_it_is_done_and_the_rows_are_the_same(tmp_path: Path) -> None:
    """``idle`` runs while the child is still loading (no frame has begun to arrive), and no more once it
    says it is done; the rows are those of a read without it."""
    path = tmp_path / "roll.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("会员")
    for number in range(read_child.CHUNK_ROWS + 300):
        sheet.write_row(number, 0, [f"会员{number}", number])
    book.close()
    steps: list[int] = []

    def idle() -> bool:
        steps.append(len(steps))
        return len(steps) < 3

    with IsolatedRead(path, ReadLimits(), 32_767) as reading:
        waited = reading.result(idle=idle)
    with IsolatedRead(path, ReadLimits(), 32_767) as reading:
        plain = reading.result()
    assert steps == [0, 1, 2]
    assert typed(waited[1]) == typed(plain[1]) == typed(in_process(path, "会员"))
