"""Accounts: org unit and roles set on the user screens, password policy, lockout, deactivation, CLI."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from portal.cli import main
from tests.conftest import login

PASSWORD = "Account-pass-2026"


def _role_id(app: Any, name: str) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def _user_id(app: Any, username: str) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


def _new_user(app: Any, prefix: str, role: str = "viewer") -> str:
    from portal.security.accounts import create_user

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role)
    return name


def _signed_in(app: Any, name: str) -> Any:
    client = app.test_client()
    login(client, name, PASSWORD)
    return client


def _add_form(name: str, **extra: Any) -> dict[str, Any]:
    return {"username": name, "first_name": name, "last_name": "测试", "email": f"{name}@example.cn",
            "active": "y", "password": PASSWORD, "conf_password": PASSWORD, **extra}


def test_admin_creates_a_clerk_with_an_org_unit_on_the_user_screen(app: Any, admin_client: Any,
                                                                  org_tree: dict[str, int]) -> None:
    add_page = admin_client.get("/users/add").get_data(as_text=True)
    assert "所属组织" in add_page and "第一机械厂工会 (A)" in add_page
    admin_client.post("/api/v1/members/", json={"name": "甲", "id_card": "11010519491231002X", "org_unit": "A01-1"})
    admin_client.post("/api/v1/members/", json={"name": "乙", "id_card": "110101199003070013", "org_unit": "B"})
    name = f"clerk_{uuid.uuid4().hex[:12]}"
    response = admin_client.post("/users/add", data=_add_form(
        name, roles=str(_role_id(app, "clerk")), org_unit_id=str(org_tree["A"])))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    # Other tests add users too: find this one by its name.
    listing = admin_client.get(f"/users/list/?_flt_0_username={name}").get_data(as_text=True)
    assert name in listing and "第一机械厂工会 (A)" in listing
    client = _signed_in(app, name)
    names = [row["name"] for row in client.get("/api/v1/members/").get_json()["result"]]
    assert names == ["甲"]


def test_user_screens_enforce_the_password_policy_in_chinese(app: Any, admin_client: Any) -> None:
    for password, message in (("Ab1", "密码至少需要 10 个字符"), ("1234567890", "密码不能全是数字")):
        name = f"weak_{uuid.uuid4().hex[:12]}"
        page = admin_client.post("/users/add", data=_add_form(
            name, password=password, conf_password=password, roles=str(_role_id(app, "viewer")))).get_data(as_text=True)
        assert message in page
        with app.app_context():
            assert app.appbuilder.sm.find_user(username=name) is None
    user_id = _user_id(app, "admin")
    page = admin_client.post(f"/resetpassword/form?pk={user_id}",
                             data={"password": "1234567890", "conf_password": "1234567890"}).get_data(as_text=True)
    assert "密码不能全是数字" in page
    assert login(app.test_client(), "admin").status_code == 302  # the admin password is unchanged


def test_repeated_failed_sign_ins_lock_the_account(app: Any, clean: None) -> None:
    name = _new_user(app, "lock")
    client = app.test_client()
    for _ in range(app.config["PORTAL_LOCKOUT_ATTEMPTS"]):
        assert "/login" in login(client, name, "wrong-password-9").headers["Location"]
    refused = login(client, name, PASSWORD)
    assert "/login" in refused.headers["Location"]
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "已暂时锁定" in page
    other = app.test_client()
    assert "/login" not in login(other).headers["Location"]  # other accounts are unaffected


def test_a_deactivated_user_cannot_sign_in_and_loses_the_open_session(app: Any, admin_client: Any) -> None:
    name = _new_user(app, "leaver")
    session = _signed_in(app, name)
    assert session.get("/members/list/").status_code == 200
    user_id = _user_id(app, name)
    edit = admin_client.post(f"/users/edit/{user_id}", data={
        "username": name, "first_name": name, "last_name": "x", "email": f"{name}@portal.local",
        "roles": str(_role_id(app, "viewer"))})  # "active" left unticked
    assert edit.status_code == 302
    assert session.get("/members/list/").status_code in (302, 403)
    assert session.get("/api/v1/members/").status_code == 401
    again = app.test_client()
    response = login(again, name, PASSWORD)
    assert "该账户已停用" in again.get(response.headers["Location"]).get_data(as_text=True)


def test_cli_creates_users_with_an_org_unit_and_deactivates_them(app: Any, database_url: str, tmp_path: Path,
                                                                 org_tree: dict[str, int]) -> None:
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(tmp_path)}
    name = f"cli_{uuid.uuid4().hex[:12]}"
    runner = CliRunner()
    created = runner.invoke(main, ["user", "create", name, "--password", PASSWORD, "--role", "clerk", "--org", "A01"],
                            env=env)
    assert created.exit_code == 0, created.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=name).org_unit_id == org_tree["A01"]
    off = runner.invoke(main, ["user", "deactivate", name], env=env)
    assert off.exit_code == 0 and "已停用" in off.output
    missing = runner.invoke(main, ["user", "deactivate", "nobody_here"], env=env)
    assert missing.exit_code == 1 and "没有用户名为 nobody_here 的用户" in missing.output
    with app.app_context():
        from portal.extensions import db

        db.session.expire_all()
        assert app.appbuilder.sm.find_user(username=name).active is False


def test_roles_sync_dry_run_prints_the_diff_and_writes_nothing(app: Any, database_url: str, tmp_path: Path) -> None:
    from portal.extensions import db

    with app.app_context():
        viewer = app.appbuilder.sm.find_role("viewer")
        dropped = viewer.permissions[-1]
        viewer.permissions = viewer.permissions[:-1]
        db.session.commit()
        line = f"  + {dropped.permission.name} {dropped.view_menu.name}"
    env = {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(tmp_path)}
    runner = CliRunner()
    dry = runner.invoke(main, ["roles", "sync", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "角色 viewer（只读）：更新，+1 -0" in dry.output and line in dry.output
    assert "试运行，未写入" in dry.output
    assert "角色 clerk（会员管理员）：无变化" in dry.output
    again = runner.invoke(main, ["roles", "sync", "--dry-run"], env=env)
    assert line in again.output  # nothing was written
    real = runner.invoke(main, ["roles", "sync"], env=env)
    assert real.exit_code == 0 and line in real.output
    settled = runner.invoke(main, ["roles", "sync", "--dry-run"], env=env)
    assert re.search(r"将新增 0 项权限，将移除 0 项权限", settled.output), settled.output


def test_role_matrix_page_shows_each_role_with_scope_and_unmasked_fields(app: Any, admin_client: Any) -> None:
    page = admin_client.get("/roles/matrix").get_data(as_text=True)
    for label in ("系统管理员", "工会主席", "会员管理员", "财务", "经审", "帮扶专员", "只读"):
        assert label in page
    clerk = page[page.index('id="role-clerk"'):page.index('id="role-finance"')]
    assert "本单位及下级" in clerk and "会员·身份证号" in clerk
    members_row = re.search(r"<tr><th>会员</th>(.*?)</tr>", clerk, re.S).group(1)
    assert members_row.count("fa-check") == 6  # read, create, edit, delete, import, export
    dues_row = re.search(r"<tr><th>会费缴纳</th>(.*?)</tr>", clerk, re.S)
    assert dues_row is not None and "fa-check" not in dues_row.group(1)


def test_a_viewer_has_no_role_matrix_nor_user_screens(app: Any, clean: None) -> None:
    client = _signed_in(app, _new_user(app, "viewer"))
    assert client.get("/roles/matrix").status_code == 403
    assert client.get("/users/list/").status_code == 403
    assert "您的用户信息" in client.get("/users/userinfo/").get_data(as_text=True)


def test_accounts_the_chinese_way(app: Any, admin_client: Any) -> None:
    page = admin_client.get("/users/add").get_data(as_text=True)
    assert "姓名" in page and 'name="last_name"' not in page
    assert "系统管理员" in page and ">Public<" not in page  # roles by label, without FAB's public role
    name = f"zh_{uuid.uuid4().hex[:12]}"
    response = admin_client.post("/users/add", data={"username": name, "first_name": "欧阳娜娜", "email": "",
                                                     "active": "y", "roles": str(_role_id(app, "clerk")),
                                                     "password": PASSWORD, "conf_password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=name)
        assert (user.first_name, user.last_name, user.email) == ("欧阳娜娜", "", f"{name}@portal.local")
    listing = admin_client.get(f"/users/list/?_flt_0_username={name}").get_data(as_text=True)
    row = listing.split(name, 1)[1]
    assert "欧阳娜娜" in row and "会员管理员" in row and ">是<" in row.replace(" ", "").replace("\n", "")
    assert "portal.local" not in row
    menu = admin_client.get("/").get_data(as_text=True)
    for hidden in ("/roles/list/", "/permissions/list/", "/viewmenus/list/", "/permissionviews/list/",
                   "/userstatschartview/chart/"):
        assert hidden not in menu, hidden


def test_an_account_saved_with_given_and_family_name_apart_shows_the_whole_name(app: Any, admin_client: Any) -> None:
    name = _new_user(app, "old")
    with app.app_context():
        from portal.extensions import db

        user = app.appbuilder.sm.find_user(username=name)
        user.first_name, user.last_name = "三", "张"
        app.appbuilder.sm.find_user(username="admin").email = "chair@example.cn"
        db.session.commit()
        user_id = user.id
    assert "张三" in admin_client.get(f"/users/list/?_flt_0_username={name}").get_data(as_text=True)
    edit = admin_client.get(f"/users/edit/{user_id}").get_data(as_text=True)
    assert 'value="张三"' in edit
    taken = admin_client.post(f"/users/edit/{user_id}", data={
        "username": name, "first_name": "张三", "email": "chair@example.cn", "active": "y",
        "roles": str(_role_id(app, "viewer"))}).get_data(as_text=True)
    assert "这个电子邮箱已被另一个账户使用" in taken
