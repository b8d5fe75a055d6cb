"""Hostile requests get a 4xx with a Chinese message (JSON on the API, an error page on screens), never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest

MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}
CJK = re.compile(r"[\u4e00-\u9fff]")
HUGE_ID = str(2**63)
ELSE_ID = "440524188001010014"

#: (name, method, url, JSON body or raw bytes, expected status)
CASES: list[tuple[str, str, str, Any, int]] = [
    ("api id 2^63", "GET", f"/api/v1/members/{HUGE_ID}", None, 404),
    ("api id 40 digits", "GET", f"/api/v1/members/{'9' * 40}", None, 404),
    ("api put id 2^63", "PUT", f"/api/v1/members/{HUGE_ID}", {"name": "李四"}, 404),
    ("api delete id 2^63", "DELETE", f"/api/v1/members/{HUGE_ID}", None, 404),
    ("api delete id text", "DELETE", "/api/v1/members/abc", None, 404),
    ("screen show id 2^63", "GET", f"/members/show/{HUGE_ID}", None, 404),
    ("screen edit id 2^63", "GET", f"/members/edit/{HUGE_ID}", None, 404),
    ("audit show id 2^63", "GET", f"/audit/show/{HUGE_ID}", None, 404),
    ("api huge page", "GET", f"/api/v1/members/?q=(page:{'9' * 20},page_size:10)", None, 400),
    ("api page 2^63-1", "GET", f"/api/v1/members/?q=(page:{2**63 - 1},page_size:500)", None, 400),
    ("api negative page", "GET", "/api/v1/members/?q=(page:-3)", None, 400),
    ("screen huge page", "GET", f"/members/list/?page_MembersView={'9' * 20}", None, 400),
    ("screen negative page", "GET", "/members/list/?page_MembersView=-3", None, 400),
    ("screen page not a number", "GET", "/members/list/?page_MembersView=abc", None, 400),
    ("screen page size not a number", "GET", "/members/list/?psize_MembersView=abc", None, 400),
    ("screen page size beyond the cap", "GET", "/members/list/?psize_MembersView=100000000", None, 400),
    ("screen page size zero", "GET", "/members/list/?psize_MembersView=0", None, 400),
    ("screen page size offered", "GET", "/members/list/?psize_MembersView=100", None, 200),
    ("rison unclosed", "GET", "/api/v1/members/?q=(((", None, 400),
    ("rison on show", "GET", "/api/v1/members/1?q=(((", None, 400),
    ("rison on info", "GET", "/api/v1/members/_info?q=(a:!(", None, 400),
    ("rison wrong type", "GET", "/api/v1/members/?q=(page:x)", None, 400),
    ("NUL in query", "GET", "/api/v1/members/?q=(filters:!((col:name,opr:ct,value:'%00')))", None, 400),
    ("NUL in lookup", "GET", "/lookup/members?q=%00", None, 400),
    ("NUL in screen filter", "GET", "/members/list/?_flt_0_name=%00", None, 400),
    ("NUL in path", "GET", "/members/show/1%00", None, 400),
    ("unpaired surrogate in URL", "GET", "/lookup/members?q=%ED%A0%80", None, 200),
    ("unpaired surrogate in JSON", "POST", "/api/v1/members/", b'{"name": "\\ud800", "id_card": "x"}', 400),
    ("unpaired surrogate in JSON key", "POST", "/api/v1/members/", b'{"\\udfff": 1}', 400),
    ("money 1e400", "POST", "/api/v1/members/", {**MEMBER, "id_card": ELSE_ID, "monthly_wage": "1e400"}, 422),
    ("money 1e400 number", "POST", "/api/v1/members/", b'{"name": "a", "monthly_wage": 1e400}', 422),
    ("money 40 digits", "POST", "/api/v1/members/", {**MEMBER, "id_card": ELSE_ID, "monthly_wage": "9" * 40}, 422),
    ("money 13 digits", "PUT", "/api/v1/members/{pk}", {"monthly_wage": "1" * 13}, 422),
    ("integer 40 digits", "POST", "/api/v1/collective_contracts/", {"delegates_total": int("9" * 40)}, 422),
    ("5000-digit number", "POST", "/api/v1/members/", b'{"monthly_wage": ' + b"9" * 5000 + b"}", 400),
    ("deep JSON array", "POST", "/api/v1/members/", b"[" * 100_000 + b"]" * 100_000, 400),
    ("deep JSON object", "POST", "/api/v1/members/", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 400),
    ("empty JSON body", "POST", "/api/v1/members/", b"", 400),
    ("60 MB JSON", "POST", "/api/v1/members/", b'{"name": "' + b"a" * (60 * 1024 * 1024) + b'"}', 413),
    ("2 MB JSON", "PUT", "/api/v1/members/{pk}", b'{"notes": "' + b"a" * (2 * 1024 * 1024) + b'"}', 413),
    ("download", "GET", "/members/download/x", None, 404),
    ("action", "POST", "/members/action/x/1", None, 404),
    ("action by GET", "GET", "/members/action/x/1", None, 405),
    ("action post", "POST", "/members/action_post", None, 404),
    ("audit download (no such permission)", "GET", "/audit/download/x", None, 403),
]


@pytest.fixture()
def member_id(admin_client: Any, org_tree: dict[str, int]) -> int:
    response = admin_client.post("/api/v1/members/", json=MEMBER)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@pytest.mark.parametrize(("method", "url", "body", "status"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_hostile_request_gets_a_chinese_4xx(admin_client: Any, member_id: int, method: str, url: str, body: Any,
                                            status: int) -> None:
    url = url.format(pk=member_id)
    if isinstance(body, bytes):
        response = admin_client.open(url, method=method, data=body, content_type="application/json")
    else:
        response = admin_client.open(url, method=method, json=body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status == 200:
        return
    if url.startswith(("/api/", "/lookup/")):
        message = response.get_json()["message"]
        text = message if isinstance(message, str) else " ".join(sum(message.values(), []))
    else:
        text = response.get_data(as_text=True)
        assert "Traceback" not in text
    assert CJK.search(text), text[:500]


def test_a_bodiless_delete_labelled_json_still_deletes(admin_client: Any, member_id: int) -> None:
    response = admin_client.delete(f"/api/v1/members/{member_id}", content_type="application/json")
    assert response.status_code == 200, response.get_json()


def test_json_limit_names_the_limit_and_uploads_keep_theirs(admin_client: Any, member_id: int) -> None:
    response = admin_client.post("/api/v1/members/", data=b'{"name": "' + b"a" * (1100 * 1024) + b'"}',
                                 content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["message"] == "请求体太大：JSON 请求体超过了 1024 KB 的上限，请分成几次提交。"


def test_money_too_big_names_the_field_and_the_limit(admin_client: Any, member_id: int) -> None:
    response = admin_client.put(f"/api/v1/members/{member_id}", json={"monthly_wage": "1e400"})
    assert response.status_code == 422
    assert response.get_json()["message"] == {"monthly_wage": ["月工资收入不能大于 999999999999.99（当前为 1e400）"]}


def test_integer_beyond_the_column_names_the_field(admin_client: Any, member_id: int) -> None:
    response = admin_client.post("/api/v1/collective_contracts/", json={"delegates_total": 2**31})
    assert response.status_code == 422
    assert response.get_json()["message"]["delegates_total"] == [f"应到代表人数不能大于 {2**31 - 1}（当前为 {2**31}）"]


def test_screen_error_page_is_chinese(admin_client: Any) -> None:
    response = admin_client.get(f"/members/show/{HUGE_ID}")
    assert response.status_code == 404
    assert "找不到页面" in response.get_data(as_text=True)
