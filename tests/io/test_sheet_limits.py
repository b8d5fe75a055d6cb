"""Hostile spreadsheets are refused, and cost the portal nothing: used ranges, bombs, cell counts.

A sheet too large for memory kills only the capped reading child (``portal.io.isolated_read``); one that fits
but reaches beyond the cell limit is refused naming its last cell, once calamine has loaded it there."""

from __future__ import annotations

import resource
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.io import readers, sheet_limits
from portal.io.readers import FileUnreadable, read_workbook
from portal.io.sheet_limits import ReadLimits, xls_problem, xlsx_problem
from portal.io.sheet_rows import column_letter

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                  'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                  '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                  'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                  'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
              '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
              '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def cell(ref: str, text: str = "x") -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' if ref else \
        f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def hostile_xlsx(path: Path, rows: str, dimension: str = "A1", extra: dict[str, bytes] | None = None) -> Path:
    """A minimal .xlsx (written with zipfile) whose one sheet, 名单, holds ``rows`` as sheetData."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


#: How much the test process's peak resident memory may grow while a hostile file is refused (MB).
_GROWTH_MB = 32


@pytest.fixture()
def parent_unharmed() -> Iterator[None]:
    """The test process itself neither dies nor grows: only the reading child pays for the file."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < _GROWTH_MB * 1024, f"the portal's own process grew by {grown} KB"


TOO_LARGE = ("工作表“名单”的使用范围过大，无法读取；请删除数据区域以外的内容（或只把数据复制到新的工作簿）后再上传")


def refusal(path: Path, **limits: int) -> str:
    with pytest.raises(FileUnreadable) as caught:
        read_workbook(path, "名单.xlsx", **limits)
    return caught.value.message


def test_one_cell_at_xfd1048576_is_refused_and_the_portal_survives(tmp_path: Path, parent_unharmed: None) -> None:
    path = hostile_xlsx(tmp_path / "tiny.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>'
                        f'<row r="1048576">{cell("XFD1048576")}</row>', dimension="A1:XFD1048576")
    assert path.stat().st_size < 2000
    assert refusal(path) == (
        "工作表“名单”的使用范围过大，无法读取（文件记录的范围延伸到了 XFD1048576 单元格，第 1,048,576 行、第 16,384 列）；"
        "请删除数据区域以外的内容（或只把数据复制到新的工作簿）后再上传")


def test_a_lying_dimension_does_not_hide_the_last_cell(tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path / "lie.xlsx", f'<row r="1">{cell("A1")}</row><row r="300">{cell("ZZ300")}</row>')
    assert "延伸到了 ZZ300 单元格（第 300 行、第 702 列）" in refusal(path, max_cells=200_000)
    assert "上限 200,000 个单元格" in refusal(path, max_cells=200_000)


def test_cells_without_references_are_placed_as_calamine_places_them(tmp_path: Path) -> None:
    """No ``r``: the next row, the next column; a prefixed namespace is still a cell."""
    wide = "".join(cell("") for _ in range(30))
    path = hostile_xlsx(tmp_path / "implicit.xlsx", f"<row>{cell('')}</row><row>{wide}</row>"
                        f'<row r="40">{cell("C40")}<x:c t="n"><x:v>1</x:v></x:c></row>')
    assert "延伸到了 AD40 单元格（第 40 行、第 30 列）" in refusal(path, max_cells=1000)


def test_a_long_plain_sheet_then_cells_without_references_are_placed_in_order(tmp_path: Path) -> None:
    """Megabytes of ordinary rows followed by cells without references: calamine's range is what counts."""
    plain = "".join(f'<row r="{n}">{cell(f"A{n}")}<c r="B{n}" s="1"/></row>' for n in range(1, 30_001))
    path = hostile_xlsx(tmp_path / "long.xlsx", f"{plain}<row>{cell('')}{cell('')}{cell('')}</row>")
    assert "延伸到了 C30001 单元格（第 30,001 行、第 3 列）" in refusal(path, max_cells=90_000)
    assert xlsx_problem(path, ReadLimits(cells=90_003)) is None
    assert len(read_workbook(path, max_cells=90_003).rows) == 30_001


def test_empty_formatted_cells_far_away_do_not_count(tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path / "styled.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>'
                        '<row r="1048576"><c r="XFD1048576" s="1"/></row>', dimension="A1:XFD1048576")
    assert read_workbook(path).rows == [["姓名"]]


def test_the_cell_count_limit_comes_from_the_config(app: Any) -> None:
    assert ReadLimits.from_config(app.config) == ReadLimits(rows=200_000, cells=5_000_000, unzipped_mb=320,
                                                            reader_mb=2048)


def test_a_decompression_bomb_is_refused_by_the_bytes_it_really_unzips(tmp_path: Path) -> None:
    zeros = b"<a>" + b"0" * (3 << 20) + b"</a>"
    path = hostile_xlsx(tmp_path / "bomb.xlsx", f'<row r="1">{cell("A1")}</row>', extra={"xl/sharedStrings.xml": zeros})
    assert path.stat().st_size < 40_000
    message = refusal(path, max_unzipped_mb=2)
    assert message == ("文件解压后超过 2 MB（其中“xl/sharedStrings.xml”一项就很大），超过单次导入的上限，请拆分成几个文件后"
                       "分别导入（如果文件本身并不大，它可能已损坏，请用 Excel 打开后另存为 .xlsx 再上传）")
    # The size a zip entry claims is not believed: a header saying 10 bytes changes nothing.
    data = bytearray(path.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(header)
        while at != -1:
            offset = 22 if header == b"PK\x03\x04" else 24
            name_at = 30 if header == b"PK\x03\x04" else 46
            length = int.from_bytes(data[at + (26 if header == b"PK\x03\x04" else 28):][:2], "little")
            if data[at + name_at:at + name_at + length] == b"xl/sharedStrings.xml":
                data[at + offset:at + offset + 4] = (10).to_bytes(4, "little")
            at = data.find(header, at + 4)
    path.write_bytes(bytes(data))
    assert xlsx_problem(path, ReadLimits(unzipped_mb=2)) == message


def test_an_ordinary_sheet_passes_the_checks(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}">{cell(f"A{n}", "张三")}{cell(f"C{n}", "001")}</row>' for n in range(1, 6))
    path = hostile_xlsx(tmp_path / "ok.xlsx", rows)
    assert xlsx_problem(path, ReadLimits(cells=15)) is None
    assert read_workbook(path, max_cells=15).rows[0] == ["张三", None, "001"]
    assert "延伸到了 C5 单元格" in refusal(path, max_cells=14)


def test_xls_with_a_cell_at_the_last_row_and_column_is_refused(tmp_path: Path, parent_unharmed: None) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (in the test extra) writes the .xls fixture")
    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    sheet.write(0, 0, "姓名")
    sheet.write(65535, 255, "x")
    path = tmp_path / "far.xls"
    book.save(str(path))
    assert refusal(path) == (
        "工作表“名单”的内容延伸到了 IV65536 单元格（第 65,536 行、第 256 列），按表格读取至少要占 16,777,216 个单元格，"
        "超过单次导入上限 5,000,000 个单元格；请删除数据区域以外的内容（或只把数据复制到新的工作簿）后再上传")


def test_an_ordinary_xls_passes(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (in the test extra) writes the .xls fixture")
    book = xlwt.Workbook()
    book.add_sheet("空表")
    sheet = book.add_sheet("名单")
    for row in range(3):
        sheet.write(row, 0, f"会员{row}")
        sheet.write(row, 1, row)
    path = tmp_path / "ok.xls"
    book.save(str(path))
    assert xls_problem(path, ReadLimits(cells=6)) is None
    assert "工作表“名单”的内容延伸到了 B3 单元格" in (xls_problem(path, ReadLimits(cells=5)) or "")


def test_csv_rows_times_columns_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("姓名,工号,备注\n" + "张三,1,\n" * 10, encoding="utf-8")
    assert len(read_workbook(path, max_cells=33).rows) == 11
    message = refusal(path, max_cells=32)
    assert message == ("文件的数据区域至少有 33 个单元格（行数 × 列数），超过单次导入上限 32 个单元格，"
                       "请删除多余的列或拆分成几个文件后分别导入")


def test_csv_row_of_a_million_separators_is_refused_before_it_is_split(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "commas.csv"
    path.write_text("姓名" + "," * 1_000_000 + "x\n", encoding="utf-8")

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the csv module was asked to split the file")
    monkeypatch.setattr(readers.csv, "reader", never)
    assert "1,000,000 个单元格" in refusal(path, max_cells=100_000)


def test_column_names() -> None:
    assert [column_letter(n - 1) for n in (1, 26, 27, 702, 16384)] == ["A", "Z", "AA", "ZZ", "XFD"]


def test_a_compression_excel_never_uses_is_refused(tmp_path: Path) -> None:
    path = hostile_xlsx(tmp_path / "ok.xlsx", f'<row r="1">{cell("A1")}</row>')
    with zipfile.ZipFile(path) as source:
        items = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in items:
            target.writestr(name, data, zipfile.ZIP_BZIP2 if name.endswith("sheet1.xml") else zipfile.ZIP_DEFLATED)
    assert refusal(path) == ("文件中的“xl/worksheets/sheet1.xml”用了 Excel 不使用的压缩方式，无法检查和读取，"
                             "请用 Excel 打开后另存为 .xlsx 再上传")


@pytest.mark.parametrize("far_cell", [
    '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    '<c\tr="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # a tab where a space is usual
    '<c r="A2" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # calamine takes the last of two
    "<c r='XFD1048576' t=\"inlineStr\"><is><t>x</t></is></c>",  # single quotes
    '<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # spaces around "="
    '<c r="XFD1048576" x="/>" t="inlineStr"><is><t>x</t></is></c>',  # "/>" inside a value: not an empty cell
    '<c r="XFD1048576" x="/><" t="inlineStr"><is><t>x</t></is></c>',
    "<c r=\"XFD1048576\" x='>' t=\"inlineStr\"><is><t>x</t></is></c>",
    '<c r="XFD1048576" x="<" t="inlineStr"><is><t>x</t></is></c>',  # a raw "<" in a value
    '<x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>',  # a namespace prefix
])
def test_a_far_cell_written_the_unusual_ways_xml_allows_is_refused(tmp_path: Path, parent_unharmed: None,
                                                                   far_cell: str) -> None:
    plain = "".join(f'<row r="{n}">{cell(f"A{n}")}</row>' for n in range(1, 2001))
    path = hostile_xlsx(tmp_path / "odd.xlsx", f'{plain}<row r="2001">{far_cell}</row>')
    assert refusal(path) == TOO_LARGE


def test_a_far_cell_whose_tag_straddles_a_megabyte_boundary_is_refused(tmp_path: Path, parent_unharmed: None) -> None:
    """The tag of the far cell begins just before 1 MB of sheet XML and ends after it, a ">" quoted between."""
    rows = []
    size, number = 0, 1
    while size < (1 << 20) - 4000:
        rows.append(f'<row r="{number}">{cell(f"A{number}")}</row>')
        size += len(rows[-1])
        number += 1
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>')
    pad = (1 << 20) - len(head) - size - len(f'<row r="{number}">') - 12
    rows.append(f'<row r="{number}" x="{"y" * pad}"><c r="XFD{number}" x=">" t="inlineStr"><is><t>x</t></is></c></row>')
    path = hostile_xlsx(tmp_path / "split.xlsx", "".join(rows))
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    tag = xml.index(b'<c r="XFD')
    assert tag < (1 << 20) < xml.index(b">", tag + 20)
    assert refusal(path) == TOO_LARGE


@pytest.mark.parametrize("dimension_tag, expected", [
    ('<dimension ref="A1:XFD1048576"/>', (1_048_576, 16_384)),
    ("<x:dimension ref = 'B2:ZZ300'/>", (300, 702)),
    ('<dimension ref="C7"/>', (7, 3)),
    ("", None),
])
def test_the_far_cell_a_sheet_records_is_read_from_its_dimension(tmp_path: Path, dimension_tag: str,
                                                                  expected: tuple[int, int] | None) -> None:
    path = hostile_xlsx(tmp_path / "d.xlsx", f'<row r="1">{cell("A1")}</row>')
    with zipfile.ZipFile(path) as source:
        items = [(name, source.read(name)) for name in source.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items:
            target.writestr(name, data.replace(b'<dimension ref="A1"/>', dimension_tag.encode()))
    assert sheet_limits.dimension_end(path, "名单") == expected
    assert sheet_limits.dimension_end(path, "另一张") is None
