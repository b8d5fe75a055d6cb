"""New and deleted roles on the role matrix, with CSRF on: only the administrator, the key checked, the rights
named before saving, the file and tables written, audited, and followed by every worker at the next request.
"""

from __future__ import annotations

import re
from typing import Any

from portal.security.roles import read_roles
from tests.conftest import ADMIN_PASSWORD
from tests.web.test_role_edit_views import (PASSWORD, PHONE, World, admin, csrf_token, members_seen, signed_in,
                                            text_of, world)

__all__ = ["admin", "world"]  # the fixtures, shared with the role edit tests


def new_form(client: Any, copy: str = "") -> tuple[str, str]:
    """The version and CSRF token of the new-role form."""
    response = client.get("/roles/matrix/new" + (f"?copy={copy}" if copy else ""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, text_of(response)[-600:]
    version = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert version and token
    return version.group(1), token.group(1)


def reader_form(key: str, **extra: str) -> dict[str, str]:
    """A role that reads members (own unit and below) with the phone in clear."""
    return {"key": key, "label_zh": "会员查阅员", "label_en": "Member reader", "scope": "subtree",
            "verb.members.read": "1", "verb.members.export": "1", "unmask.members.phone": "1", **extra}


def create(client: Any, key: str, **extra: str) -> Any:
    version, token = new_form(client)
    return client.post("/roles/matrix/create", data={**reader_form(key, **extra), "version": version,
                                                     "csrf_token": token})


def test_only_the_administrator_is_offered_and_may_use_new_and_delete(world: World, admin: Any) -> None:
    page = admin.get("/roles/matrix").get_data(as_text=True)
    assert 'id="portal-role-new"' in page and 'href="/roles/matrix/delete/clerk"' in page
    assert create(admin, "role_keeper", **{"page.role_edit": "1"}).status_code == 302
    with world.app.app_context():
        from portal.security.accounts import create_user

        create_user("keeper_a", PASSWORD, "role_keeper", org_code="A")
    keeper = signed_in(world.app, "keeper_a", PASSWORD)
    page = keeper.get("/roles/matrix").get_data(as_text=True)
    assert "/roles/matrix/edit/clerk" in page and "portal-role-new" not in page and "/roles/matrix/delete/" not in page
    for method, path in (("GET", "/roles/matrix/new"), ("GET", "/roles/matrix/delete/viewer")):
        refused = keeper.open(path, method=method)
        assert refused.status_code == 403 and "只有系统管理员" in text_of(refused)
    token = csrf_token(keeper, "/roles/matrix")
    for path in ("/roles/matrix/create", "/roles/matrix/delete/viewer"):
        refused = keeper.post(path, data={**reader_form("sneaky"), "version": "0" * 64, "csrf_token": token})
        assert refused.status_code == 403 and "只有系统管理员" in text_of(refused)
    chair = signed_in(world.app, "chair_a", PASSWORD)
    assert chair.get("/roles/matrix/new").status_code == 403
    assert "sneaky" not in read_roles(world.roles_file, world.registry)
    assert "viewer" in read_roles(world.roles_file, world.registry)


def test_the_key_is_checked_with_a_chinese_message(world: World, admin: Any) -> None:
    version, token = new_form(admin)
    for key, message in (("", "角色代码：不能为空"), ("Member-Reader", "角色代码“Member-Reader”不合法"),
                         ("读者", "只能用小写英文字母、数字和下划线"), ("clerk", "已被角色“会员管理员”使用"),
                         ("public", "已是数据库中的一个角色")):
        response = admin.post("/roles/matrix/new", data={**reader_form(key), "version": version, "csrf_token": token})
        assert response.status_code == 400, key
        assert message in text_of(response), (key, text_of(response)[-400:])
    blank = admin.post("/roles/matrix/new", data={**reader_form("member_reader", label_zh=""), "version": version,
                                                  "csrf_token": token})
    assert blank.status_code == 400 and "名称（中文）：不能为空" in text_of(blank)
    assert admin.post("/roles/matrix/create", data={**reader_form("member_reader"), "version": version}).status_code \
        == 400  # no CSRF token
    assert admin.get("/roles/matrix/create").status_code == 405
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_the_review_names_every_right_and_saves_nothing(world: World, admin: Any) -> None:
    version, token = new_form(admin)
    response = admin.post("/roles/matrix/new", data={**reader_form("member_reader"), "version": version,
                                                     "csrf_token": token})
    assert response.status_code == 200
    text = text_of(response)
    assert "新建角色：member_reader（会员查阅员 / Member reader）" in text
    assert "数据范围：本单位及下级" in text and "会员：+ 查看、导出" in text and "明文字段：+ 会员·手机号" in text
    assert "确认保存" in text
    back = admin.post("/roles/matrix/new?back=1", data={**reader_form("member_reader"), "version": version,
                                                        "csrf_token": token})
    assert back.status_code == 200 and 'value="member_reader"' in back.get_data(as_text=True)
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_a_copied_role_keeps_the_source_reports_and_is_followed_by_every_worker(world: World, admin: Any) -> None:
    from portal.extensions import db
    from portal.security.accounts import create_user
    from portal.security.audit import AuditEntry

    page = admin.get("/roles/matrix/new?copy=clerk").get_data(as_text=True)
    assert 'value="会员管理员（副本）"' in page and 'name="verb.members.delete" value="1" checked' in page
    version, token = new_form(admin, copy="clerk")
    data = {**reader_form("clerk_lite"), "copy": "clerk", "version": version, "csrf_token": token}
    review = admin.post("/roles/matrix/new", data=data)
    assert "复制自：会员管理员（clerk）" in text_of(review) and "members_by_unit" in text_of(review)
    saved = admin.post("/roles/matrix/create", data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/roles/matrix#role-clerk_lite")
    assert "已新建角色“会员查阅员”（clerk_lite）" in text_of(admin.get("/roles/matrix"))

    text = world.roles_file.read_text(encoding="utf-8")
    assert text.startswith(world.original.rstrip("\n")) and text.rstrip().endswith("unmask: [members.phone]")
    role = read_roles(world.roles_file, world.registry)["clerk_lite"]
    assert role.can("members", "export") and not role.can("members", "edit") and role.can_report("members_by_unit",
                                                                                                 "export")
    with world.app.app_context():
        create_user("lite_a", PASSWORD, "clerk_lite", org_code="A")  # the table role exists already
        entry = db.session.query(AuditEntry).filter_by(action="permissions", record_key="clerk_lite",
                                                       username="admin").order_by(AuditEntry.id.desc()).first()
        assert entry is not None and "新建角色" in (entry.detail or "") and "会员：+ 查看、导出" in (entry.detail or "")
    for app in (world.app, world.other):  # the second worker never saw the form
        client = signed_in(app, "lite_a", PASSWORD)
        assert members_seen(client) == {"会员A01": PHONE}
        assert client.get("/activists/list/").status_code == 403
        assert client.post("/api/v1/members/", json={}).status_code == 403


def test_a_role_still_held_or_named_by_a_workflow_is_not_deleted(world: World, admin: Any) -> None:
    page = admin.get("/roles/matrix/delete/clerk")
    assert page.status_code == 200 and "还有 1 个账户持有该角色（其中 1 个启用）" in text_of(page)
    assert 'id="portal-role-save"' not in page.get_data(as_text=True)
    token = csrf_token(admin, "/roles/matrix")
    from portal.security.role_file import file_version

    version = file_version(world.roles_file)
    refused = admin.post("/roles/matrix/delete/clerk", data={"version": version, "csrf_token": token})
    assert refused.status_code == 409 and "还有 1 个账户持有该角色" in text_of(refused)
    named = admin.post("/roles/matrix/delete/delegate", data={"version": version, "csrf_token": token})
    assert named.status_code == 409 and "流程中还用到这个角色" in text_of(named) and "提案" in text_of(named)
    own = admin.post("/roles/matrix/delete/admin", data={"version": version, "csrf_token": token})
    assert own.status_code == 409 and "系统管理员角色，不能删除" in text_of(own)
    assert admin.get("/roles/matrix/delete/nobody").status_code == 404
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_a_role_nobody_holds_is_deleted_after_its_rights_are_shown(world: World, admin: Any) -> None:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    assert create(admin, "short_lived").status_code == 302
    page = admin.get("/roles/matrix/delete/short_lived")
    text = text_of(page)
    assert "删除角色：short_lived（会员查阅员 / Member reader）" in text and "会员：− 查看、导出" in text
    assert 'id="portal-role-save"' in page.get_data(as_text=True)
    token = csrf_token(admin, "/roles/matrix")
    from portal.security.role_file import file_version

    assert admin.post("/roles/matrix/delete/short_lived", data={"version": file_version(world.roles_file)}
                      ).status_code == 400  # no CSRF token
    stale = admin.post("/roles/matrix/delete/short_lived", data={"version": "0" * 64, "csrf_token": token})
    assert stale.status_code == 409 and "已被修改" in text_of(stale)
    done = admin.post("/roles/matrix/delete/short_lived", data={"version": file_version(world.roles_file),
                                                                "csrf_token": token})
    assert done.status_code == 302
    assert "已删除角色“会员查阅员”（short_lived）" in text_of(admin.get("/roles/matrix"))
    assert world.roles_file.read_text(encoding="utf-8") == world.original  # the file is as before the creation
    with world.app.app_context():
        assert world.app.extensions["appbuilder"].sm.find_role("short_lived") is None
        entry = db.session.query(AuditEntry).filter_by(action="permissions", record_key="short_lived"
                                                       ).order_by(AuditEntry.id.desc()).first()
        assert entry is not None and "删除角色 short_lived" in (entry.detail or "")
    assert admin.get("/roles/matrix/delete/short_lived").status_code == 404
    assert signed_in(world.app, "admin", ADMIN_PASSWORD).get("/roles/matrix").status_code == 200
