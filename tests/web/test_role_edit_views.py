"""Editing a role on the role matrix, with CSRF on: review, save into roles.yaml, audit, and the effect on a
signed-in user of that role at their next request — in this process and in another one (a second app on the
same database and roles file stands for a second worker).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any, Iterator

import pytest

from portal.domain.idcard import make_id_card
from portal.registry.spec import Registry
from portal.security.roles import PAGES, RoleSpec, read_roles, register_verbs
from tests.conftest import (ADMIN_PASSWORD, DATABASES, ORG_TREE, drop_postgres_database, fresh_postgres_database,
                            make_app, upgrade_and_sync)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Roleedit-pass-2026"
PHONE = "13912345678"


@dataclass
class World:
    app: Any  # the worker the administrator uses
    other: Any  # another worker: same database, same roles file
    roles_file: Path
    original: str
    registry: Registry


def csrf_token(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"{path} 没有 csrf_token"
    return match.group(1)


def signed_in(app: Any, username: str, password: str) -> Any:
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": csrf_token(client, "/login/")})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@pytest.fixture(scope="module", params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from portal.extensions import db
    from portal.security.accounts import create_user

    folder = tmp_path_factory.mktemp("roleedit")
    roles_file = folder / "roles.yaml"
    shutil.copy(ROOT / "permissions" / "roles.yaml", roles_file)
    url = f"sqlite:///{folder / 'roles.db'}" if request.param == "sqlite" else fresh_postgres_database("roleedit")
    app = make_app(url, folder / "one", WTF_CSRF_ENABLED=True, PORTAL_ROLES_FILE=str(roles_file))
    other = make_app(url, folder / "two", WTF_CSRF_ENABLED=True, PORTAL_ROLES_FILE=str(roles_file))
    upgrade_and_sync(app)
    with app.app_context():
        state = app.extensions["portal"]
        units: dict[str, Any] = {}
        for row in ORG_TREE:
            units[row["code"]] = state.service("org_units").save(
                {"code": row["code"], "name": row["name"], "unit_type": row["unit_type"],
                 "parent": units.get(row.get("parent", ""))})
        for seq, code in enumerate(("A01", "B"), start=1):
            state.service("members").save({"name": f"会员{code}", "id_card": make_id_card("110105", date(1980, 1, 1), seq),
                                           "org_unit": units[code], "phone": PHONE, "status": "在籍"})
        db.session.commit()
        create_user("clerk_a", PASSWORD, "clerk", org_code="A")
        create_user("chair_a", PASSWORD, "chair", org_code="A")
    yield World(app, other, roles_file, roles_file.read_text(encoding="utf-8"),
                app.extensions["portal"].registry)
    for application in (app, other):
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture()
def admin(world: World) -> Iterator[Any]:
    """The administrator's client; the roles file and tables are put back after each test."""
    from portal.security.sync import sync_roles

    yield signed_in(world.app, "admin", ADMIN_PASSWORD)
    world.roles_file.write_text(world.original, encoding="utf-8")
    from portal.security.live_roles import refresh_roles

    refresh_roles(world.app.extensions["portal"])
    sync_roles(world.app)


def form_of(role: RoleSpec, registry: Registry, **extra: str) -> dict[str, str]:
    """The edit form as a browser would post it for ``role``."""
    data = {"label_zh": role.label.zh, "label_en": role.label.en, "scope": role.scope}
    for spec in registry:
        for verb in register_verbs(spec):
            if role.can(spec.slug, verb):
                data[f"verb.{spec.slug}.{verb}"] = "1"
        for field in spec.sensitive_fields:
            if role.sees(spec.slug, field.name):
                data[f"unmask.{spec.slug}.{field.name}"] = "1"
    data.update({f"page.{page}": "1" for page in PAGES if page in role.pages})
    data.update(extra)
    return data


def edit_form(client: Any, name: str) -> tuple[str, str]:
    response = client.get(f"/roles/matrix/edit/{name}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, text_of(response)[-800:])
    version = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert version and token, page[:500]
    return version.group(1), token.group(1)


def text_of(response: Any) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def wider_clerk(world: World) -> dict[str, str]:
    """Clerk with every unit in scope, no 删除 on members, and members' phone numbers masked."""
    clerk = read_roles(world.roles_file, world.registry)["clerk"]
    data = form_of(clerk, world.registry, scope="all")
    del data["verb.members.delete"], data["unmask.members.phone"]
    return data


def members_seen(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/members/?q=(columns:!(name,phone))")
    assert response.status_code == 200, response.get_json()
    return {row["name"]: row["phone"] for row in response.get_json()["result"]}


def test_the_matrix_offers_edit_only_with_the_role_edit_page(world: World, admin: Any) -> None:
    assert 'href="/roles/matrix/edit/clerk"' in admin.get("/roles/matrix").get_data(as_text=True)
    chair = signed_in(world.app, "chair_a", PASSWORD)
    page = chair.get("/roles/matrix")
    assert page.status_code == 200 and "/roles/matrix/edit/" not in page.get_data(as_text=True)
    assert chair.get("/roles/matrix/edit/clerk").status_code in (302, 403)
    version, _ = edit_form(admin, "clerk")
    refused = chair.post("/roles/matrix/save/clerk", data={**wider_clerk(world), "version": version,
                                                           "csrf_token": csrf_token(chair, "/roles/matrix")})
    assert refused.status_code in (302, 403)
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_review_names_the_changes_and_saves_nothing(world: World, admin: Any) -> None:
    version, token = edit_form(admin, "clerk")
    response = admin.post("/roles/matrix/edit/clerk", data={**wider_clerk(world), "version": version, "csrf_token": token})
    assert response.status_code == 200
    text = text_of(response)
    assert "数据范围：本单位及下级 → 全部单位" in text
    assert "会员：− 删除" in text
    assert "明文字段：− 会员·手机号" in text
    assert "确认保存" in text
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_a_saved_change_applies_to_a_signed_in_user_at_the_next_request_in_every_worker(world: World,
                                                                                      admin: Any) -> None:
    from portal.extensions import db
    from portal.security.audit import AuditEntry

    clerk_here = signed_in(world.app, "clerk_a", PASSWORD)
    clerk_there = signed_in(world.other, "clerk_a", PASSWORD)
    for client in (clerk_here, clerk_there):
        assert members_seen(client) == {"会员A01": PHONE}  # own unit and below, phone in clear
    member_a = clerk_here.get("/api/v1/members/?q=(columns:!(id))").get_json()["result"][0]["id"]

    version, token = edit_form(admin, "clerk")
    response = admin.post("/roles/matrix/save/clerk", data={**wider_clerk(world), "version": version, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/roles/matrix#role-clerk")
    assert "已保存角色“会员管理员”" in text_of(admin.get("/roles/matrix"))

    saved = read_roles(world.roles_file, world.registry)["clerk"]
    assert saved.scope == "all" and not saved.can("members", "delete") and not saved.sees("members", "phone")
    assert "# The workers' congress" in world.roles_file.read_text(encoding="utf-8")
    for client in (clerk_here, clerk_there):
        seen = members_seen(client)
        assert set(seen) == {"会员A01", "会员B"}
        assert all(phone != PHONE and "*" in phone for phone in seen.values())
        assert "会员B" in client.get("/members/list/").get_data(as_text=True)
    assert clerk_there.delete(f"/api/v1/members/{member_a}").status_code == 403

    with world.app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="permissions", record_key="clerk",
                                                       username="admin").order_by(AuditEntry.id.desc()).first()
        assert entry is not None and entry.detail is not None
        assert "数据范围：本单位及下级 → 全部单位" in entry.detail and "会员：− 删除" in entry.detail


def test_an_edit_that_locks_every_administrator_out_is_refused(world: World, admin: Any) -> None:
    admin_role = read_roles(world.roles_file, world.registry)["admin"]
    data = form_of(admin_role, world.registry)
    del data["page.role_edit"]
    version, token = edit_form(admin, "admin")
    for path in ("/roles/matrix/edit/admin", "/roles/matrix/save/admin"):
        response = admin.post(path, data={**data, "version": version, "csrf_token": token})
        assert response.status_code in (400, 409)
        assert "所有管理员都会被锁在外面" in text_of(response)
    assert world.roles_file.read_text(encoding="utf-8") == world.original


def test_a_stale_form_missing_csrf_or_bad_input_changes_nothing(world: World, admin: Any) -> None:
    _, token = edit_form(admin, "clerk")
    stale = admin.post("/roles/matrix/save/clerk", data={**wider_clerk(world), "version": "0" * 64, "csrf_token": token})
    assert stale.status_code == 409 and "已被修改" in text_of(stale)
    version, _ = edit_form(admin, "clerk")
    assert admin.post("/roles/matrix/save/clerk", data={**wider_clerk(world), "version": version}).status_code == 400
    assert admin.get("/roles/matrix/save/clerk").status_code == 405
    blank = admin.post("/roles/matrix/edit/clerk", data={**wider_clerk(world), "label_zh": " ", "version": version,
                                                  "csrf_token": token})
    assert blank.status_code == 400 and "名称（中文）：不能为空" in text_of(blank)
    assert admin.get("/roles/matrix/edit/nobody").status_code == 404
    assert world.roles_file.read_text(encoding="utf-8") == world.original
