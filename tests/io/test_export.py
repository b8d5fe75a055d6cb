"""Exports end to end, on both databases: the list page's selection, the API, the CLI, and the audit trail.

Members are seeded through the REST API as admin. Every export is read back (python_calamine for
.xlsx, ``csv`` for .csv) and compared with what the list page shows for the same arguments: the same
rows, in the same order, masked for the same reader.

The seeded roll (org tree of ``tests/conftest.py``: HQ → A, B; A → A01 → A01-1):

    张伟  A01    在籍      赵磊  A01    退会      张敏  A01-1  在籍
    王芳  A      在籍      李娜  B      在籍      刘洋  B      保留会籍
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import uuid
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from python_calamine import CalamineWorkbook

from portal.domain.idcard import make_id_card
from portal.extensions import db
from portal.io.commands import export_command
from portal.io.plan import ImportContext, ImportOptions
from portal.io.xlsx_import import run_import
from portal.security.access import SYSTEM_ACCESS
from portal.security.audit import AuditEntry, acting_as
from tests.conftest import create_as_system, login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "Export-pass-2026"
POLL_SECONDS = 30
#: FAB's filter arguments of the members list (see the filter form): relation "关联" is operator 0,
#: text "等于" is operator 3.
ORG_FILTER = "_flt_0_org_unit"
STATUS_EQUALS = "_flt_0_status"  # 等于: a choice has no text patterns, so 等于 comes first
SORT = "_oc_MembersView"
SORT_DIRECTION = "_od_MembersView"


def id_card(seq: int, birth: date = date(1985, 3, 14)) -> str:
    return make_id_card("110105", birth, seq)


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


#: name -> (org code, status, extra fields)
ROLL: dict[str, tuple[str, str, dict[str, Any]]] = {
    "张伟": ("A01", "在籍", {"phone": "13812345678", "monthly_wage": "5234.56", "joined_on": "2015-03-01",
                           "education": "大学本科", "email": "zhangwei@example.cn", "is_migrant_worker": False,
                           "employer": "第一机械厂"}),
    "赵磊": ("A01", "退会", {"joined_on": "2012-07-15", "status_changed_on": "2024-06-30",
                           "status_reason": "调离本单位", "monthly_wage": "3000"}),
    "张敏": ("A01-1", "在籍", {"joined_on": "2018-09-10", "phone": "13912345678", "is_migrant_worker": True,
                             "political_status": "中共党员"}),
    "王芳": ("A", "在籍", {"joined_on": "2020-01-02", "employment_status": "在岗", "hukou_type": "农业"}),
    "李娜": ("B", "在籍", {"joined_on": "2011-11-11", "monthly_wage": "8888.88"}),
    "刘洋": ("B", "保留会籍", {"joined_on": "2009-05-20", "notes": "退休，保留会籍"}),
}
IDS = {name: id_card(11 + index) for index, name in enumerate(ROLL)}
A_SUBTREE = {"张伟", "赵磊", "张敏", "王芳"}
ACTIVE = {"张伟", "张敏", "王芳", "李娜"}


def seed(client: Any, names: list[str] | None = None) -> dict[str, int]:
    ids = {}
    for name in names or list(ROLL):
        org, status, extra = ROLL[name]
        row = {"name": name, "id_card": IDS[name], "org_unit": org, "status": status, **extra}
        if status != "在籍" or "status_changed_on" in extra:  # a member with a history: as old data is loaded
            ids[name] = create_as_system(client.application, "members", row)
            continue
        response = client.post("/api/v1/members/", json=row)
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    return ids


@pytest.fixture()
def roll(admin_client: Any, org_tree: dict[str, int]) -> dict[str, int]:
    return seed(admin_client)


def user_client(app: Any, role: str, org: str | None = "A") -> tuple[str, Any]:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return name, client


# -- reading what came back -------------------------------------------------------------------------

class ListTable(HTMLParser):
    """The record rows of a FAB list page (the table inside ``.table-responsive``), as cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.ids: set[str] = set()
        self._depth = 0  # > 0 inside div.table-responsive
        self._head = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "div" and self._depth:
            self._depth += 1
        elif tag == "div" and "table-responsive" in (values.get("class") or "").split():
            self._depth = 1
        elif self._depth and tag == "thead":
            self._head = True
        elif self._depth and not self._head and tag == "tr":
            self.rows.append([])
        elif self._depth and not self._head and tag == "td" and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1
        elif tag == "thead":
            self._head = False

    def handle_data(self, data: str) -> None:
        if self._depth and not self._head and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data

    def names(self) -> list[str]:
        """The 姓名 column (the first cell holds the row's action buttons)."""
        return [re.sub(r"\s+", " ", row[1]).strip() for row in self.rows if len(row) > 1]


def list_page(client: Any, query: str = "") -> ListTable:
    response = client.get(f"/members/list/?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return ListTable(response.get_data(as_text=True))


def xlsx_rows(data: bytes) -> list[list[Any]]:
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
        return book.get_sheet_by_index(0).to_python()


def csv_rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def records(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def names_of(rows: list[list[Any]]) -> list[str]:
    assert rows[0][0] == "姓名", rows[0]
    return [row[0] for row in rows[1:]]


def export(client: Any, query: str = "", fmt: str = "xlsx") -> Any:
    response = client.get(f"/members/export/?fmt={fmt}" + (f"&{query}" if query else ""))
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def exported_names(client: Any, query: str = "", fmt: str = "xlsx") -> list[str]:
    data = export(client, query, fmt).data
    return names_of(xlsx_rows(data) if fmt == "xlsx" else csv_rows(data))


def export_entries(app: Any) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")
                                          .order_by(AuditEntry.id)))
        db.session.expunge_all()
        return entries


def rows_in_detail(entry: AuditEntry) -> int:
    match = re.search(r"导出 (\d+) 行", entry.detail or "")
    assert match, entry.detail
    return int(match.group(1))


# -- the list page's selection --------------------------------------------------------------------

def selections(org_tree: dict[str, int]) -> list[tuple[str, set[str]]]:
    a01 = org_tree["A01"]
    return [
        ("", set(ROLL)),
        (f"{ORG_FILTER}={a01}", {"张伟", "赵磊"}),
        (f"{STATUS_EQUALS}={quote('在籍')}", ACTIVE),
        (f"{ORG_FILTER}={a01}&{STATUS_EQUALS}={quote('在籍')}", {"张伟"}),
        (f"q={quote('张')}", {"张伟", "张敏"}),
        (f"q={quote('张')}&{ORG_FILTER}={a01}", {"张伟"}),
        (f"q={IDS['李娜']}", {"李娜"}),
        (f"{ORG_FILTER}={org_tree['B']}&{SORT}=joined_on&{SORT_DIRECTION}=desc", {"李娜", "刘洋"}),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_is_exactly_the_lists_selection(admin_client: Any, org_tree: dict[str, int],
                                                   roll: dict[str, int], fmt: str) -> None:
    for query, expected in selections(org_tree):
        shown = list_page(admin_client, query).names()
        assert set(shown) == expected, (query, shown)
        assert exported_names(admin_client, query, fmt) == shown, query


def test_the_export_follows_the_lists_sort_order(admin_client: Any, org_tree: dict[str, int],
                                                 roll: dict[str, int]) -> None:
    by_joined = sorted(ROLL, key=lambda name: ROLL[name][2]["joined_on"])
    for direction, expected in (("asc", by_joined), ("desc", by_joined[::-1])):
        query = f"{SORT}=joined_on&{SORT_DIRECTION}={direction}"
        assert list_page(admin_client, query).names() == expected
        assert exported_names(admin_client, query) == expected


def test_the_list_shows_its_filter_and_the_export_buttons_carry_it(admin_client: Any, org_tree: dict[str, int],
                                                                   roll: dict[str, int]) -> None:
    query = f"{ORG_FILTER}={org_tree['A01']}&q={quote('张')}"
    html = admin_client.get(f"/members/list/?{query}").get_data(as_text=True)
    assert '"active": [{"arg": "rel_o_m", "index": 0, "name": "org_unit", "text": ' in html  # 关联 A01, as applied
    table = ListTable(html)
    assert {"portal-export-xlsx", "portal-export-csv", "portal-export-xlsx-all", "portal-export-csv-gb"} <= table.ids
    hrefs = {key: unescape(href) for key, href in re.findall(r'id="(portal-export-[a-z-]+)" href="([^"]+)"', html)}
    for key, tail in (("portal-export-xlsx", "fmt=xlsx"), ("portal-export-csv", "fmt=csv"),
                      ("portal-export-xlsx-all", "fmt=xlsx&cols=all"),
                      ("portal-export-csv-gb", "fmt=csv&encoding=gb18030")):
        href = hrefs[key]
        assert urlsplit(href).path == "/members/export/"
        assert f"{ORG_FILTER}={org_tree['A01']}&" in href and f"q={quote('张')}&" in href and href.endswith(tail), href
        # The button downloads what the list shows.
        data = admin_client.get(href).data
        rows = xlsx_rows(data) if "xlsx" in tail else csv_rows(data, "gb18030" if "gb18030" in tail else "utf-8-sig")
        assert names_of(rows) == ["张伟"], key


def test_xlsx_export_has_typed_cells_and_the_schemas_columns(admin_client: Any, roll: dict[str, int]) -> None:
    response = export(admin_client, f"q={quote('张伟')}")
    assert response.mimetype == XLSX
    assert "filename*=UTF-8''%E4%BC%9A%E5%91%98-" in response.headers["Content-Disposition"]  # 会员-…xlsx
    rows = xlsx_rows(response.data)
    assert rows[0][:4] == ["姓名", "身份证号", "性别", "出生日期"]
    row = records(rows)[0]
    assert row["身份证号"] == IDS["张伟"] and row["手机号"] == "13812345678"
    assert row["出生日期"] == date(1985, 3, 14) and row["入会时间"] == date(2015, 3, 1)
    assert row["月工资收入"] == pytest.approx(5234.56) and row["会费基数"] == pytest.approx(5230.0)
    assert row["月应交会费"] == pytest.approx(26.15)
    assert row["所属工会"] == "机加工车间分工会 (A01)"
    assert row["学历"] == "大学本科" and row["是否农民工"] == "否" and row["会籍状态"] == "在籍"
    assert "年龄" not in rows[0]

    everything = xlsx_rows(export(admin_client, f"q={quote('张伟')}&cols=all").data)
    assert "年龄" in everything[0] and len(everything[0]) > len(rows[0])


def test_csv_export_is_utf8_with_a_bom_or_gb18030(admin_client: Any, roll: dict[str, int]) -> None:
    response = export(admin_client, f"q={quote('张伟')}", "csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    row = records(csv_rows(response.data))[0]
    assert row["月工资收入"] == "5234.56" and row["会费基数"] == "5230.00" and row["入会时间"] == "2015-03-01"
    assert row["身份证号"] == IDS["张伟"]

    gb = export(admin_client, f"q={quote('张伟')}&encoding=gb18030", "csv")
    assert not gb.data.startswith(b"\xef\xbb\xbf")
    assert records(csv_rows(gb.data, "gb18030"))[0]["姓名"] == "张伟"


def test_the_csv_content_type_names_its_charset_once(admin_client: Any, roll: dict[str, int]) -> None:
    response = export(admin_client, "", "csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"].lower().count("charset=") == 1, response.headers["Content-Type"]


def test_a_gb18030_csv_is_not_declared_utf8(admin_client: Any, roll: dict[str, int]) -> None:
    response = export(admin_client, "encoding=gb18030", "csv")
    assert response.mimetype == "text/csv"
    content_type = response.headers["Content-Type"].lower()
    assert "utf-8" not in content_type and "charset=gb18030" in content_type, response.headers["Content-Type"]


def test_a_bad_format_goes_back_to_the_list_with_a_chinese_message(admin_client: Any, roll: dict[str, int]) -> None:
    before = len(export_entries(admin_client.application))
    response = admin_client.get("/members/export/?fmt=pdf")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/members/list/"
    shown = admin_client.get("/members/list/").get_data(as_text=True)
    assert "不支持的导出格式“pdf”" in shown
    response = admin_client.get("/members/export/?fmt=csv&encoding=latin-1")
    assert response.status_code == 302
    assert "不支持的编码“latin-1”" in admin_client.get("/members/list/").get_data(as_text=True)
    assert len(export_entries(admin_client.application)) == before


# -- the audit trail ------------------------------------------------------------------------------

def test_every_export_is_audited_with_rows_filters_and_checksum(app: Any, admin_client: Any,
                                                                org_tree: dict[str, int], roll: dict[str, int]) -> None:
    before = len(export_entries(app))
    query = f"{STATUS_EQUALS}={quote('在籍')}"
    first = export(admin_client, query)
    second = export(admin_client, f"q={quote('张')}", "csv")
    entries = export_entries(app)[before:]
    assert len(entries) == 2
    for entry, response, rows in ((entries[0], first, 4), (entries[1], second, 2)):
        assert entry.action == "export" and entry.register == "members" and entry.username == "admin"
        assert rows_in_detail(entry) == rows
        assert f"SHA-256 {hashlib.sha256(response.data).hexdigest()}" in (entry.detail or "")
    assert entries[0].record_key == "xlsx" and "_flt_0_status=在籍" in (entries[0].detail or "")
    assert entries[1].record_key == "csv" and "q=张" in (entries[1].detail or "")

    # The audit screen shows the entry to the admin.
    listing = admin_client.get("/audit/list/").get_data(as_text=True)
    assert "导出 2 行" in listing


# -- round trip -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_exported_file_imports_back_unchanged(app: Any, admin_client: Any, roll: dict[str, int],
                                                 tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"会员.{fmt}"
    path.write_bytes(export(admin_client, "", fmt).data)
    with app.app_context():
        state = app.extensions["portal"]
        ctx = ImportContext(state.registry.get("members"), state.registry, state.models, db.session, SYSTEM_ACCESS)
        with acting_as("admin"):
            report = run_import(ctx, path, path.name, ImportOptions(mode="upsert"), dry_run=True)
    assert report.problems == [], report.problems
    assert [error.as_json() for error in report.errors] == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (len(ROLL), 0, 0, len(ROLL))
    assert report.committed is False


# -- who may export what --------------------------------------------------------------------------

def test_a_viewer_cannot_export(app: Any, admin_client: Any, roll: dict[str, int]) -> None:
    _, viewer = user_client(app, "viewer", "A")
    before = len(export_entries(app))
    listing = list_page(viewer, "")
    assert set(listing.names()) == A_SUBTREE
    assert not {"portal-export", "portal-export-xlsx", "portal-export-csv"} & listing.ids
    response = viewer.get("/members/export/?fmt=xlsx")
    assert response.status_code == 403
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert response.mimetype == "text/html" and "没有权限" in response.get_data(as_text=True)
    assert viewer.get("/members/export/?fmt=csv").status_code == 403
    assert len(export_entries(app)) == before


def test_a_clerk_exports_only_their_subtree_in_clear(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                     roll: dict[str, int]) -> None:
    clerk_name, clerk = user_client(app, "clerk", "A")
    listing = list_page(clerk, "")
    assert {"portal-export-xlsx", "portal-export-csv-gb"} <= listing.ids
    rows = xlsx_rows(export(clerk, "").data)
    assert names_of(rows) == listing.names()
    assert set(names_of(rows)) == A_SUBTREE
    by_name = {row["姓名"]: row for row in records(rows)}
    for name in A_SUBTREE:
        assert by_name[name]["身份证号"] == IDS[name]
    assert by_name["张伟"]["手机号"] == "13812345678"
    # Filtering on B from the URL finds nothing for a clerk of A.
    assert exported_names(clerk, f"{ORG_FILTER}={org_tree['B']}") == []
    assert exported_names(clerk, f"q={IDS['李娜']}") == []
    entry = export_entries(app)[-1]
    assert entry.username == clerk_name and entry.org_unit_id == org_tree["A"]


def test_the_auditors_export_is_masked_as_on_screen(app: Any, admin_client: Any, roll: dict[str, int]) -> None:
    _, auditor = user_client(app, "auditor", "A")
    listing = list_page(auditor, "")
    assert "portal-export-xlsx" in listing.ids
    for fmt in ("xlsx", "csv"):
        data = export(auditor, "", fmt).data
        rows = xlsx_rows(data) if fmt == "xlsx" else csv_rows(data)
        assert names_of(rows) == listing.names()
        by_name = {row["姓名"]: row for row in records(rows)}
        assert set(by_name) == A_SUBTREE
        for name in A_SUBTREE:
            assert by_name[name]["身份证号"] == masked(IDS[name]), fmt
            assert by_name[name]["出生日期"] == "****-**-**"
        assert by_name["张伟"]["手机号"] == "138****5678"
        # members.monthly_wage is unmasked for the auditor.
        assert by_name["张伟"]["月工资收入"] in (pytest.approx(5234.56), "5234.56")
        text = data.decode("utf-8-sig") if fmt == "csv" else ""
        for name in A_SUBTREE:
            assert IDS[name] not in text
    # The list shows the same masked mobile number.
    html = auditor.get("/members/list/").get_data(as_text=True)
    assert "138****5678" in html and "13812345678" not in html


# -- big selections in the background ---------------------------------------------------------------

def wait(client: Any, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = client.get(f"/members/export/job/{job_id}/status")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        state = response.get_json()
        if state["status"] not in ("queued", "running"):
            return state
        assert time.monotonic() < deadline, f"export job {job_id} still {state['status']}: {state}"
        time.sleep(0.05)


@pytest.fixture()
def background_above_two(app: Any) -> Any:
    saved = app.config["PORTAL_EXPORT_BACKGROUND_ROWS"]
    app.config["PORTAL_EXPORT_BACKGROUND_ROWS"] = 2
    yield
    app.config["PORTAL_EXPORT_BACKGROUND_ROWS"] = saved


def test_a_big_selection_is_exported_in_the_background(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                       background_above_two: None) -> None:
    five = ["张伟", "赵磊", "张敏", "王芳", "李娜"]
    seed(admin_client, five)
    before = len(export_entries(app))
    shown = list_page(admin_client, "").names()
    assert set(shown) == set(five)

    response = admin_client.get("/members/export/?fmt=xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.fullmatch(r"/members/export/job/([0-9a-f]{32})", urlsplit(response.headers["Location"]).path)
    assert match, response.headers["Location"]
    job_id = match.group(1)

    state = wait(admin_client, job_id)
    assert state["status"] == "done", state
    assert "result" not in state  # the status does not hand out file names

    done = admin_client.get(f"/members/export/job/{job_id}")
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "已导出 5 行" in html
    link = re.search(r'id="portal-export-file" href="([^"]+)"', html)
    assert link and link.group(1) == f"/members/export/job/{job_id}/file", html[-2000:]
    download = admin_client.get(link.group(1))
    assert download.status_code == 200 and download.mimetype == XLSX
    assert "attachment" in download.headers["Content-Disposition"]
    assert names_of(xlsx_rows(download.data)) == shown

    entries = export_entries(app)[before:]
    assert len(entries) == 1 and entries[0].username == "admin" and rows_in_detail(entries[0]) == 5
    assert f"SHA-256 {hashlib.sha256(download.data).hexdigest()}" in (entries[0].detail or "")

    # Somebody else's export job is not there for another user, even an admin.
    _, other = user_client(app, "admin", None)
    for url in (f"/members/export/job/{job_id}", f"/members/export/job/{job_id}/status",
                f"/members/export/job/{job_id}/file"):
        assert other.get(url).status_code == 404, url
    # A job of another register is not found under members.
    assert admin_client.get(f"/activists/export/job/{job_id}").status_code == 404


def test_the_background_selection_is_the_lists(app: Any, admin_client: Any, org_tree: dict[str, int],
                                               roll: dict[str, int], background_above_two: None) -> None:
    query = f"{STATUS_EQUALS}={quote('在籍')}&{SORT}=joined_on&{SORT_DIRECTION}=desc"
    shown = list_page(admin_client, query).names()
    assert set(shown) == ACTIVE
    response = admin_client.get(f"/members/export/?fmt=csv&{query}")
    assert response.status_code == 302
    job_id = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    assert wait(admin_client, job_id)["status"] == "done"
    download = admin_client.get(f"/members/export/job/{job_id}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert names_of(csv_rows(download.data)) == shown


def test_a_background_export_keeps_its_selection_as_data_not_as_a_web_request(
        app: Any, admin_client: Any, org_tree: dict[str, int], roll: dict[str, int],
        background_above_two: None) -> None:
    from portal.io.job_table import Job

    app.config["PORTAL_EXPORT_BACKGROUND_ROWS"] = 1  # the fixture restores it
    query = f"{STATUS_EQUALS}={quote('在籍')}&{SORT}=joined_on&{SORT_DIRECTION}=desc&q={quote('张')}"
    response = admin_client.get(f"/members/export/?fmt=xlsx&{query}")
    assert response.status_code == 302
    job_id = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    assert wait(admin_client, job_id)["status"] == "done"
    with app.app_context():
        params = db.session.get(Job, job_id).params_dict()
    assert "query_string" not in params
    assert params["selection"] == {"conditions": [["status", "eq", "在籍"]], "search": "张",
                                   "order": ["joined_on", "desc"]}
    shown = list_page(admin_client, query).names()
    assert names_of(xlsx_rows(admin_client.get(f"/members/export/job/{job_id}/file").data)) == shown


@pytest.mark.parametrize("role", ["clerk", "auditor"])
def test_a_background_export_keeps_the_users_scope_and_masking(app: Any, admin_client: Any, roll: dict[str, int],
                                                                background_above_two: None, role: str) -> None:
    _, client = user_client(app, role, "A")
    shown = list_page(client, "").names()
    assert set(shown) == A_SUBTREE
    response = client.get("/members/export/?fmt=xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    assert wait(client, job_id)["status"] == "done"
    rows = xlsx_rows(client.get(f"/members/export/job/{job_id}/file").data)
    assert names_of(rows) == shown
    ids = {row["姓名"]: row["身份证号"] for row in records(rows)}
    expected = {name: IDS[name] if role == "clerk" else masked(IDS[name]) for name in A_SUBTREE}
    assert ids == expected


def test_a_running_export_job_shows_a_progress_bar(app: Any, admin_client: Any) -> None:
    from portal.io.job_table import Job
    from portal.security.audit import now_utc

    job_id = uuid.uuid4().hex
    with app.app_context():
        db.session.add(Job(id=job_id, kind="export", register="members", username="admin", status="running",
                           created_at=now_utc(), params='{"fmt": "xlsx"}'))
        db.session.commit()
    html = admin_client.get(f"/members/export/job/{job_id}").get_data(as_text=True)
    assert 'id="portal-job-bar"' in html and "portal-export-file" not in html
    assert admin_client.get(f"/members/export/job/{job_id}/file").status_code == 404
    assert admin_client.get(f"/members/export/job/{uuid.uuid4().hex}").status_code == 404


# -- the API --------------------------------------------------------------------------------------

def rison_status(value: str) -> str:
    return quote(f"(filters:!((col:status,opr:eq,value:{value})))")


def test_api_export_as_csv(app: Any, admin_client: Any, roll: dict[str, int]) -> None:
    before = len(export_entries(app))
    response = admin_client.get("/api/v1/members/export?fmt=csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert sorted(names_of(csv_rows(response.data))) == sorted(ROLL)

    filtered = admin_client.get(f"/api/v1/members/export?fmt=csv&q={rison_status('在籍')}")
    assert filtered.status_code == 200, filtered.get_data(as_text=True)[:300]
    assert set(names_of(csv_rows(filtered.data))) == ACTIVE and len(csv_rows(filtered.data)) == len(ACTIVE) + 1

    # The same filter on the list endpoint selects the same records.
    listed = admin_client.get(f"/api/v1/members/?q={rison_status('在籍')}").get_json()
    assert {item["name"] for item in listed["result"]} == ACTIVE

    ordered = admin_client.get("/api/v1/members/export?fmt=xlsx&q="
                               + quote("(order_column:joined_on,order_direction:desc)"))
    assert ordered.status_code == 200 and ordered.mimetype == XLSX
    assert names_of(xlsx_rows(ordered.data)) == sorted(ROLL, key=lambda n: ROLL[n][2]["joined_on"], reverse=True)

    entries = export_entries(app)[before:]
    assert [rows_in_detail(entry) for entry in entries] == [len(ROLL), len(ACTIVE), len(ROLL)]
    assert f"SHA-256 {hashlib.sha256(filtered.data).hexdigest()}" in (entries[1].detail or "")


def test_api_export_keeps_the_users_scope_and_masking(app: Any, admin_client: Any, roll: dict[str, int]) -> None:
    _, clerk = user_client(app, "clerk", "A")
    rows = csv_rows(clerk.get("/api/v1/members/export?fmt=csv").data)
    assert set(names_of(rows)) == A_SUBTREE
    assert {row["身份证号"] for row in records(rows)} == {IDS[name] for name in A_SUBTREE}
    _, auditor = user_client(app, "auditor", "A")
    rows = xlsx_rows(auditor.get("/api/v1/members/export?fmt=xlsx").data)
    assert {row["身份证号"] for row in records(rows)} == {masked(IDS[name]) for name in A_SUBTREE}


def test_api_export_refusals_are_chinese(app: Any, admin_client: Any, roll: dict[str, int]) -> None:
    before = len(export_entries(app))
    bad = admin_client.get("/api/v1/members/export?fmt=pdf")
    assert bad.status_code == 400 and bad.is_json
    assert "不支持的导出格式“pdf”" in bad.get_json()["message"]
    encoding = admin_client.get("/api/v1/members/export?fmt=csv&encoding=latin-1")
    assert encoding.status_code == 400 and "不支持的编码" in encoding.get_json()["message"]
    column = admin_client.get("/api/v1/members/export?fmt=csv&q=" + quote("(filters:!((col:nothing,opr:eq,value:x)))"))
    assert column.status_code == 400 and column.is_json

    _, viewer = user_client(app, "viewer", "A")
    refused = viewer.get("/api/v1/members/export?fmt=csv")
    assert refused.status_code == 403 and refused.is_json
    message = refused.get_json()["message"]
    assert re.search(r"[\u4e00-\u9fff]", message) and "权限" in message, message

    anonymous = app.test_client().get("/api/v1/members/export?fmt=csv")
    assert anonymous.status_code == 401
    assert len(export_entries(app)) == before


# -- filters and sort orders that cannot run: a Chinese 400, never the whole scope -----------------

JOINED_AFTER = "_flt_1_joined_on"


def test_a_screen_export_with_a_filter_value_that_does_not_parse_is_refused(app: Any, admin_client: Any,
                                                                             roll: dict[str, int]) -> None:
    before = len(export_entries(app))
    response = admin_client.get(f"/members/export/?fmt=xlsx&{JOINED_AFTER}=notadate")
    assert response.status_code == 400 and "attachment" not in response.headers.get("Content-Disposition", "")
    assert "筛选条件“入会时间”的值无效" in response.get_data(as_text=True)
    assert len(export_entries(app)) == before
    assert set(exported_names(admin_client, f"{JOINED_AFTER}={quote('2015年1月1日')}")) == {
        name for name, (_, _, extra) in ROLL.items() if extra.get("joined_on", "") > "2015-01-01"}


def test_a_screen_export_sorted_by_a_masked_field_is_refused(app: Any, admin_client: Any,
                                                            roll: dict[str, int]) -> None:
    _, auditor = user_client(app, "auditor", "A")  # sees members.phone masked
    response = auditor.get(f"/members/export/?fmt=csv&{SORT}=phone&{SORT_DIRECTION}=asc")
    assert response.status_code == 400
    assert "您看到的“手机号”是打码的，不能按它排序" in response.get_data(as_text=True)


def test_an_api_export_with_a_bad_filter_or_a_masked_sort_is_a_chinese_400(app: Any, admin_client: Any,
                                                                           roll: dict[str, int]) -> None:
    before = len(export_entries(app))
    bad = admin_client.get("/api/v1/members/export?fmt=csv&q="
                           + quote("(filters:!((col:joined_on,opr:gt,value:notadate)))"))
    assert bad.status_code == 400 and bad.get_json()["message"].startswith("筛选条件“入会时间”的值无效")
    operator = admin_client.get("/api/v1/members/export?fmt=csv&q="
                                + quote("(filters:!((col:joined_on,opr:zz,value:'2015-01-01')))"))
    assert operator.status_code == 400 and "不支持筛选运算“zz”" in operator.get_json()["message"]
    _, auditor = user_client(app, "auditor", "A")
    sorted_by_phone = auditor.get("/api/v1/members/export?fmt=csv&q="
                                  + quote("(order_column:phone,order_direction:asc)"))
    assert sorted_by_phone.status_code == 400 and "打码" in sorted_by_phone.get_json()["message"]
    assert len(export_entries(app)) == before


# -- the CLI --------------------------------------------------------------------------------------

def run_export(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(export_command, list(args))


def test_cli_export_with_a_filter(app: Any, roll: dict[str, int], tmp_path: Path) -> None:
    before = len(export_entries(app))
    out = tmp_path / "在籍会员.xlsx"
    result = run_export(app, "members", "-o", str(out), "--filter", "status=在籍")
    assert result.exit_code == 0, result.output
    assert f"已导出会员 {len(ACTIVE)} 行" in result.output
    rows = xlsx_rows(out.read_bytes())
    assert sorted(names_of(rows)) == sorted(ACTIVE)
    assert {row["会籍状态"] for row in records(rows)} == {"在籍"}
    assert {row["身份证号"] for row in records(rows)} == {IDS[name] for name in ACTIVE}
    assert not list(tmp_path.glob(".export-*")), "the working folder is left behind"

    entry = export_entries(app)[before]
    assert rows_in_detail(entry) == len(ACTIVE) and "status=在籍" in (entry.detail or "")
    assert f"SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in (entry.detail or "")


def test_cli_export_filters_combine_and_links_go_by_code(app: Any, roll: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "a01.csv"
    result = run_export(app, "members", "-o", str(out), "--filter", "org_unit=A01", "--filter", "status=在籍")
    assert result.exit_code == 0, result.output
    assert names_of(csv_rows(out.read_bytes())) == ["张伟"]
    result = run_export(app, "members", "-o", str(out), "--filter", "org_unit=A01", "--encoding", "gb18030")
    assert result.exit_code == 0, result.output
    assert sorted(names_of(csv_rows(out.read_bytes(), "gb18030"))) == sorted(["张伟", "赵磊"])


def test_cli_export_as_a_clerk_is_limited_to_the_clerks_scope(app: Any, roll: dict[str, int],
                                                               tmp_path: Path) -> None:
    clerk, _ = user_client(app, "clerk", "A")
    before = len(export_entries(app))
    out = tmp_path / "clerk.xlsx"
    result = run_export(app, "members", "-o", str(out), "--user", clerk)
    assert result.exit_code == 0, result.output
    assert sorted(names_of(xlsx_rows(out.read_bytes()))) == sorted(A_SUBTREE)
    result = run_export(app, "members", "-o", str(out), "--user", clerk, "--filter", "status=在籍")
    assert result.exit_code == 0, result.output
    assert sorted(names_of(xlsx_rows(out.read_bytes()))) == sorted(A_SUBTREE & ACTIVE)
    assert [entry.username for entry in export_entries(app)[before:]] == [clerk, clerk]

    auditor, _ = user_client(app, "auditor", "A")
    result = run_export(app, "members", "-o", str(out), "--user", auditor)
    assert result.exit_code == 0, result.output
    ids = {row["身份证号"] for row in records(xlsx_rows(out.read_bytes()))}
    assert ids == {masked(IDS[name]) for name in A_SUBTREE}
    masked_filter = run_export(app, "members", "-o", str(out), "--user", auditor, "--filter", f"id_card={IDS['张伟']}")
    assert masked_filter.exit_code == 1 and "打码" in masked_filter.output


def test_cli_export_refusals(app: Any, roll: dict[str, int], tmp_path: Path) -> None:
    before = len(export_entries(app))
    unknown = run_export(app, "members", "-o", str(tmp_path / "x.xlsx"), "--filter", "shoe_size=42")
    assert unknown.exit_code == 1
    assert "会员没有字段“shoe_size”" in unknown.output
    text = run_export(app, "members", "-o", str(tmp_path / "x.txt"))
    assert text.exit_code == 1 and "应以 .xlsx 或 .csv 结尾" in text.output
    shape = run_export(app, "members", "-o", str(tmp_path / "x.xlsx"), "--filter", "status")
    assert shape.exit_code == 1 and "字段=值" in shape.output
    value = run_export(app, "members", "-o", str(tmp_path / "x.xlsx"), "--filter", "org_unit=ZZZ")
    assert value.exit_code == 1 and re.search(r"[\u4e00-\u9fff]", value.output), value.output
    viewer, _ = user_client(app, "viewer", "A")
    refused = run_export(app, "members", "-o", str(tmp_path / "x.xlsx"), "--user", viewer)
    assert refused.exit_code == 1 and f"用户 {viewer} 没有会员的导出权限" in refused.output
    nobody = run_export(app, "nothing", "-o", str(tmp_path / "x.xlsx"))
    assert nobody.exit_code == 2 and "没有登记簿“nothing”" in nobody.output
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.txt").exists()
    assert len(export_entries(app)) == before


def test_an_old_link_outside_the_readers_scope_is_exported_by_title_only(app: Any, admin_client: Any,
                                                                          org_tree: dict[str, int]) -> None:
    """A hardship case of union A that links a member of union B (written before the link rule):
    an officer of A sees the member's name, never the ID number, even with the right to unmask it."""
    number = id_card(7)
    created = admin_client.post("/api/v1/members/", json={"name": "李四", "id_card": number, "org_unit": "B"})
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        table = app.extensions["portal"].models["assistance_cases"].__table__
        db.session.execute(sa.insert(table).values(
            case_no="KN-OLD-1", member_id=created.get_json()["id"], org_unit_id=org_tree["A"],
            hardship_category="深度困难", household_size=3, status="已建档", created_at=sa.func.now(),
            updated_at=sa.func.now()))
        db.session.commit()
    _, officer = user_client(app, "assistance_officer", "A")  # unmasks members.id_card
    response = officer.get("/api/v1/assistance_cases/export?fmt=csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    [row] = records(csv_rows(response.data))
    assert row["困难职工"] == "李四"
    assert number not in response.get_data(as_text=True)
    _, admin = user_client(app, "admin", "HQ")
    [row] = records(csv_rows(admin.get("/api/v1/assistance_cases/export?fmt=csv").data))
    assert row["困难职工"] == f"李四 ({number})"


# -- the subtree filter (所属工会（含下级）) ------------------------------------------------------------

#: The members list's third filter on 所属工会 (after FAB's 关联 / 无关联): the unit and every unit below it.
ORG_SUBTREE = "_flt_2_org_unit"


def rison_subtree(unit_id: int) -> str:
    return quote(f"(filters:!((col:org_unit,opr:org_unit_subtree,value:{unit_id})))")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_subtree_filter_exports_the_rows_of_every_unit_below(admin_client: Any, org_tree: dict[str, int],
                                                                  roll: dict[str, int], fmt: str) -> None:
    for unit, expected in (("A", A_SUBTREE), ("A01", {"张伟", "赵磊", "张敏"}), ("HQ", set(ROLL))):
        query = f"{ORG_SUBTREE}={org_tree[unit]}"
        shown = list_page(admin_client, query).names()
        assert set(shown) == expected, (unit, shown)
        assert exported_names(admin_client, query, fmt) == shown, unit


def test_a_quick_search_by_a_union_exports_the_rows_of_its_units(admin_client: Any, roll: dict[str, int]) -> None:
    query = f"q={quote('第一机械厂工会')}"
    shown = list_page(admin_client, query).names()
    assert set(shown) == A_SUBTREE
    assert exported_names(admin_client, query) == shown


def test_the_api_export_takes_the_subtree_filter(admin_client: Any, org_tree: dict[str, int],
                                                 roll: dict[str, int]) -> None:
    response = admin_client.get(f"/api/v1/members/export?fmt=csv&q={rison_subtree(org_tree['A'])}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert set(names_of(csv_rows(response.data))) == A_SUBTREE


def test_a_clerk_cannot_export_a_subtree_outside_their_scope(app: Any, org_tree: dict[str, int],
                                                             roll: dict[str, int], tmp_path: Path) -> None:
    clerk, client = user_client(app, "clerk", "A01")
    assert exported_names(client, f"{ORG_SUBTREE}={org_tree['A01']}") == list_page(
        client, f"{ORG_SUBTREE}={org_tree['A01']}").names()
    refused = client.get(f"/members/export/?fmt=xlsx&{ORG_SUBTREE}={org_tree['A']}")
    assert "不在您的管辖范围内" in refused.get_data(as_text=True)
    api = client.get(f"/api/v1/members/export?fmt=csv&q={rison_subtree(org_tree['B'])}")
    assert api.status_code == 400 and "不在您的管辖范围内" in api.get_json()["message"]
    cli = run_export(app, "members", "-o", str(tmp_path / "b.xlsx"), "--user", clerk, "--filter", "org_unit_subtree=B")
    assert cli.exit_code == 1 and "不在您的管辖范围内" in cli.output


def test_cli_export_with_the_subtree_filter(app: Any, roll: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    result = run_export(app, "members", "-o", str(out), "--filter", "org_unit_subtree=第一机械厂工会")
    assert result.exit_code == 0, result.output
    assert sorted(names_of(csv_rows(out.read_bytes()))) == sorted(A_SUBTREE)
    result = run_export(app, "members", "-o", str(out), "--filter", "org_unit_subtree=A01",
                        "--filter", "status=在籍")
    assert result.exit_code == 0, result.output
    assert sorted(names_of(csv_rows(out.read_bytes()))) == sorted(["张伟", "张敏"])
    units = run_export(app, "org_units", "-o", str(out), "--filter", "parent_subtree=A")
    assert units.exit_code == 0, units.output
    assert sorted(row["组织编码"] for row in records(csv_rows(out.read_bytes()))) == ["A", "A01", "A01-1"]
