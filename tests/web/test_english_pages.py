"""Key pages rendered in English show no Chinese except data (seeded records, stored choice values).

The allowlist is built from the database itself: every string stored in any table after the demo data is
loaded, plus the stored values of schema choice fields and the language names of the language menu.
Anything else in Chinese on an English page is a hard-coded string: wrap it in gettext (see portal/i18n.py).
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import login

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
PASSWORD = "Clerk-pass-2026"
#: Attributes a reader sees or hears (``value`` and ``data-*`` other than confirm texts carry data).
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-confirm", "data-empty", "data-placeholder"}


class _ShownText(HTMLParser):
    """The text a reader sees: element text and shown attributes, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def shown_text(html: str) -> list[str]:
    parser = _ShownText()
    parser.feed(html)
    return parser.parts


def data_strings(app: Any) -> str:
    """Every string stored in the database, the stored choice values and the language names, NUL-joined."""
    from portal.extensions import db

    found: set[str] = {str(lang["name"]) for lang in app.config["LANGUAGES"].values()}
    with app.app_context():
        for spec in app.extensions["portal"].registry:
            for field in spec.fields:
                found.update(choice.value for choice in field.choices)
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        for table in metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                found.update(value for value in row if isinstance(value, str) and CJK_RUN.search(value))
    return "\0".join(found)


def foreign_chinese(html: str, data: str) -> list[str]:
    """Chinese runs on the page that no stored value contains, each with a little context."""
    problems = []
    for part in shown_text(html):
        for match in CJK_RUN.finditer(part):
            if match.group() not in data:
                context = " ".join(part[max(0, match.start() - 30):match.end() + 30].split())
                problems.append(f"{match.group()!r} in …{context}…")
    return problems


def english(client: Any) -> Any:
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


@pytest.fixture()
def demo(app: Any, admin_client: Any) -> dict[str, Any]:
    from portal.demo import load_demo
    from portal.extensions import db

    load_demo(app, members=12, force=True)
    with app.app_context():
        member = db.session.scalar(sa.select(sa.func.min(app.extensions["portal"].models["members"].id)))
    return {"member": member, "client": english(admin_client)}


def _clerk(app: Any) -> Any:
    from portal.security.accounts import create_user

    name = f"clerk_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, "clerk", org_code=None)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return english(client)


def test_key_pages_in_english_show_chinese_only_from_data(app: Any, demo: dict[str, Any]) -> None:
    client = demo["client"]
    pages = {
        "home": ("/", 200),
        "member list": ("/members/list/", 200),
        "member add": ("/members/add", 200),
        "member show": (f"/members/show/{demo['member']}", 200),
        "member import": ("/members/import/", 200),
        "audit list": ("/audit/list/", 200),
        "404": ("/no-such-page/", 404),
    }
    data = data_strings(app)
    problems = []
    for name, (path, status) in pages.items():
        response = client.get(path)
        assert response.status_code == status, (name, response.status_code)
        html = response.get_data(as_text=True)
        assert 'content="en"' in html or name == "404", name  # the page really is in English
        problems += [f"{name} ({path}): {text}" for text in foreign_chinese(html, data)]
    assert not problems, "Chinese text on English pages that is not data (wrap it in gettext):\n" + "\n".join(problems)


def test_login_and_403_pages_in_english(app: Any, demo: dict[str, Any]) -> None:
    data = data_strings(app)
    anonymous = english(app.test_client())
    login_page = anonymous.get("/login/")
    assert login_page.status_code == 200
    denied = _clerk(app).get("/audit/list/")
    assert denied.status_code == 403
    denied_html = denied.get_data(as_text=True)
    assert "Access denied" in denied_html
    problems = [f"login: {text}" for text in foreign_chinese(login_page.get_data(as_text=True), data)]
    problems += [f"403: {text}" for text in foreign_chinese(denied_html, data)]
    assert not problems, "Chinese text on English pages that is not data (wrap it in gettext):\n" + "\n".join(problems)


def test_a_chinese_page_stays_chinese(app: Any, demo: dict[str, Any]) -> None:
    client = demo["client"]
    with client.session_transaction() as session:
        session["locale"] = "zh"
    html = client.get("/members/import/").get_data(as_text=True)
    assert "上传文件" in html and "导入记录" in html and "Upload a file" not in html


def test_texts_built_in_python_are_english_for_an_english_reader(app: Any, demo: dict[str, Any]) -> None:
    """Texts the views put together in Python (not in templates) follow the reader's language too."""
    from portal.security.accounts import create_user

    client = demo["client"]
    refused = client.post("/roles/matrix/new", data={"key": "", "label_zh": "查阅员", "label_en": "Reader",
                                                      "scope": "subtree"})
    refused_html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Role key: required" in refused_html and "角色代码" not in refused_html
    tree = client.get("/org_units/tree/").get_data(as_text=True)
    assert "Org tree" in tree and "Org unit list" in tree and "组织树" not in tree and "工会组织列表" not in tree
    unsorted = client.get("/members/list/?_oc_MembersView=no_such_column&_od_MembersView=asc")
    assert unsorted.status_code == 400 and "Cannot sort by" in unsorted.get_data(as_text=True)
    with app.app_context():
        create_user(f"audited_{uuid.uuid4().hex[:12]}", PASSWORD, "clerk", org_code=None)
    trail = client.get("/audit/list/").get_data(as_text=True)
    assert "Permissions changed" in trail and "Record added" in trail and "User name: (blank) → audited_" in trail
    assert "权限变更" not in trail and "用户名" not in trail
    matrix = client.get("/roles/matrix").get_data(as_text=True)
    assert "All units" in matrix and "Own unit and below" in matrix and "Create" in matrix
    assert "全部单位" not in matrix and "本单位及下级" not in matrix
    signed_out = english(app.test_client()).get("/api/v1/members/")
    assert signed_out.status_code == 401 and signed_out.get_json()["message"] == "Please sign in first"


def test_texts_built_in_python_stay_chinese_by_default(app: Any, demo: dict[str, Any]) -> None:
    client = demo["client"]
    with client.session_transaction() as session:
        session["locale"] = "zh"
    tree = client.get("/org_units/tree/").get_data(as_text=True)
    assert "组织树" in tree and "工会组织列表" in tree and "Org tree" not in tree
    refused = client.post("/roles/matrix/new", data={"key": "", "label_zh": "查阅员", "label_en": "Reader",
                                                      "scope": "subtree"})
    assert refused.status_code == 400 and "角色代码：不能为空" in refused.get_data(as_text=True)


def test_import_messages_are_english_for_an_english_reader(app: Any, demo: dict[str, Any]) -> None:
    """The preview runs in the background, in the language of the reader who uploaded the file."""
    from tests.web.test_import_views import GOOD, finished_page, members_file, upload

    client = demo["client"]
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02\x03endobj\n"
    unreadable = finished_page(client, upload(client, pdf, "members.pdf")).text("portal-import-unreadable")
    assert "This is not a spreadsheet file (the upload is a .pdf file)" in unreadable
    assert "不是电子表格文件" not in unreadable
    rows = [[name, card, phone] for name, card, _, phone in GOOD]
    view = finished_page(client, upload(client, members_file(rows, ["姓名", "身份证号码", "手机号码"])))
    errors = " ".join(" ".join(row) for row in view.rows("portal-import-errors"))
    assert "Required columns missing:" in errors and "缺少必填列" not in errors


def test_import_messages_stay_chinese_by_default(app: Any, demo: dict[str, Any]) -> None:
    from tests.web.test_import_views import finished_page, upload

    client = demo["client"]
    with client.session_transaction() as session:
        session["locale"] = "zh"
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02\x03endobj\n"
    unreadable = finished_page(client, upload(client, pdf, "会员名单.pdf")).text("portal-import-unreadable")
    assert "这不是电子表格文件（上传的是 .pdf 文件），无法按表格读取" in unreadable


def test_the_import_template_is_english_for_an_english_reader(app: Any, demo: dict[str, Any]) -> None:
    import io

    from python_calamine import CalamineWorkbook

    response = demo["client"].get("/members/import/template")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.data))
    assert "How to fill in" in book.sheet_names and "填写说明" not in book.sheet_names
    guide = " ".join(str(cell) for row in book.get_sheet_by_name("How to fill in").to_python() for cell in row)
    assert "Row 2 is an example" in guide and "Column name" in guide and "18-digit citizen ID number" in guide
    assert "第 2 行是示例" not in guide and "列名" not in guide


def test_messages_of_the_record_rules_are_english_for_an_english_reader(app: Any, demo: dict[str, Any]) -> None:
    """Validation, refusals and print messages built by the records, domain and printing code."""
    client = demo["client"]
    unknown = client.post("/api/v1/members/", json={"name": "Test", "no_such_field": 1})
    assert unknown.status_code == 422
    assert "No such field (or the field is computed by the system, read-only)" in str(unknown.get_json())
    wrong = client.post("/api/v1/members/", json={"name": "Test", "id_card": "360426199101010072"})
    assert wrong.status_code == 422
    assert wrong.get_json()["message"]["id_card"] == ["ID number: wrong check character, should be 1"]
    with app.app_context():
        from portal.extensions import db

        models = app.extensions["portal"].models
        unit = db.session.scalar(sa.select(models["members"].org_unit_id).where(
            models["members"].org_unit_id.is_not(None)).limit(1))
    linked = client.delete(f"/api/v1/org_units/{unit}")
    assert linked.status_code in (400, 409, 422), linked.get_json()
    assert "is still referred to by" in str(linked.get_json()) and "仍被" not in str(linked.get_json())
    unticked = client.post("/members/print/selected", data={"form": "registration"}, follow_redirects=True)
    assert "Please tick the records to print in the list first." in unticked.get_data(as_text=True)


def test_messages_of_the_record_rules_stay_chinese_by_default(app: Any, demo: dict[str, Any]) -> None:
    client = demo["client"]
    with client.session_transaction() as session:
        session["locale"] = "zh"
    wrong = client.post("/api/v1/members/", json={"name": "Test", "id_card": "360426199101010072"})
    assert wrong.get_json()["message"]["id_card"] == ["身份证号校验位错误，应为 1"]
    unticked = client.post("/members/print/selected", data={"form": "registration"}, follow_redirects=True)
    assert "请先在列表中勾选要打印的记录。" in unticked.get_data(as_text=True)


def test_an_import_error_row_is_english_for_an_english_reader(app: Any, demo: dict[str, Any], tmp_path: Any) -> None:
    """The check of a file's rows speaks the language of its context, in a request or in a background job."""
    from dataclasses import replace

    from portal.io.xlsx_import import run_import
    from portal.records.plan_types import ImportOptions
    from tests.io.test_xlsx_import import ID_MAN, context, members_file, messages

    path = members_file(tmp_path / "members.xlsx", ["张三", ID_MAN, "A01-1"], ["李四", ID_MAN, "A01-1"])
    found = {}
    for locale in ("en", "zh"):
        with app.app_context():
            ctx = replace(context(app, "members"), locale=locale)
            report = run_import(ctx, path, path.name, ImportOptions(mode="insert"), dry_run=True)
        found[locale] = " ".join(messages(report, 3))
    assert "repeats row 2: it may appear only once in a file" in found["en"], found
    assert "与第 2 行重复，同一文件中只能出现一次" in found["zh"], found


def test_congress_and_motions_texts_built_in_python_are_english_for_an_english_reader(
        app: Any, demo: dict[str, Any]) -> None:
    client = demo["client"]
    term = {"name": "", "term_no": "5", "term_start": "2025-01-01", "term_end": "2029-12-31"}
    unnamed = client.post("/congress/new", data=term).get_data(as_text=True)
    assert "Enter the congress name" in unnamed and "请填写大会名称" not in unnamed
    bad_date = client.post("/congress/new", data={**term, "name": "Congress", "term_start": "2025-1"})
    assert bad_date.status_code == 422
    assert "Term start date “2025-1” is not a date" in bad_date.get_data(as_text=True)
    no_congress = client.post("/congress/sessions", data={"congress_id": "999999", "number": "1",
                                                          "held_on": "2026-03-20", "place": "Hall",
                                                          "session_type": "职代会"}).get_data(as_text=True)
    assert "No congress numbered 999999; create the congress first." in no_congress and "找不到编号" not in no_congress
    similar = client.get("/motions/similar?subject=canteen").get_data(as_text=True)
    assert "Similar motions" in similar and "提案查重" not in similar


def test_congress_refusals_follow_the_language_asked_for() -> None:
    from portal.congress.rules import quorum
    from portal.congress.voting import already_voted
    from portal.texts import in_locale

    with in_locale("en"):
        assert "already voted on “Budget”" in already_voted("Budget").message
        assert "the vote cannot open" in quorum(1, 3).message()
    assert "投过票" in already_voted("预算").message  # the default language, as the vote bench expects
    assert "不能开启表决" in quorum(1, 3).message()
