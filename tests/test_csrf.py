"""State changes only by POST with the session's CSRF token (the app as in production: CSRF on).

A link or an image on another site makes the victim's browser send a GET, and a form there can
send a POST without the token; neither may change anything. The forms of the portal carry a real
token, and the JSON API keeps writing with a JSON body alone (other sites cannot send one).
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any, Iterator

import pytest

from tests.conftest import ADMIN_PASSWORD, make_app
from tests.web.test_import_views import GOOD, members_file, wait

TOKEN_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)"|'
                         r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')
REFUSED_TOKEN = "安全令牌"


def token_in(html: str) -> str:
    """The first CSRF token of a page (FAB's forms and ours write the input slightly differently)."""
    match = TOKEN_INPUT.search(html)
    assert match, "页面上没有带值的 csrf_token 隐藏字段"
    return match.group(1) or match.group(2)


@pytest.fixture(scope="module")
def csrf_app(app: Any, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The session's database, served with CSRF on as in production."""
    application = make_app(database_url, tmp_path_factory.mktemp("csrf-instance"), WTF_CSRF_ENABLED=True)
    yield application
    from portal.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(csrf_app: Any, clean: None) -> Any:
    """Admin, signed in through the login form with its token."""
    client = csrf_app.test_client()
    token = token_in(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def add_org(client: Any, code: str = "HQ") -> int:
    response = client.post("/api/v1/org_units/", json={"code": code, "name": f"{code} 工会", "unit_type": "总工会"})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def exists(client: Any, org_id: int) -> bool:
    return client.get(f"/api/v1/org_units/{org_id}").status_code == 200


def test_a_get_on_delete_deletes_nothing(client: Any) -> None:
    org_id = add_org(client)
    response = client.get(f"/org_units/delete/{org_id}")
    assert response.status_code == 405
    assert "不支持的操作" in response.get_data(as_text=True)
    assert exists(client, org_id)


@pytest.mark.parametrize("path", ["/org_units/delete/{id}", "/org_units/action/anything/{id}",
                                  "/users/delete/{id}", "/roles/delete/{id}",
                                  "/members/import/job/{job}/commit", "/members/import/batch/1/undo",
                                  "/dues/generate/"])
def test_every_state_changing_route_refuses_get(client: Any, path: str) -> None:
    response = client.get(path.format(id=add_org(client), job=uuid.uuid4().hex))
    assert response.status_code == 405, path
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_post_without_the_token_is_refused_with_a_chinese_page(client: Any) -> None:
    org_id = add_org(client)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(f"/org_units/delete/{org_id}", data=data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert REFUSED_TOKEN in html and "请刷新页面后重新操作" in html
        assert "Traceback" not in html and "CSRF" not in html
    assert exists(client, org_id)


def test_a_token_of_another_session_is_refused(csrf_app: Any, client: Any) -> None:
    org_id = add_org(client)
    stranger = csrf_app.test_client()
    foreign = token_in(stranger.get("/login/").get_data(as_text=True))
    assert client.post(f"/org_units/delete/{org_id}", data={"csrf_token": foreign}).status_code == 400
    assert exists(client, org_id)


def test_the_delete_button_of_the_list_posts_the_token_and_deletes(client: Any) -> None:
    org_id = add_org(client)
    html = client.get("/org_units/list/").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="(/org_units/delete/{org_id})" class="portal-delete"'
                     rf'[^>]*data-confirm="[^"]+">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert form, "列表行没有删除表单"
    response = client.post(form.group(1), data={"csrf_token": form.group(2)})
    assert response.status_code == 302
    assert not exists(client, org_id)


def test_the_delete_button_of_the_record_page_deletes_and_returns_to_the_list(client: Any) -> None:
    org_id = add_org(client)
    html = client.get(f"/org_units/show/{org_id}").get_data(as_text=True)
    assert f'action="/org_units/delete/{org_id}" class="portal-delete"' in html
    response = client.post(f"/org_units/delete/{org_id}", data={"csrf_token": token_in(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/org_units/list/")
    assert not exists(client, org_id)


def test_every_form_page_carries_a_token(csrf_app: Any, client: Any) -> None:
    org_id = add_org(client)
    with csrf_app.app_context():
        admin_id = csrf_app.appbuilder.sm.find_user(username="admin").id
    pages = ["/org_units/list/", f"/org_units/show/{org_id}", "/org_units/add", f"/org_units/edit/{org_id}",
             "/members/add", "/members/import/", "/activists/add", "/users/list/", "/users/add",
             f"/users/show/{admin_id}", f"/users/edit/{admin_id}", "/roles/list/", "/roles/add",
             "/resetmypassword/form"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert token_in(response.get_data(as_text=True)), path


def test_the_import_forms_work_with_their_tokens(client: Any) -> None:
    org_id = add_org(client, "A")
    add_org(client, "A01")
    upload_page = client.get("/members/import/").get_data(as_text=True)
    content = members_file([row[:2] + ["A"] + row[3:] for row in GOOD])
    data = {"file": (io.BytesIO(content), "会员名单.xlsx"), "mode": "insert"}
    assert client.post("/members/import/", data=data, content_type="multipart/form-data").status_code == 400
    data = {"file": (io.BytesIO(content), "会员名单.xlsx"), "mode": "insert", "csrf_token": token_in(upload_page)}
    uploaded = client.post("/members/import/", data=data, content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:300]
    preview = uploaded.headers["Location"].rsplit("/", 1)[1]
    assert wait(client, preview)["status"] == "done"
    preview_page = client.get(f"/members/import/job/{preview}").get_data(as_text=True)
    assert client.post(f"/members/import/job/{preview}/commit").status_code == 400
    committed = client.post(f"/members/import/job/{preview}/commit", data={"csrf_token": token_in(preview_page)})
    assert committed.status_code == 302
    assert wait(client, committed.headers["Location"].rsplit("/", 1)[1])["status"] == "done"
    assert client.get("/api/v1/members/").get_json()["count"] == len(GOOD)
    batches = client.get("/members/import/").get_data(as_text=True)
    undo = re.search(r'action="(/members/import/batch/\d+/undo)" data-confirm="[^"]+">\s*'
                     r'<input type="hidden" name="csrf_token" value="([^"]+)"', batches)
    assert undo, "导入记录没有带令牌的撤销表单"
    assert client.post(undo.group(1)).status_code == 400
    assert client.get("/api/v1/members/").get_json()["count"] == len(GOOD)
    assert client.post(undo.group(1), data={"csrf_token": undo.group(2)}).status_code == 302
    assert client.get("/api/v1/members/").get_json()["count"] == 0
    assert exists(client, org_id)


def test_the_json_api_writes_without_a_token_but_only_from_a_json_body(client: Any) -> None:
    org_id = add_org(client)  # JSON body, session cookie, no token: allowed
    form_post = client.post("/api/v1/org_units/", data={"code": "X", "name": "表单", "unit_type": "总工会"})
    assert form_post.status_code == 400
    text_post = client.post("/api/v1/org_units/", data='{"code": "X", "name": "文本", "unit_type": "总工会"}',
                            content_type="text/plain")
    assert text_post.status_code == 400
    assert client.get("/api/v1/org_units/").get_json()["count"] == 1
    assert exists(client, org_id)



def test_a_transition_form_carries_its_token(client: Any) -> None:
    add_org(client, "A01-1")
    member = {"name": "孙八", "id_card": "11010519491231002X", "org_unit": "A01-1"}
    assert client.post("/api/v1/members/", json=member).status_code == 201
    nomination = {"activist_no": "JJ-2026-001", "member": member["id_card"], "org_unit": "A01-1", "award_year": 2026}
    record = client.post("/api/v1/activists/", json=nomination).get_json()["id"]
    page = client.get(f"/activists/show/{record}").get_data(as_text=True)
    refused = client.post(f"/activists/transition/{record}/reject", data={"reason": "材料不全"})
    assert refused.status_code == 400
    sent = client.post(f"/activists/transition/{record}/reject", data={"reason": "材料不全",
                                                                      "csrf_token": token_in(page)})
    assert sent.status_code == 302  # accepted by the CSRF check (the submitter may not decide it: a message says so)
    assert client.get(f"/api/v1/activists/{record}").get_json()["result"]["approval_result"] == "待审批"


def test_the_language_switch_is_a_form_and_refuses_get(client: Any) -> None:
    page = client.get("/members/list/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/lang/en" class="portal-locale">\s*'
                     r'<input type="hidden" name="csrf_token"', page)
    assert client.get("/lang/en").status_code == 405
    assert client.post("/lang/en").status_code == 400
    assert "会员列表" in client.get("/members/list/").get_data(as_text=True)
    assert client.post("/lang/en", data={"csrf_token": token_in(page)}).status_code == 302
    assert "ID number" in client.get("/members/list/").get_data(as_text=True)
    assert client.post("/lang/zh", data={"csrf_token": token_in(page)}).status_code == 302


def test_signing_out_is_a_form_with_its_token_and_refuses_get(client: Any) -> None:
    page = client.get("/members/list/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout/" class="portal-locale">\s*'
                     r'<input type="hidden" name="csrf_token"', page)
    assert client.get("/logout/").status_code == 405  # a link or image on another site signs nobody out
    assert client.post("/logout/").status_code == 400
    assert client.get("/api/v1/members/").status_code == 200  # still signed in
    assert client.post("/logout/", data={"csrf_token": token_in(page)}).status_code == 302
    assert client.get("/api/v1/members/").status_code == 401
