"""A record's page: 编辑/审批/删除 buttons by the user's rights, and where add and edit land after a save."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍",
          "joined_on": "2015-03-01"}


@pytest.fixture()
def member_id(admin_client: Any, org_tree: dict[str, int]) -> int:
    response = admin_client.post("/api/v1/members/", json=MEMBER)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _client(app: Any, role: str, org_code: str = "A") -> Any:
    from portal.security.accounts import create_user
    from tests.conftest import login

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, "Show-pass-2026", role, org_code=org_code)
    client = app.test_client()
    assert login(client, name, "Show-pass-2026").status_code == 302
    return client


def _buttons(page: str) -> str:
    return page.split("portal-record-buttons", 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(("role", "edit", "delete"), [
    ("admin", True, True),
    ("clerk", True, True),
    ("viewer", False, False),
])
def test_show_page_offers_edit_and_delete_only_to_users_with_the_right(
        app: Any, admin_client: Any, member_id: int, role: str, edit: bool, delete: bool) -> None:
    client = admin_client if role == "admin" else _client(app, role)
    response = client.get(f"/members/show/{member_id}")
    assert response.status_code == 200
    buttons = _buttons(response.get_data(as_text=True))
    assert (f'href="/members/edit/{member_id}"' in buttons and "编辑" in buttons) is edit
    assert (f'action="/members/delete/{member_id}"' in buttons and "删除" in buttons) is delete
    if delete:
        assert 'name="csrf_token"' in buttons  # the delete stays a POST form with the token


def test_add_lands_on_the_new_record(admin_client: Any, org_tree: dict[str, int]) -> None:
    form = {**MEMBER, "org_unit": str(org_tree["A01-1"])}
    response = admin_client.post("/members/add", data=form)
    assert response.status_code == 302
    (member,) = admin_client.get("/api/v1/members/").get_json()["result"]
    member_id = admin_client.get("/api/v1/members/?q=(columns:!(id))").get_json()["ids"][0]
    assert response.headers["Location"].endswith(f"/members/show/{member_id}")
    assert member["name"] == "张三"


def test_edit_lands_on_the_record(admin_client: Any, org_tree: dict[str, int], member_id: int) -> None:
    form = {**MEMBER, "org_unit": str(org_tree["A01-1"]), "name": "张三丰"}
    response = admin_client.post(f"/members/edit/{member_id}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/members/show/{member_id}")
    assert "张三丰" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_save_goes_to_the_next_page_given(admin_client: Any, org_tree: dict[str, int], member_id: int) -> None:
    form = {**MEMBER, "org_unit": str(org_tree["A01-1"])}
    response = admin_client.post(f"/members/edit/{member_id}?next=/members/list/%3Fpage=2", data=form)
    assert response.headers["Location"].endswith("/members/list/?page=2")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x",
                                    "http:/evil.example"])
def test_a_next_leaving_the_site_is_ignored(admin_client: Any, org_tree: dict[str, int], member_id: int,
                                            target: str) -> None:
    from urllib.parse import quote

    form = {**MEMBER, "org_unit": str(org_tree["A01-1"])}
    response = admin_client.post(f"/members/edit/{member_id}?next={quote(target, safe='')}", data=form)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and location.endswith(f"/members/show/{member_id}")


# -- link values lead to the linked record ---------------------------------------------------------

def test_a_link_value_leads_to_the_linked_record(admin_client: Any, org_tree: dict[str, int],
                                                 member_id: int) -> None:
    page = admin_client.get(f"/members/show/{member_id}").get_data(as_text=True)
    assert f'<a href="/org_units/show/{org_tree["A01-1"]}">车工一组</a>' in page
    listing = admin_client.get("/members/list/").get_data(as_text=True)
    assert f'<a href="/org_units/show/{org_tree["A01-1"]}">车工一组</a>' in listing


def test_a_link_out_of_the_readers_scope_shows_the_title_only(app: Any, admin_client: Any,
                                                              org_tree: dict[str, int]) -> None:
    viewer = _client(app, "viewer", org_code="A")
    page = viewer.get(f"/org_units/show/{org_tree['A']}").get_data(as_text=True)
    assert "集团公司工会" in page  # the parent's title
    assert f'/org_units/show/{org_tree["HQ"]}"' not in page and ">HQ<" not in page
    child = viewer.get(f"/org_units/show/{org_tree['A01']}").get_data(as_text=True)
    assert f'<a href="/org_units/show/{org_tree["A"]}">第一机械厂工会</a>' in child


# -- records listed under a record -----------------------------------------------------------------

DUES = {"record_no": "HY001-202401", "member": "11010519491231002X", "org_unit": "A01-1", "month": "2024-01",
        "wage": "10245.67", "amount_paid": "51.20"}


def _related(page: str, heading: str) -> str:
    parts = page.split('class="panel panel-default portal-related"')[1:]
    panels = [part.split("portal-related", 1)[0] for part in parts]
    (panel,) = [panel for panel in panels if f"<strong>{heading}</strong>" in panel]
    return panel


def test_a_members_page_lists_their_dues_with_a_count_and_an_add_button(admin_client: Any, member_id: int,
                                                                         org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/dues/", json=DUES)
    assert response.status_code == 201
    dues_id = response.get_json()["id"]
    page = admin_client.get(f"/members/show/{member_id}").get_data(as_text=True)
    dues = _related(page, "会费缴纳")
    assert '<span class="badge">1</span>' in dues
    assert f'<a href="/dues/show/{dues_id}">HY001-202401</a>' in dues
    back = f"next=%2Fmembers%2Fshow%2F{member_id}"
    assert f"/dues/add?member={member_id}&amp;org_unit={org_tree['A01-1']}&amp;{back}" in dues
    assert "暂无记录" in _related(page, "劳动合同")
    form = admin_client.get(f"/dues/add?member={member_id}&org_unit={org_tree['A01-1']}").get_data(as_text=True)
    assert f'<option value="{member_id}" selected>张三' in form
    assert f'<option value="{org_tree["A01-1"]}" selected>车工一组' in form


def test_an_org_units_page_lists_the_units_below_and_the_members(admin_client: Any, org_tree: dict[str, int],
                                                                 member_id: int) -> None:
    page = admin_client.get(f"/org_units/show/{org_tree['A01']}").get_data(as_text=True)
    assert f'<a href="/org_units/show/{org_tree["A01-1"]}">车工一组</a>' in _related(page, "下级组织")
    assert "<strong>会员</strong>" in page and "<strong>会费缴纳</strong>" not in page  # dues are listed under members
    leaf = admin_client.get(f"/org_units/show/{org_tree['A01-1']}").get_data(as_text=True)
    assert f'<a href="/members/show/{member_id}">张三</a>' in _related(leaf, "会员")


def test_related_lists_follow_the_readers_rights(app: Any, admin_client: Any, org_tree: dict[str, int],
                                                member_id: int) -> None:
    outside = {**MEMBER, "name": "李四", "id_card": "360426199101010071", "org_unit": "B"}
    assert admin_client.post("/api/v1/members/", json=outside).status_code == 201
    hq = admin_client.get(f"/org_units/show/{org_tree['HQ']}").get_data(as_text=True)
    assert "李四" not in hq  # members are listed under their own unit, not the units above
    viewer = _client(app, "viewer", org_code="A")
    page = viewer.get(f"/org_units/show/{org_tree['A']}").get_data(as_text=True)
    assert f'<a href="/org_units/show/{org_tree["A01"]}">机加工车间分工会</a>' in _related(page, "下级组织")
    assert "新增</a>" not in page  # a viewer may not add
    clerk = _client(app, "clerk", org_code="A")
    leaf = clerk.get(f"/org_units/show/{org_tree['A01-1']}").get_data(as_text=True)
    assert "新增</a>" in _related(leaf, "会员") and "新增</a>" not in _related(leaf, "下级组织")
    assert "<strong>会费缴纳</strong>" not in clerk.get(f"/members/show/{member_id}").get_data(as_text=True)


NOMINATION = {"activist_no": "JJ-2026-001", "member": MEMBER["id_card"], "org_unit": "A01-1", "award_year": 2026}


@pytest.mark.parametrize(("role", "approve", "edit"), [("chair", True, False), ("clerk", False, True)])
def test_the_transition_buttons_are_shown_to_roles_that_approve(app: Any, admin_client: Any, member_id: int,
                                                            role: str, approve: bool, edit: bool) -> None:
    response = admin_client.post("/api/v1/activists/", json={**NOMINATION, "deeds": "带领小组完成技术革新"})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["id"]
    page = _client(app, role).get(f"/activists/show/{record}").get_data(as_text=True)
    buttons = _buttons(page)
    assert (f'action="/activists/transition/{record}/approve"' in page and "不批准" in page) is approve
    assert (f'href="/activists/edit/{record}"' in buttons) is edit
    member_page = admin_client.get(f"/members/show/{member_id}").get_data(as_text=True)
    assert f'action="/members/transition/{member_id}/leave"' in member_page  # the membership workflow's own buttons
