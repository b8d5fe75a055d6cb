"""Importing members from a spreadsheet, in a real browser, as a clerk of branch A lives it.

The clerk opens the import page from the members list, downloads the template, uploads a file with
two bad rows (a short mobile number, an ID number Excel stored as a number), reads the errors with
the row numbers of the file, downloads the error file, uploads the corrected file and commits it;
then imports a roll of 20,000 members while the progress bar moves, and finds both batches in the
import history. The result page is also looked at on a phone-sized screen.

This module has its own server (one per database, like ``live_server``): 20,000 imported members
would change what the other browser tests see on the shared one.

Screenshots: ``test-artifacts/browser/<database>-import-<step>.png``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
import xlsxwriter
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from tests.browser.conftest import LIST_ROWS, LiveServer, NetworkLog, log_in, new_context, serving_portal, watch
from tests.conftest import DATABASES

pytestmark = pytest.mark.browser

CLERK = ("clerk_import_a", "Clerk-Import-pass-2026")
ORG = "A01"
BIG_ROWS = 20_000
BIG_NUMBER = "20,?000"  # as shown, with or without a thousands separator
#: Long enough for 20,000 rows to be checked or written on PostgreSQL.
SLOW_JOB_MS = 180_000
PHONE_VIEWPORT = {"width": 390, "height": 844}

#: The small file: (name, phone); rows 3 and 6 of the file (1-based, header on row 1) are wrong.
SMALL = [("赵明轩", "13800000001"), ("钱晓红", "13800000002"), ("孙立新", "13800000003"),
         ("李卫东", "13800000004"), ("周建国", "13800000005")]
BAD_PHONE_ROW = 3  # 钱晓红: the mobile number is 7 digits
BAD_PHONE = "1380000"
NUMBER_ID_ROW = 6  # 周建国: the ID number typed into a number cell


def id_card(area: str, birth: date, seq: int) -> str:
    from portal.domain.idcard import check_character

    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def digits_only_id(area: str, birth: date) -> str:
    """A valid ID number ending in a digit (one that Excel could store as a number)."""
    for seq in range(100, 1000):
        value = id_card(area, birth, seq)
        if value[-1] != "X":
            return value
    raise AssertionError("no ID number without X")


SMALL_IDS = [id_card("320102", date(1980 + i, 3, 8), 31 + i) for i in range(4)] + [
    digits_only_id("320102", date(1986, 7, 19))]


def big_id(index: int) -> str:
    """Distinct valid ID numbers: 100 sequence codes per birth date, 200 birth dates for 20,000."""
    return id_card("440305", date(1970, 1, 1) + timedelta(days=index // 100), 500 + index % 100)


# --- the server -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=DATABASES)
def import_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The portal on a fresh database with the seeded org tree and the clerk of A (as ``live_server``)."""

    def add_clerk(app: Any) -> None:
        from portal.security.accounts import create_user

        with app.app_context():
            create_user(CLERK[0], CLERK[1], "clerk", org_code="A")

    with serving_portal(request.param, tmp_path_factory, "import", add_clerk) as server:
        yield server


# --- files ------------------------------------------------------------------------------------------------------


def read_sheet(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def write_members(path: Path, headers: list[str], rows: list[dict[str, Any]]) -> Path:
    """An xlsx whose row 1 is ``headers``; each row maps a header to a value (a float is written as a number)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("会员")
    sheet.write_row(0, 0, headers)
    for index, row in enumerate(rows, start=1):
        for column, header in enumerate(headers):
            value = row.get(header)
            if isinstance(value, (int, float)):
                sheet.write_number(index, column, value)
            elif value is not None:
                sheet.write_string(index, column, value)
    workbook.close()
    return path


def small_rows(headers: list[str], fixed: bool) -> list[dict[str, Any]]:
    name, id_no, org, phone, status = (column(headers, label) for label in ("姓名", "身份证号", "所属工会", "手机号", "会籍状态"))
    rows = []
    for number, ((person, mobile), card) in enumerate(zip(SMALL, SMALL_IDS), start=2):
        row: dict[str, Any] = {name: person, id_no: card, org: ORG, phone: mobile, status: "在籍"}
        if not fixed and number == BAD_PHONE_ROW:
            row[phone] = BAD_PHONE
        if not fixed and number == NUMBER_ID_ROW:
            row[id_no] = float(card)  # what Excel keeps when the column is not formatted as text
        rows.append(row)
    return rows


def column(headers: list[str], label: str) -> str:
    """The template's header text for a field label (required ones carry a *)."""
    matches = [header for header in headers if header.rstrip("*") == label]
    assert len(matches) == 1, (label, headers)
    return matches[0]


def write_big_file(path: Path, headers: list[str]) -> Path:
    name, id_no, org, status = (column(headers, label) for label in ("姓名", "身份证号", "所属工会", "会籍状态"))
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("会员")
    picked = [name, id_no, org, status]
    sheet.write_row(0, 0, picked)
    for index in range(BIG_ROWS):
        sheet.write_row(index + 1, 0, [f"会员{index + 1:05d}", big_id(index), ORG, "在籍"])
    workbook.close()
    return path


# --- the pages --------------------------------------------------------------------------------------------------


def clean(network: NetworkLog, where: str) -> None:
    assert network.blocked == [], f"{where}: 页面试图访问其他主机：{network.blocked}"
    assert network.page_errors == [], f"{where}: 页面脚本出错：{network.page_errors}"


def count(page: Any, which: str) -> int:
    return int(page.locator(f"#count-{which}").inner_text().replace(",", "").strip())


def upload(page: Any, path: Path, mode: str) -> None:
    """Choose the file and the mode on the import page and send it; lands on the job page."""
    page.set_input_files("#portal-import-file", str(path))
    page.locator(f"#portal-import-form input[name=mode][value={mode}]").check()
    with page.expect_navigation():
        page.click("#portal-import-submit")
    assert "/import/job/" in page.url, page.url


def wait_for_result(page: Any, timeout: float = SLOW_JOB_MS) -> None:
    """The job page reloads itself when the job ends: wait for the counts (or a failure, reported as such)."""
    outcome = page.locator("#portal-import-counts, #portal-job-failed, #portal-import-unreadable")
    expect(outcome.first).to_be_visible(timeout=timeout)
    failed = page.locator("#portal-job-failed, #portal-import-unreadable")
    assert failed.count() == 0, f"导入任务失败：{failed.first.inner_text()}"


@dataclass
class ProgressShot:
    image: bytes
    percent: str
    phase: str

    @property
    def rank(self) -> int:
        """Mid-way beats full, full beats empty."""
        return {"0%": 0, "100%": 1}.get(self.percent, 2)


BAR_STATE = """() => {
    const job = document.querySelector("#portal-job"), bar = document.querySelector("#portal-job-bar");
    if (!job || !bar) { return null; }
    return {text: bar.textContent.trim(), width: bar.style.width, shown: bar.offsetWidth > 0,
            phase: document.querySelector("#portal-job-phase").textContent};
}"""


def _photograph_bar(page: Any) -> ProgressShot | None:
    """The bar, if it counts rows now, and a screenshot of it; None when it does not (or the page reloaded)."""
    try:
        state = page.evaluate(BAR_STATE)
        if not state or "行" not in state["phase"]:
            return None
        # Bootstrap animates the width: finish the transition, so the bar is as long as the percentage it shows.
        image = page.screenshot(full_page=True, animations="disabled")
        still_running = page.evaluate(BAR_STATE) is not None
    except Exception:  # the page reloaded with the result between two steps: not caught
        return None
    if not still_running:
        return None
    assert state["shown"], state
    assert re.fullmatch(r"\d{1,3}%", state["text"]), state
    assert state["width"] == state["text"], state
    assert re.search(r"[\d,]+ / [\d,]+ 行", state["phase"]), state
    return ProgressShot(image, state["text"], state["phase"])


def catch_progress(page: Any, server: LiveServer, step: str, timeout: float = SLOW_JOB_MS) -> ProgressShot | None:
    """While the job runs, photograph the bar counting rows, preferably between 0 and 100 %.

    Keeps the best photograph as the step's screenshot and returns it, or None when the job ended
    before the bar could be caught. The bar is read every 50 ms: the page polls every 500 ms and
    reloads as soon as the job has ended.
    """
    finished = page.locator("#portal-import-counts, #portal-job-failed, #portal-import-unreadable")
    deadline = time.monotonic() + timeout / 1000
    best: ProgressShot | None = None
    while time.monotonic() < deadline and (best is None or best.rank < 2):
        try:
            if finished.count():
                break
        except Exception:  # reloading
            pass
        latest = _photograph_bar(page)
        if latest is not None and (best is None or latest.rank > best.rank):
            best = latest
        time.sleep(0.05)
    if best is not None:
        server.screenshot_path(step).write_bytes(best.image)
    return best


# --- the scenario -----------------------------------------------------------------------------------------------


def test_clerk_imports_members_from_a_spreadsheet(import_server: LiveServer, page: Any, network: NetworkLog,
                                                  browser: Any, tmp_path: Path) -> None:
    server = import_server
    started = time.monotonic()

    # 1. The clerk of A signs in.
    log_in(page, server, *CLERK)
    clean(network, "会员管理员登录")

    # 2. From the members list, 导入.
    page.goto(f"{server.url}/members/list/")
    link = page.locator("#portal-import-link")
    expect(link).to_be_visible()
    expect(link).to_contain_text("导入")
    with page.expect_navigation():
        link.click()
    import_url = page.url
    assert import_url.rstrip("/").endswith("/members/import"), import_url
    expect(page.locator("h2")).to_contain_text("导入会员")
    expect(page.locator("#portal-import-form")).to_be_visible()
    expect(page.locator("body")).to_contain_text("还没有导入过会员")
    clean(network, "打开导入页")
    page.screenshot(path=str(server.screenshot_path("import-01-page")), full_page=True)

    # 3. The template.
    with page.expect_download() as download_info:
        page.click("#portal-import-template")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    assert "导入模板" in download.suggested_filename, download.suggested_filename
    template = tmp_path / download.suggested_filename
    download.save_as(template)
    headers = [str(cell) for cell in read_sheet(template)[0] if cell not in (None, "")]
    assert "姓名*" in headers and "身份证号*" in headers, headers

    # 4. A file with two bad rows, checked in 只新增 mode.
    bad_file = write_members(tmp_path / "三月新会员.xlsx", headers, small_rows(headers, fixed=False))
    upload(page, bad_file, "insert")
    preview_url = page.url
    wait_for_result(page, timeout=60_000)
    expect(page.locator("h2")).to_contain_text("三月新会员.xlsx")
    assert (count(page, "created"), count(page, "updated"), count(page, "unchanged"), count(page, "errors")) == \
        (3, 0, 0, 2)
    expect(page.locator("#portal-import-done")).to_have_count(0)
    error_rows = page.locator("#portal-import-errors tbody tr")
    expect(error_rows).to_have_count(2)
    phone_error, id_error = (error_rows.nth(i).locator("td") for i in range(2))
    expect(phone_error.nth(0)).to_have_text(f"第 {BAD_PHONE_ROW} 行")
    expect(phone_error.nth(1)).to_have_text(column(headers, "手机号"))
    expect(phone_error.nth(2)).not_to_be_empty()
    expect(id_error.nth(0)).to_have_text(f"第 {NUMBER_ID_ROW} 行")
    expect(id_error.nth(1)).to_have_text(column(headers, "身份证号"))
    expect(id_error.nth(2)).to_contain_text("数字")
    expect(id_error.nth(2)).to_contain_text("文本")
    # All or nothing by default: only the "valid rows only" button is offered.
    expect(page.locator("#portal-import-commit")).to_have_count(0)
    expect(page.locator("#portal-import-commit-partial")).to_contain_text("3")
    clean(network, "有错误的文件检查结果")
    page.screenshot(path=str(server.screenshot_path("import-02-errors")), full_page=True)

    # 5. The error file: the clerk's rows with a 错误说明 column.
    with page.expect_download() as download_info:
        page.click("#portal-import-error-file")
    error_file = tmp_path / "errors.xlsx"
    download_info.value.save_as(error_file)
    assert "错误说明" in download_info.value.suggested_filename, download_info.value.suggested_filename
    sheet = read_sheet(error_file)
    assert sheet[0][-1] == "错误说明", sheet[0]
    assert [cell for cell in sheet[0][:-1] if cell not in (None, "")] == headers
    assert len(sheet) == len(SMALL) + 1, sheet
    for number, row in enumerate(sheet[1:], start=2):
        note = str(row[-1] or "")
        if number == BAD_PHONE_ROW:
            assert "手机号" in note, (number, row)
        elif number == NUMBER_ID_ROW:
            assert "身份证号" in note and "数字" in note, (number, row)
        else:
            assert note == "", (number, row)
    assert sheet[BAD_PHONE_ROW - 1][headers.index(column(headers, "姓名"))] == SMALL[BAD_PHONE_ROW - 2][0]

    # 6. The corrected file: no errors, committed.
    page.goto(import_url)
    fixed_file = write_members(tmp_path / "三月新会员-已改正.xlsx", headers, small_rows(headers, fixed=True))
    upload(page, fixed_file, "insert")
    wait_for_result(page, timeout=60_000)
    assert (count(page, "created"), count(page, "errors")) == (len(SMALL), 0)
    expect(page.locator("#portal-import-errors")).to_have_count(0)
    expect(page.locator("#portal-import-commit")).to_contain_text(f"新增 {len(SMALL)}")
    with page.expect_navigation():
        page.click("#portal-import-commit")
    wait_for_result(page, timeout=60_000)
    done = page.locator("#portal-import-done")
    expect(done).to_be_visible()
    expect(done).to_contain_text(f"新增 {len(SMALL)} 条")
    assert count(page, "created") == len(SMALL)
    clean(network, "导入改正后的文件")
    page.screenshot(path=str(server.screenshot_path("import-03-done")), full_page=True)

    page.goto(f"{server.url}/members/list/")
    rows = page.locator(LIST_ROWS)
    expect(rows.first).to_be_visible()
    for person, _ in SMALL:
        expect(rows.filter(has_text=person)).to_have_count(1)
    page.screenshot(path=str(server.screenshot_path("import-04-list")), full_page=True)

    # 7. 20,000 members, 新增或更新: the progress bar while the job runs.
    big_file = write_big_file(tmp_path / "全体会员.xlsx", headers)
    page.goto(import_url)
    caught: list[ProgressShot] = []
    upload(page, big_file, "upsert")
    shot = catch_progress(page, server, "import-05-progress-check")
    if shot:
        caught.append(shot)
    wait_for_result(page)
    assert (count(page, "created"), count(page, "updated"), count(page, "errors")) == (BIG_ROWS, 0, 0)
    expect(page.locator("body")).to_contain_text("空白单元格表示“保持原值”")  # the upsert warning
    page.screenshot(path=str(server.screenshot_path("import-06-big-checked")), full_page=True)

    with page.expect_navigation():
        page.click("#portal-import-commit")
    shot = catch_progress(page, server, "import-07-progress-write")
    if shot:
        caught.append(shot)
    wait_for_result(page)
    assert caught, "检查和写入 20,000 行时都没能看到进度条"
    expect(page.locator("#portal-import-done")).to_be_visible()
    expect(page.locator("#portal-import-done")).to_contain_text(re.compile(rf"新增 {BIG_NUMBER} 条"))
    assert count(page, "created") == BIG_ROWS
    clean(network, "导入 20,000 名会员")
    page.screenshot(path=str(server.screenshot_path("import-08-big-done")), full_page=True)

    # The history: both batches, newest first, each with an undo button.
    page.goto(import_url)
    batches = page.locator("#portal-import-batches tbody tr")
    expect(batches).to_have_count(2)
    expect(batches.nth(0)).to_contain_text("全体会员.xlsx")
    expect(batches.nth(0)).to_contain_text("新增或更新")
    expect(batches.nth(0)).to_contain_text(re.compile(BIG_NUMBER))
    expect(batches.nth(0)).to_contain_text("已导入")
    expect(batches.nth(1)).to_contain_text("三月新会员-已改正.xlsx")
    expect(batches.nth(1)).to_contain_text("只新增")
    expect(batches.nth(1)).to_contain_text(CLERK[0])
    expect(page.locator("#portal-import-batches button", has_text="撤销")).to_have_count(2)
    clean(network, "导入记录")
    page.screenshot(path=str(server.screenshot_path("import-09-batches")), full_page=True)
    assert network.bad_responses == [], network.bad_responses
    print(f"{server.database}: import scenario {time.monotonic() - started:.1f} s, "
          f"progress caught: {[(shot.percent, shot.phase) for shot in caught]}")

    # Last, the result page with the errors on a phone (390 px wide).
    phone_context = new_context(browser, network, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    try:
        phone = watch(phone_context.new_page(), network)
        log_in(phone, server, *CLERK)
        phone.goto(preview_url)
        expect(phone.locator("#portal-import-counts")).to_be_visible()
        expect(phone.locator("#portal-import-errors")).to_be_visible()
        phone.screenshot(path=str(server.screenshot_path("import-10-errors-phone")), full_page=True)
        clean(network, "手机上的导入结果页")
        # Nothing sticks out sideways: a wide table scrolls inside its own box, the page does not.
        widths = phone.evaluate("() => ({page: document.documentElement.scrollWidth,"
                                " screen: document.documentElement.clientWidth, wider: Array.from("
                                "document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right"
                                " > document.documentElement.clientWidth + 0.5 && !e.closest('.table-responsive'))"
                                ".slice(0, 5).map(e => e.outerHTML.slice(0, 120))})")
        assert widths["page"] <= widths["screen"], f"手机上导入结果页横向溢出：{widths}"
    finally:
        phone_context.close()
