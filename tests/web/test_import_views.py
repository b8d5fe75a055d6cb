"""The import screens under ``/<slug>/import/``: upload, background preview, errors, commit, undo.

Every test looks at what a clerk would see: the pages, the counts, the error table and the files
handed back, and the register's record count through the API afterwards.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
import xlsxwriter
from python_calamine import CalamineWorkbook

from portal.domain.idcard import make_id_card
from tests.conftest import login, make_app, upgrade_and_sync

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "Import-pass-2026"
TITLE = "2026 年第一机械厂会员名单"
#: The clerk's own headers: a title row above them, and 手机号码 (an alias of 手机号).
HEADER = ["姓名", "身份证号码", "所属工会", "手机号码"]
POLL_SECONDS = 20


def id_card(seq: int) -> str:
    return make_id_card("110105", date(1985, 3, 14), seq)


# --- reading pages -------------------------------------------------------------------------------

class Page(HTMLParser):
    """Text of every element with an id, and the cell texts of every table with an id."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id")
        if element_id:
            self.attrs[element_id] = dict(attrs)
            self.texts.setdefault(element_id, [])
        if tag == "table" and element_id:
            self._table = element_id
            self.tables[element_id] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table and self.tables[self._table]:
            self.tables[self._table][-1].append("")
        if tag not in self.VOID:
            self.stack.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack:
                open_tag, _ = self.stack.pop()
                if open_tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        for _, element_id in self.stack:
            if element_id:
                self.texts[element_id].append(data)
        if self._table and self.tables[self._table] and self.tables[self._table][-1]:
            self.tables[self._table][-1][-1] += data

    def has(self, element_id: str) -> bool:
        return element_id in self.attrs

    def text(self, element_id: str) -> str:
        assert element_id in self.texts, f"no element #{element_id} on the page"
        return re.sub(r"\s+", " ", "".join(self.texts[element_id])).strip()

    def rows(self, table_id: str) -> list[list[str]]:
        """The body rows of a table (header row left out), each cell's text squeezed."""
        assert table_id in self.tables, f"no table #{table_id} on the page"
        return [[re.sub(r"\s+", " ", cell).strip() for cell in row] for row in self.tables[table_id][1:]]


def page(response: Any) -> Page:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
    return Page(response.get_data(as_text=True))


# --- files and jobs ------------------------------------------------------------------------------

def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("会员")
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write_string(index, column, str(value))
    book.close()
    return buffer.getvalue()


def members_file(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    """A clerk's sheet: a title row, the header on row 2, data from row 3."""
    return xlsx_bytes([[TITLE], header, *rows])


def upload(client: Any, content: bytes, filename: str = "会员名单.xlsx", mode: str = "insert",
           slug: str = "members") -> str:
    """Upload a file and return the id of the preview job the upload redirects to."""
    response = client.post(f"/{slug}/import/", data={"file": (io.BytesIO(content), filename), "mode": mode},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(rf"/{slug}/import/job/([0-9a-f]{{32}})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def wait(client: Any, job_id: str, slug: str = "members") -> dict[str, Any]:
    """Poll the status URL until the job has finished; its last state."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = client.get(f"/{slug}/import/job/{job_id}/status")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        state = response.get_json()
        if state["status"] not in ("queued", "running"):
            return state
        assert time.monotonic() < deadline, f"job {job_id} still {state['status']} after {POLL_SECONDS} s: {state}"
        time.sleep(0.05)


def finished_page(client: Any, job_id: str, slug: str = "members") -> Page:
    state = wait(client, job_id, slug)
    assert state["status"] == "done", state
    return page(client.get(f"/{slug}/import/job/{job_id}"))


def finished_page_id(client: Any, content: bytes) -> str:
    """Upload a file and wait for its preview; the preview job's id."""
    job_id = upload(client, content)
    finished_page(client, job_id)
    return job_id


def commit(client: Any, job_id: str, partial: bool = False, slug: str = "members") -> str:
    """Press the commit button of a preview; the id of the commit job."""
    response = client.post(f"/{slug}/import/job/{job_id}/commit", data={"partial": "1"} if partial else {})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(rf"/{slug}/import/job/([0-9a-f]{{32}})$", response.headers["Location"])
    assert match and match.group(1) != job_id, response.headers["Location"]
    return match.group(1)


def counts(view: Page) -> dict[str, int]:
    return {name: int(view.text(f"count-{name}")) for name in ("created", "updated", "unchanged", "errors")}


def member_count(admin_client: Any) -> int:
    response = admin_client.get("/api/v1/members/")
    assert response.status_code == 200
    return response.get_json()["count"]


def batch_row(view: Page, batch_id: int) -> list[str]:
    found = [row for row in view.rows("portal-import-batches") if row and row[0] == f"#{batch_id}"]
    assert len(found) == 1, view.rows("portal-import-batches")
    return found[0]


def batch_of(view: Page) -> int:
    match = re.search(r"批次 #(\d+)", view.text("portal-import-done"))
    assert match, view.text("portal-import-done")
    return int(match.group(1))


def jobs_and_batches(app: Any) -> tuple[int, int]:
    from portal.extensions import db
    from portal.records.batches import ImportBatch
    from portal.io.job_table import Job

    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Job)) or 0,
                db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) or 0)


def user_client(app: Any, role: str, org: str | None = "A") -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def running_job(app: Any, username: str = "admin") -> str:
    from portal.extensions import db
    from portal.io.job_table import Job
    from portal.security.audit import now_utc

    job_id = uuid.uuid4().hex
    with app.app_context():
        db.session.add(Job(id=job_id, kind="import_preview", register="members", username=username,
                           status="running", created_at=now_utc(),
                           params='{"file_name": "会员名单.xlsx", "stored_name": "upload.xlsx", "mode": "insert"}'))
        db.session.commit()
    return job_id


GOOD = [["张伟", id_card(11), "A01", "13812345678"], ["李娜", id_card(12), "A", "13912345678"]]


# --- admin: link, form, template -----------------------------------------------------------------

def test_list_page_links_to_the_import_screen(admin_client: Any) -> None:
    listing = page(admin_client.get("/members/list/"))
    assert listing.has("portal-import-link")
    assert listing.attrs["portal-import-link"]["href"] == "/members/import/"
    assert listing.text("portal-import-link") == "导入"


def test_import_page_shows_the_upload_form_and_the_template_button(admin_client: Any) -> None:
    response = admin_client.get("/members/import/")
    assert "<h2>导入会员</h2>" in response.get_data(as_text=True)
    view = page(response)
    for element in ("portal-import-form", "portal-import-file", "portal-import-submit", "portal-import-template"):
        assert view.has(element), element
    assert view.attrs["portal-import-form"]["enctype"] == "multipart/form-data"
    assert view.attrs["portal-import-template"]["href"] == "/members/import/template"
    assert "不超过 50 MB" in view.text("portal-import-form")


def test_template_download_is_an_xlsx_with_the_required_headers(admin_client: Any) -> None:
    response = admin_client.get("/members/import/template")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(XLSX)
    assert "attachment" in response.headers["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.data))
    first = book.get_sheet_by_index(0).to_python()
    assert "姓名*" in first[0] and "身份证号*" in first[0]


# --- admin: upload, preview, commit, undo --------------------------------------------------------

def test_preview_with_a_bad_row_then_partial_commit_and_undo(app: Any, admin_client: Any,
                                                             org_tree: dict[str, int]) -> None:
    before = member_count(admin_client)
    rows = [GOOD[0], ["王芳", id_card(13), "A01", "12345"], GOOD[1]]  # the bad phone is on row 4 of the file
    job_id = upload(admin_client, members_file(rows))

    preview = finished_page(admin_client, job_id)
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 1}
    errors = preview.rows("portal-import-errors")
    assert len(errors) == 1
    assert errors[0][0] == "第 4 行"
    assert errors[0][1] == "手机号码"  # the header as the clerk wrote it
    assert "12345" in errors[0][2]
    assert not preview.has("portal-import-commit")
    assert preview.has("portal-import-commit-partial")
    assert member_count(admin_client) == before  # a preview writes nothing

    download = admin_client.get(preview.attrs["portal-import-error-file"]["href"])
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith(XLSX)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(download.data)).get_sheet_by_index(0).to_python()
    header = sheet[1]
    assert "错误说明" in header
    explained = header.index("错误说明")
    assert sheet[0][0] == TITLE and sheet[3][0] == "王芳"
    assert "手机号码" in sheet[3][explained] and "12345" in sheet[3][explained]
    assert not sheet[2][explained] and not sheet[4][explained]

    done = finished_page(admin_client, commit(admin_client, job_id, partial=True))
    assert "已导入" in done.text("portal-import-done")
    assert counts(done)["created"] == 2
    assert not done.has("portal-import-commit") and not done.has("portal-import-commit-partial")
    assert member_count(admin_client) == before + 2
    batch = batch_of(done)

    listed = batch_row(page(admin_client.get("/members/import/")), batch)
    assert "会员名单.xlsx" in listed and "已导入" in " ".join(listed)

    undone = admin_client.post(f"/members/import/batch/{batch}/undo")
    assert undone.status_code == 302
    assert member_count(admin_client) == before
    after = admin_client.get("/members/import/")
    assert f"已撤销批次 #{batch}" in after.get_data(as_text=True)
    assert "已撤销" in " ".join(batch_row(page(after), batch))


def test_an_all_good_file_commits_everything_without_partial(admin_client: Any, org_tree: dict[str, int]) -> None:
    before = member_count(admin_client)
    job_id = upload(admin_client, members_file(GOOD))
    preview = finished_page(admin_client, job_id)
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert preview.has("portal-import-commit") and not preview.has("portal-import-commit-partial")
    assert not preview.has("portal-import-errors") and not preview.has("portal-import-error-file")

    done = finished_page(admin_client, commit(admin_client, job_id))
    assert "已导入" in done.text("portal-import-done")
    assert member_count(admin_client) == before + 2
    names = {row["name"] for row in admin_client.get("/api/v1/members/").get_json()["result"]}
    assert {"张伟", "李娜"} <= names


def test_a_file_with_errors_is_not_written_without_partial(admin_client: Any, org_tree: dict[str, int]) -> None:
    job_id = upload(admin_client, members_file([GOOD[0], ["王芳", id_card(13), "A01", "12345"]]))
    finished_page(admin_client, job_id)
    done = finished_page(admin_client, commit(admin_client, job_id))
    assert not done.has("portal-import-done")
    assert counts(done)["errors"] == 1
    assert member_count(admin_client) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused(app: Any, admin_client: Any,
                                                     org_tree: dict[str, int]) -> None:
    batches = jobs_and_batches(app)[1]
    content = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02\x03endobj\n"
    view = finished_page(admin_client, upload(admin_client, content, "会员名单.pdf"))
    assert "无法读取文件" in view.text("portal-import-unreadable")
    assert ".pdf" in view.text("portal-import-unreadable")
    assert not view.has("portal-import-commit") and not view.has("portal-import-commit-partial")
    assert member_count(admin_client) == 0
    assert jobs_and_batches(app)[1] == batches


def test_a_missing_required_column_is_shown_and_cannot_be_committed(admin_client: Any,
                                                                    org_tree: dict[str, int]) -> None:
    rows = [[name, card, phone] for name, card, _, phone in GOOD]
    view = finished_page(admin_client, upload(admin_client, members_file(rows, ["姓名", "身份证号码", "手机号码"])))
    text = " ".join(" ".join(row) for row in view.rows("portal-import-errors"))
    assert "缺少必填列" in text and "所属工会" in text
    assert not view.has("portal-import-commit") and not view.has("portal-import-commit-partial")
    assert member_count(admin_client) == 0


def test_upsert_updates_changed_rows_and_undo_restores_them(admin_client: Any, org_tree: dict[str, int]) -> None:
    for name, card, org, phone in GOOD:
        created = admin_client.post("/api/v1/members/", json={"name": name, "id_card": card, "org_unit": org,
                                                              "phone": phone})
        assert created.status_code == 201, created.get_json()
    rows = [[GOOD[0][0], GOOD[0][1], GOOD[0][2], "13700001111"], GOOD[1], ["王芳", id_card(13), "A01", ""]]
    job_id = upload(admin_client, members_file(rows), mode="upsert")
    preview = finished_page(admin_client, job_id)
    assert counts(preview) == {"created": 1, "updated": 1, "unchanged": 1, "errors": 0}

    done = finished_page(admin_client, commit(admin_client, job_id))
    assert "已导入" in done.text("portal-import-done")
    phones = {row["name"]: row["phone"] for row in admin_client.get("/api/v1/members/").get_json()["result"]}
    assert phones == {"张伟": "13700001111", "李娜": "13912345678", "王芳": None}

    batch = batch_of(done)
    listed = " ".join(batch_row(page(admin_client.get("/members/import/")), batch))
    assert "新增或更新" in listed
    assert admin_client.post(f"/members/import/batch/{batch}/undo").status_code == 302
    phones = {row["name"]: row["phone"] for row in admin_client.get("/api/v1/members/").get_json()["result"]}
    assert phones == {"张伟": "13812345678", "李娜": "13912345678"}


def test_undo_is_refused_once_an_imported_record_was_changed(admin_client: Any, org_tree: dict[str, int]) -> None:
    done = finished_page(admin_client, commit(admin_client, finished_page_id(admin_client, members_file(GOOD))))
    batch = batch_of(done)
    member = admin_client.get("/api/v1/members/").get_json()["result"][0]
    assert admin_client.put(f"/api/v1/members/{member['id']}", json={"phone": "13600002222"}).status_code == 200

    refused = admin_client.post(f"/members/import/batch/{batch}/undo", follow_redirects=True)
    assert refused.status_code == 200
    assert "不能撤销" in refused.get_data(as_text=True)
    assert member_count(admin_client) == 2
    assert "已导入" in " ".join(batch_row(page(refused), batch))

    for row in admin_client.get("/api/v1/members/").get_json()["result"]:
        assert admin_client.delete(f"/api/v1/members/{row['id']}").status_code == 200
    again = admin_client.post(f"/members/import/batch/{batch}/undo", follow_redirects=True)
    assert again.status_code == 200 and "不能撤销" in again.get_data(as_text=True)


def test_new_org_units_may_name_a_parent_from_the_same_file(admin_client: Any, org_tree: dict[str, int]) -> None:
    rows = [["C", "第三纺织厂工会", "基层工会", "HQ"], ["C01", "织布车间分工会", "分工会", "C"]]
    content = xlsx_bytes([["组织编码", "组织名称", "组织类型", "上级组织"], *rows])
    job_id = upload(admin_client, content, "组织.xlsx", slug="org_units")
    preview = finished_page(admin_client, job_id, slug="org_units")
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    done = finished_page(admin_client, commit(admin_client, job_id, slug="org_units"), slug="org_units")
    assert "已导入" in done.text("portal-import-done")
    units = {row["code"]: row for row in admin_client.get("/api/v1/org_units/?q=(page_size:100)").get_json()["result"]}
    assert len(units) == len(org_tree) + 2
    assert units["C01"]["parent"]["key"] == "C"
    assert units["C"]["parent"]["key"] == "HQ"


def test_committing_the_same_preview_twice_writes_once(admin_client: Any, org_tree: dict[str, int]) -> None:
    job_id = finished_page_id(admin_client, members_file(GOOD))
    finished_page(admin_client, commit(admin_client, job_id))
    second = finished_page(admin_client, commit(admin_client, job_id))
    assert counts(second)["errors"] == 2
    assert not second.has("portal-import-done")
    assert "已存在" in " ".join(" ".join(row) for row in second.rows("portal-import-errors"))
    assert member_count(admin_client) == 2


def test_commit_needs_a_finished_preview(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    assert admin_client.post(f"/members/import/job/{running_job(app)}/commit").status_code == 400
    job_id = finished_page_id(admin_client, members_file(GOOD))
    commit_job = commit(admin_client, job_id)
    wait(admin_client, commit_job)
    assert admin_client.post(f"/members/import/job/{commit_job}/commit").status_code == 400
    assert admin_client.post(f"/activists/import/job/{job_id}/commit").status_code == 404
    assert member_count(admin_client) == 2


def test_a_csv_file_is_imported_too(admin_client: Any, org_tree: dict[str, int]) -> None:
    text = "\n".join(",".join(row) for row in [HEADER, *GOOD]) + "\n"
    job_id = upload(admin_client, text.encode("utf-8-sig"), "会员名单.csv")
    preview = finished_page(admin_client, job_id)
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    finished_page(admin_client, commit(admin_client, job_id))
    assert member_count(admin_client) == 2


def test_an_upload_without_a_file_or_with_an_unknown_mode(app: Any, admin_client: Any) -> None:
    jobs = jobs_and_batches(app)[0]
    empty = admin_client.post("/members/import/", data={"mode": "insert"}, content_type="multipart/form-data",
                              follow_redirects=True)
    assert empty.status_code == 200 and "请选择要导入的文件" in empty.get_data(as_text=True)
    odd = admin_client.post("/members/import/", data={"file": (io.BytesIO(members_file(GOOD)), "会员名单.xlsx"),
                                                      "mode": "replace"}, content_type="multipart/form-data")
    assert odd.status_code == 400
    assert "请求有误" in odd.get_data(as_text=True)
    assert jobs_and_batches(app)[0] == jobs


def test_unknown_job_ids_are_not_found(admin_client: Any) -> None:
    for job_id in (uuid.uuid4().hex, "x" * 80, "..%2F..%2Fetc"):
        for suffix in ("", "/status", "/errors"):
            assert admin_client.get(f"/members/import/job/{job_id}{suffix}").status_code == 404, (job_id, suffix)
    assert admin_client.post("/members/import/batch/987654321/undo").status_code == 404


# --- permissions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_roles_without_import_are_refused(app: Any, admin_client: Any, org_tree: dict[str, int], role: str) -> None:
    client = user_client(app, role)
    jobs = jobs_and_batches(app)[0]
    assert client.get("/members/import/").status_code == 403
    assert client.get("/members/import/template").status_code == 403
    posted = client.post("/members/import/", data={"file": (io.BytesIO(members_file(GOOD)), "会员名单.xlsx")},
                         content_type="multipart/form-data")
    assert posted.status_code == 403
    assert "没有权限" in posted.get_data(as_text=True)
    assert jobs_and_batches(app)[0] == jobs
    listing = page(client.get("/members/list/"))
    assert not listing.has("portal-import-link")
    assert member_count(admin_client) == 0


def test_a_clerk_imports_into_their_own_subtree_only(app: Any, admin_client: Any,
                                                     org_tree: dict[str, int]) -> None:
    clerk = user_client(app, "clerk", "A")
    assert page(clerk.get("/members/list/")).has("portal-import-link")
    rows = [["张伟", id_card(21), "A", "13812345678"], ["李娜", id_card(22), "A01", "13912345678"],
            ["赵强", id_card(23), "B", "13712345678"]]
    job_id = upload(clerk, members_file(rows))
    preview = finished_page(clerk, job_id)
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 1}
    errors = preview.rows("portal-import-errors")
    assert len(errors) == 1 and errors[0][:2] == ["第 5 行", "所属工会"]
    assert "“B”" in errors[0][2]
    assert clerk.get(f"/members/import/job/{job_id}/errors").status_code == 200

    for other in (user_client(app, "clerk", "A"), user_client(app, "clerk", "B"), admin_client):
        for url in (f"/members/import/job/{job_id}", f"/members/import/job/{job_id}/status",
                    f"/members/import/job/{job_id}/errors"):
            assert other.get(url).status_code == 404, url
        assert other.post(f"/members/import/job/{job_id}/commit", data={"partial": "1"}).status_code == 404

    done = finished_page(clerk, commit(clerk, job_id, partial=True))
    assert "已导入" in done.text("portal-import-done")
    stored = admin_client.get("/api/v1/members/?q=(page_size:100)").get_json()
    assert stored["count"] == 2
    assert {row["name"] for row in stored["result"]} == {"张伟", "李娜"}
    batch = batch_of(done)
    assert "已导入" in " ".join(batch_row(page(clerk.get("/members/import/")), batch))
    assert clerk.get("/members/import/template").status_code == 200

    clerk_b = user_client(app, "clerk", "B")
    theirs = page(clerk_b.get("/members/import/"))
    assert not theirs.has("portal-import-batches") or all(
        row[0] != f"#{batch}" for row in theirs.rows("portal-import-batches"))
    assert clerk_b.post(f"/members/import/batch/{batch}/undo").status_code == 404
    assert user_client(app, "viewer", "A").post(f"/members/import/batch/{batch}/undo").status_code == 403
    assert member_count(admin_client) == 2
    assert clerk.post(f"/members/import/batch/{batch}/undo").status_code == 302
    assert member_count(admin_client) == 0


# --- upload size ---------------------------------------------------------------------------------

@pytest.fixture()
def small_limit_app(tmp_path: Path) -> Iterator[Any]:
    """An app on its own SQLite database that accepts uploads up to 1 MB."""
    from portal.extensions import db

    application = make_app(f"sqlite:///{tmp_path / 'small.db'}", tmp_path / "instance", PORTAL_UPLOAD_MAX_MB=1)
    upgrade_and_sync(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_upload_over_the_limit_is_refused_in_chinese(small_limit_app: Any) -> None:
    client = small_limit_app.test_client()
    assert login(client).status_code == 302
    assert "不超过 1 MB" in client.get("/members/import/").get_data(as_text=True)

    too_big = client.post("/members/import/", data={"file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.csv")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 413
    assert "文件太大" in too_big.get_data(as_text=True)

    over = client.post("/members/import/", data={"file": (io.BytesIO(b"x" * (1536 * 1024)), "名单.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert over.status_code == 200
    assert "超过了上传上限 1 MB" in over.get_data(as_text=True)

    assert jobs_and_batches(small_limit_app) == (0, 0)
    assert not any((Path(small_limit_app.instance_path) / "jobs").glob("*/upload*"))
    assert client.get("/api/v1/members/").get_json()["count"] == 0


# --- progress of a running job -------------------------------------------------------------------

def test_status_of_a_running_job_has_phase_percent_and_eta(app: Any, admin_client: Any) -> None:
    from portal.io.jobs import progress_store

    job_id = running_job(app)
    now = time.time()
    progress_store(app).put(job_id, {"phase": "validate", "done": 50, "total": 200, "phase_started": now - 10,
                                     "at": now})
    state = admin_client.get(f"/members/import/job/{job_id}/status").get_json()
    assert state["status"] == "running"
    assert state["phase"] == "validate"
    assert (state["done"], state["total"], state["percent"]) == (50, 200, 25)
    assert 25 <= state["eta"] <= 35
    view = page(admin_client.get(f"/members/import/job/{job_id}"))
    assert view.attrs["portal-job"]["data-status-url"] == f"/members/import/job/{job_id}/status"
    assert view.has("portal-job-bar")


def test_a_running_job_without_recent_progress_shows_as_interrupted(app: Any, admin_client: Any) -> None:
    from portal.io.jobs import STALE_SECONDS, progress_store

    job_id = running_job(app)
    then = time.time() - STALE_SECONDS - 30
    progress_store(app).put(job_id, {"phase": "write", "done": 10, "total": 100, "phase_started": then, "at": then})
    state = admin_client.get(f"/members/import/job/{job_id}/status").get_json()
    assert state["status"] == "failed"
    assert "任务中断" in state["error"]
    view = page(admin_client.get(f"/members/import/job/{job_id}"))
    assert "任务中断" in view.text("portal-job-failed")
    assert not view.has("portal-job")


def test_jobs_of_other_registers_are_not_found_here(app: Any, admin_client: Any) -> None:
    job_id = running_job(app)
    assert admin_client.get(f"/activists/import/job/{job_id}/status").status_code == 404
    assert admin_client.get(f"/members/import/job/{uuid.uuid4().hex}").status_code == 404


# --- hostile files and dead workers --------------------------------------------------------------

def test_a_sheet_reaching_xfd1048576_is_refused_naming_the_far_cell(app: Any, admin_client: Any,
                                                                     tmp_path: Path) -> None:
    from tests.io.test_sheet_limits import cell, hostile_xlsx

    path = hostile_xlsx(tmp_path / "tiny.xlsx", f'<row r="1">{cell("A1", "姓名")}</row>'
                        f'<row r="1048576">{cell("XFD1048576")}</row>', dimension="A1:XFD1048576")
    view = finished_page(admin_client, upload(admin_client, path.read_bytes(), "会员名单.xlsx"))
    message = view.text("portal-import-unreadable")
    assert "工作表“名单”的使用范围过大，无法读取" in message
    assert "延伸到了 XFD1048576 单元格" in message
    assert not view.has("portal-import-commit")


def test_a_job_whose_worker_died_names_the_file_on_the_screen_and_in_the_status(app: Any,
                                                                               admin_client: Any) -> None:
    from portal.extensions import db
    from portal.io.jobs import STALE_SECONDS
    from portal.io.job_table import Job

    job_id = running_job(app)
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.created_at -= timedelta(seconds=STALE_SECONDS + 60)
        db.session.commit()
    state = admin_client.get(f"/members/import/job/{job_id}/status").get_json()
    assert state["status"] == "failed"
    assert state["error"].startswith("处理文件“会员名单.xlsx”时任务中断了")
    view = page(admin_client.get(f"/members/import/job/{job_id}"))
    assert "会员名单.xlsx" in view.text("portal-job-failed")
    with app.app_context():
        assert db.session.get(Job, job_id).status == "failed"


def test_committing_a_preview_whose_upload_was_purged_asks_for_a_new_upload(app: Any, admin_client: Any,
                                                                           org_tree: dict[str, int]) -> None:
    from portal.io.jobs import job_folder

    job_id = finished_page_id(admin_client, members_file(GOOD))
    for path in job_folder(app, job_id).glob("upload*"):
        path.unlink()
    before = jobs_and_batches(app)
    response = admin_client.post(f"/members/import/job/{job_id}/commit", follow_redirects=True)
    assert "上传的文件“会员名单.xlsx”已超过保留期限（7 天）被删除，请重新上传后再导入。" in response.get_data(as_text=True)
    assert jobs_and_batches(app) == before
    assert member_count(admin_client) == 0


def test_a_file_without_the_union_column_takes_the_unit_offered_on_the_page(app: Any, org_tree: dict[str, int]) -> None:
    clerk = user_client(app, "clerk", "A01")
    form = page(clerk.get("/members/import/"))
    assert form.attrs["portal-import-org"]["value"] == "机加工车间分工会 (A01)"  # the clerk's own unit by default
    content = xlsx_bytes([["姓名", "身份证号"], ["赵六", id_card(31)], ["钱七", id_card(32)]])
    response = clerk.post("/members/import/", data={"file": (io.BytesIO(content), "无工会列.xlsx"), "mode": "insert",
                                                    "org_unit": "车工一组"}, content_type="multipart/form-data")
    job_id = re.search(r"/members/import/job/([0-9a-f]{32})$", response.headers["Location"]).group(1)
    preview = finished_page(clerk, job_id)
    assert counts(preview) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert "全部 2 行记入“车工一组”" in clerk.get(f"/members/import/job/{job_id}").get_data(as_text=True)
    finished_page(clerk, commit(clerk, job_id))
    units = {row["name"]: row["org_unit"]["key"] for row in clerk.get("/api/v1/members/").get_json()["result"]}
    assert units["赵六"] == units["钱七"] == "A01-1"
