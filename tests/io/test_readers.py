"""Reading uploaded spreadsheets: formats, encodings, sheet choice, limits and the Chinese errors."""

from __future__ import annotations

import csv
import os
import datetime as dt
import random
import re
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import xlsxwriter

from portal.io.readers import FileUnreadable, PendingRead, Workbook, column_letter, read_workbook
from portal.io.sheet_limits import ReadLimits

Sheet = Callable[[Any, Any], None]


def write_xlsx(path: Path, *sheets: tuple[str, Sheet | None]) -> Path:
    """An .xlsx with the given sheets; each callable gets (workbook, worksheet) to fill it."""
    book = xlsxwriter.Workbook(str(path))
    for name, fill in sheets:
        sheet = book.add_worksheet(name)
        if fill:
            fill(book, sheet)
    book.close()
    return path


def rows_sheet(rows: list[list[Any]]) -> Sheet:
    def fill(book: Any, sheet: Any) -> None:
        for index, row in enumerate(rows):
            sheet.write_row(index, 0, row)
    return fill


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def patch_sheet_xml(path: Path, edit: Callable[[str], str]) -> None:
    """Rewrite xl/worksheets/sheet1.xml of an .xlsx in place."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            target.writestr(info, data)


def unreadable(path: Path, filename: str = "", **limits: int) -> str:
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path, filename, **limits)
    assert caught.value.message == str(caught.value)
    return caught.value.message


# --- xlsx -------------------------------------------------------------------------------------

def test_xlsx_keeps_row_numbers_values_and_trims(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "members.xlsx", ("会员", rows_sheet([
        ["2024 年会员名单"],
        [],
        ["姓名", "性别", "年龄", "在职", "备注"],
        ["  张三 ", "男", 35, True, ""],
        ["李四", "", 28.5, False],
    ])))
    book = read_workbook(path, "members.xlsx")
    assert (book.kind, book.sheet_name, book.meta, book.encoding) == ("xlsx", "会员", None, None)
    assert book.rows == [
        ["2024 年会员名单", None, None, None, None],
        [None, None, None, None, None],
        ["姓名", "性别", "年龄", "在职", "备注"],
        ["  张三 ", "男", 35, True, None],
        ["李四", None, 28.5, False, None],
    ]


def test_xlsx_used_range_not_starting_at_a1_keeps_positions(tmp_path: Path) -> None:
    def fill(book: Any, sheet: Any) -> None:
        sheet.write("C3", "姓名")
        sheet.write("D4", 1)
    book = read_workbook(write_xlsx(tmp_path / "offset.xlsx", ("Sheet1", fill)))
    assert book.rows == [[None] * 4, [None] * 4, [None, None, "姓名", None], [None, None, None, 1]]


def test_first_empty_sheet_and_hidden_sheets_are_skipped_and_meta_is_returned(tmp_path: Path) -> None:
    def hidden_data(book: Any, sheet: Any) -> None:
        sheet.write("A1", "不该读到")
        sheet.hide()

    def meta(book: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["register", "member"])
        sheet.write_row(1, 0, ["version", 3])
        sheet.write("D2", "", book.add_format({"bold": True}))
        sheet.hide()
    path = write_xlsx(tmp_path / "t.xlsx", ("Sheet1", None), ("隐藏", hidden_data),
                      ("数据", rows_sheet([["姓名"], ["张三"]])), ("_portal", meta))
    book = read_workbook(path)
    assert (book.sheet_name, book.rows) == ("数据", [["姓名"], ["张三"]])
    assert book.meta == [["register", "member"], ["version", 3]]


def test_formula_cells_give_their_cached_values(tmp_path: Path) -> None:
    def fill(book: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["数量", "合计", "全名"])
        sheet.write("A2", 1)
        sheet.write_formula("B2", "=1+1", None, 2)
        sheet.write_formula("C2", '="张"&"三"', None, "张三")
    book = read_workbook(write_xlsx(tmp_path / "f.xlsx", ("Sheet1", fill)))
    assert book.rows[1] == [1, 2, "张三"]


def test_dates_come_back_as_dates_and_id_numbers_typed_as_numbers_stay_floats(tmp_path: Path) -> None:
    def fill(book: Any, sheet: Any) -> None:
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, ["入会日期", "登记时间", "身份证号"])
        sheet.write_datetime(1, 0, dt.datetime(2024, 3, 5), day)
        sheet.write_datetime(1, 1, dt.datetime(2024, 3, 5, 14, 30), stamp)
        sheet.write_number(1, 2, 110105199001011234)
    joined, stamped, id_number = read_workbook(write_xlsx(tmp_path / "d.xlsx", ("Sheet1", fill))).rows[1]
    assert isinstance(joined, dt.date) and (joined.year, joined.month, joined.day) == (2024, 3, 5)
    assert stamped == dt.datetime(2024, 3, 5, 14, 30)
    assert isinstance(id_number, float) and id_number == pytest.approx(1.10105199001011e17)


def test_sheet_stated_as_1048576_rows_reads_only_its_data(tmp_path: Path) -> None:
    def fill(book: Any, sheet: Any) -> None:
        bold = book.add_format({"bold": True})
        sheet.set_column("A:Z", 12, bold)
        sheet.write_row(0, 0, ["姓名", "工号"])
        sheet.write_row(1, 0, ["张三", "001"])
        sheet.set_row(1_048_575, 20, bold)
        sheet.write_blank(1_048_575, 25, None, bold)
        sheet.write_string(1_048_575, 3, "", bold)  # an empty string cell on the last row
    path = write_xlsx(tmp_path / "whole-columns.xlsx", ("Sheet1", fill))
    patch_sheet_xml(path, lambda xml: re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:Z1048576"/>', xml))
    assert read_workbook(path).rows == [["姓名", "工号"], ["张三", "001"]]


def test_empty_inline_string_on_the_last_row_is_not_data(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "inline.xlsx", ("Sheet1", rows_sheet([["姓名"], ["张三"]])))
    patch_sheet_xml(path, lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="B1048576" t="inlineStr"><is><t></t></is></c></row></sheetData>'))
    assert read_workbook(path).rows == [["姓名"], ["张三"]]


def test_too_many_rows_names_the_count_and_the_limit(tmp_path: Path) -> None:
    rows = [["姓名"]] + [[f"会员{i}"] for i in range(14)]
    message = unreadable(write_xlsx(tmp_path / "big.xlsx", ("Sheet1", rows_sheet(rows))), max_rows=10)
    assert message == "文件有 15 行数据，超过单次导入上限 10 行，请拆分成几个文件后分别导入"
    assert len(read_workbook(tmp_path / "big.xlsx", max_rows=15).rows) == 15


def test_default_limit_is_formatted_with_thousands_separators(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "many.csv", [["姓名"]] + [["x"]] * 200_000)
    assert "文件有 200,001 行数据，超过单次导入上限 200,000 行" in unreadable(path)


def test_trailing_and_interior_empty_rows_do_not_count(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gaps.csv", [["姓名"], [], ["张三"], [""]] + [[]] * 50)
    assert read_workbook(path, max_rows=2).rows == [["姓名"], [None], ["张三"]]


def test_stray_content_far_below_the_data_is_refused(tmp_path: Path) -> None:
    def fill(book: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["姓名", "张三"])
        sheet.write("A500", "x")
    message = unreadable(write_xlsx(tmp_path / "stray.xlsx", ("Sheet1", fill)), max_rows=10)
    assert "第 500 行还有内容" in message and "请删除多余的内容" in message


def test_over_long_cell_in_xlsx_is_named_by_row_and_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "long.xlsx", ("Sheet1", rows_sheet([["姓名", "备注", "地址"], ["张三", "", "一" * 11]])))
    assert unreadable(path, max_cell_chars=10) == "第 2 行 C 列的内容有 11 个字，超过单元格上限 10 字，请检查该单元格"


# --- xls --------------------------------------------------------------------------------------

def test_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (in the test extra) writes the .xls fixture")
    book = xlwt.Workbook()
    book.add_sheet("Sheet1")
    sheet = book.add_sheet("名单")
    for column, value in enumerate(["姓名", "人数", "金额", "入会日期"]):
        sheet.write(0, column, value)
    sheet.write(1, 0, "张三")
    sheet.write(1, 1, 3)
    sheet.write(1, 2, 12.5)
    sheet.write(1, 3, dt.date(2024, 5, 6), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    path = tmp_path / "old.dat"  # the extension does not matter
    book.save(str(path))
    result = read_workbook(path, "名单.xls")
    assert (result.kind, result.sheet_name, result.meta) == ("xls", "名单", None)
    assert result.rows[0] == ["姓名", "人数", "金额", "入会日期"]
    name, count, amount, joined = result.rows[1]
    assert (name, count, amount) == ("张三", 3, 12.5)
    assert isinstance(joined, dt.date) and (joined.year, joined.month, joined.day) == (2024, 5, 6)


# --- csv --------------------------------------------------------------------------------------

ROWS = [["会员名单（第一车间）"], ["姓名", "身份证号", "手机号"], ["张三", "110105199001011234", ""], ["李四", "", "13800138000"]]
EXPECTED = [["会员名单（第一车间）", None, None], ["姓名", "身份证号", "手机号"],
            ["张三", "110105199001011234", None], ["李四", None, "13800138000"]]


@pytest.mark.parametrize(("encoding", "delimiter", "expected_encoding"), [
    ("utf-8", ",", "utf-8"),
    ("utf-8-sig", ",", "utf-8-sig"),
    ("gb18030", ",", "gb18030"),
    ("gbk", "\t", "gb18030"),
    ("utf-8", ";", "utf-8"),
])
def test_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str, expected_encoding: str) -> None:
    path = write_csv(tmp_path / "members.xlsx", ROWS, encoding, delimiter)  # detected by content, not by name
    assert read_workbook(path, "members.csv") == Workbook(
        kind="csv", sheet_name="", rows=EXPECTED, meta=None, encoding=expected_encoding)


def test_csv_keeps_spaces_and_quoted_separators(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('姓名,地址\n" 张三 ","北京市,朝阳区\n3号楼"\n', encoding="utf-8")
    assert read_workbook(path).rows == [["姓名", "地址"], [" 张三 ", "北京市,朝阳区\n3号楼"]]


def test_csv_megabyte_cell_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "huge.csv", [["姓名", "备注"], ["张三", "x" * 1_048_576]])
    assert unreadable(path) == "第 2 行 B 列的内容有 1,048,576 个字，超过单元格上限 32,767 字，请检查该单元格"


# --- unreadable files -------------------------------------------------------------------------

NOT_A_TABLE = "不是电子表格文件"
UPLOAD_FORMATS = "请上传 .xlsx、.xls 或 .csv"


def test_png_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    message = unreadable(path, "照片.png")
    assert message.startswith("这" + NOT_A_TABLE) and UPLOAD_FORMATS in message and "上传的是 .png 文件" in message


def test_random_bytes_renamed_txt_are_not_a_spreadsheet(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4096)
    with_nul, without_nul = tmp_path / "a.txt", tmp_path / "b.xlsx"
    with_nul.write_bytes(noise)
    without_nul.write_bytes(noise.replace(b"\0", b"\1"))
    for path in (with_nul, without_nul):
        message = unreadable(path, path.name)
        assert NOT_A_TABLE in message and UPLOAD_FORMATS in message


def test_html_saved_as_xls_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>姓名</td></tr></table></body></html>", encoding="utf-8")
    message = unreadable(path, "export.xls")
    assert "网页（HTML）" in message and "另存为 .xlsx" in message


def test_zip_that_is_not_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    message = unreadable(path, "名单.xlsx")
    assert message == "文件已损坏或不是有效的 Excel 文件，无法读取，请用 Excel 打开后另存为 .xlsx 再上传"
    assert "上传的是 .zip 文件" in unreadable(path, "photos.zip")


def test_truncated_xlsx_is_corrupt(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", ("Sheet1", rows_sheet([["姓名"], ["张三"]])))
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole.read_bytes()[:2000])
    message = unreadable(path)
    assert "文件已损坏或不是有效的 Excel 文件" in message and "另存为 .xlsx" in message


def ole_file(*names: str) -> bytes:
    """A compound-file header followed by one directory sector holding entries with these names."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header += struct.pack("<H", 9) + bytes(512 - len(header) - 2)
    sector = b""
    for name in names:
        encoded = (name + "\0").encode("utf-16-le")
        sector += encoded.ljust(64, b"\0") + struct.pack("<H", len(encoded)) + bytes(62)
    return header + sector.ljust(512, b"\0")


def test_encrypted_xlsx_asks_for_the_password_to_be_removed(tmp_path: Path) -> None:
    for streams in (("Root Entry", "EncryptionInfo", "EncryptedPackage"), ("Root Entry", "EncryptedPackage")):
        path = tmp_path / "locked.xlsx"
        path.write_bytes(ole_file(*streams))
        assert unreadable(path) == "文件已加密（设置了打开密码），请在 Excel 中取消密码后另存为 .xlsx 再上传"


def test_ole_file_that_is_not_a_workbook_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "doc.xls"
    path.write_bytes(ole_file("Root Entry", "WordDocument") + "xxEncryptionInfo".encode("utf-16-le"))
    assert "文件已损坏或不是有效的 Excel 文件" in unreadable(path)


def test_empty_files(tmp_path: Path) -> None:
    def only_meta(book: Any, sheet: Any) -> None:
        sheet.write("A1", "register")

    def blank_strings(book: Any, sheet: Any) -> None:
        sheet.write_string("B2", "", book.add_format({"bold": True}))  # stored as an empty string cell
    xlsx = write_xlsx(tmp_path / "empty.xlsx", ("Sheet1", None), ("Sheet2", blank_strings), ("_portal", only_meta))
    csv_file = tmp_path / "empty.csv"
    csv_file.write_bytes(b"\xef\xbb\xbf\r\n,,\r\n")
    for path in (xlsx, csv_file):
        message = unreadable(path)
        assert message.startswith("文件中没有数据：工作表是空的") and "再上传" in message


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702, 16383)] == [
        "A", "C", "Z", "AA", "AB", "ZZ", "AAA", "XFD"]


# --- reading begun early (``portal import`` reads the file while it builds its app) -------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_reading_begun_early_gives_what_read_workbook_gives(tmp_path: Path) -> None:
    rows = [["姓名", "身份证号", "入会时间"], ["张三", "110101199003077777", dt.date(2020, 1, 5)], ["李四", None, "x"]]
    path = write_xlsx(tmp_path / "名单.xlsx", ("名单", rows_sheet(rows)))
    with PendingRead(path, "名单.xlsx", ReadLimits()) as pending:
        early = pending.workbook()
    assert early == read_workbook(path, "名单.xlsx")
    assert early.rows[1][:2] == ["张三", "110101199003077777"]


def test_a_reading_begun_early_refuses_what_read_workbook_refuses(tmp_path: Path) -> None:
    rows = [["姓名"], *[[f"会员{index}"] for index in range(20)]]
    path = write_xlsx(tmp_path / "名单.xlsx", ("名单", rows_sheet(rows)))
    with PendingRead(path, "名单.xlsx", ReadLimits(rows=5)) as pending, pytest.raises(FileUnreadable) as caught:
        pending.workbook()
    assert caught.value.message == unreadable(path, "名单.xlsx", max_rows=5)
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(path.read_bytes()[:2000])
    with PendingRead(broken, "坏.xlsx", ReadLimits()) as pending, pytest.raises(FileUnreadable) as caught:
        pending.workbook()
    assert "文件已损坏或不是有效的 Excel 文件" in caught.value.message


def test_a_csv_begun_early_starts_no_process_and_reads_the_same(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名单.csv", [["姓名", "手机号"], ["张三", "13800000000"]])
    pending = PendingRead(path, "名单.csv", ReadLimits())
    assert pending._reading is None
    assert pending.workbook() == read_workbook(path, "名单.csv")


def test_leaving_a_reading_begun_early_ends_its_process(tmp_path: Path) -> None:
    """A command that stops before it wants the rows (an unknown register, a user without the right) leaves
    no reading process behind."""
    rows = [["姓名"], *[[f"会员{index}"] for index in range(50_000)]]
    path = write_xlsx(tmp_path / "名单.xlsx", ("名单", rows_sheet(rows)))
    with PendingRead(path, "名单.xlsx", ReadLimits()) as pending:
        assert pending._reading is not None
        pid = pending._reading._child.pid
        assert _pid_alive(pid)
    assert not _pid_alive(pid)
