"""FAB permission pairs derived from register specs and roles (pure, no app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.security.permissions import API_DOCS, OWN_ACCOUNT, portal_views, role_permissions, verb_permissions
from portal.registry.loader import load_registry
from portal.registry.spec import Label, Registry
from portal.security.roles import RoleSpec, read_roles

ROOT = Path(__file__).resolve().parents[2]
WRITE_PERMISSIONS = {"can_add", "can_edit", "can_delete", "can_post", "can_put"}
FAB_PAIRS = (("can_list", "UserDBModelView"), ("menu_access", "List Users"))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schemas")


@pytest.fixture(scope="module")
def roles(registry: Registry) -> dict[str, RoleSpec]:
    return read_roles(ROOT / "permissions" / "roles.yaml", registry)


def bare_role(pages: frozenset[str] = frozenset()) -> RoleSpec:
    return RoleSpec("r", Label("r", "r"), "subtree", verbs={}, unmask=(), pages=pages)


def test_read_on_members_grants_screen_api_and_menus(registry: Registry) -> None:
    pairs = set(verb_permissions(registry.get("members"), "read"))
    assert {("can_list", "members"), ("can_show", "members"), ("can_get", "members_api"),
            ("can_info", "members_api"), ("menu_access", "menu_members"), ("menu_access", "会员管理")} <= pairs
    assert not any(name in WRITE_PERMISSIONS for name, _ in pairs)


def test_write_verbs_map_to_screen_and_api(registry: Registry) -> None:
    members = registry.get("members")
    assert verb_permissions(members, "create") == (("can_add", "members"), ("can_post", "members_api"))
    assert verb_permissions(members, "edit") == (("can_edit", "members"), ("can_put", "members_api"))
    assert verb_permissions(members, "delete") == (("can_delete", "members"), ("can_delete", "members_api"))


def test_read_menu_category_follows_the_register_menu_group(registry: Registry) -> None:
    assert ("menu_access", "帮扶") in verb_permissions(registry.get("assistance_cases"), "read")
    assert ("menu_access", "组织") in verb_permissions(registry.get("org_units"), "read")


def test_viewer_has_no_write_permission_anywhere(roles: dict[str, RoleSpec], registry: Registry) -> None:
    pairs = role_permissions(roles["viewer"], registry)
    assert not [pair for pair in pairs if pair[0] in WRITE_PERMISSIONS]
    assert ("can_list", "dues") in pairs and ("can_get", "members_api") in pairs
    assert set(OWN_ACCOUNT) <= pairs and set(API_DOCS) <= pairs
    assert ("can_lookup", "lookup") in pairs


def test_clerk_may_post_members_but_has_nothing_on_dues(roles: dict[str, RoleSpec], registry: Registry) -> None:
    pairs = role_permissions(roles["clerk"], registry)
    assert ("can_post", "members_api") in pairs
    assert ("can_import", "activists") in pairs
    assert not [pair for pair in pairs if pair[1] in ("dues", "dues_api", "menu_dues")]
    assert ("menu_access", "会费") not in pairs


def test_only_a_role_with_the_users_page_gets_fab_pairs(registry: Registry) -> None:
    with_users = role_permissions(bare_role(frozenset({"users"})), registry, FAB_PAIRS)
    without = role_permissions(bare_role(frozenset({"audit"})), registry, FAB_PAIRS)
    assert set(FAB_PAIRS) <= with_users and ("menu_access", "系统管理") in with_users
    assert not set(FAB_PAIRS) & without
    assert ("can_list", "audit") in without


def test_each_congress_page_grants_its_own_screen_permission_and_the_menu(registry: Registry) -> None:
    screens = {"congress_staff": "can_staff", "congress_chair": "can_chair", "congress_teller": "can_teller",
               "congress_vote": "can_vote"}
    for page, permission in screens.items():
        pairs = role_permissions(bare_role(frozenset({page})), registry)
        assert pairs - set(OWN_ACCOUNT) == {(permission, "congress"), ("can_list", "congress"),
                                            ("menu_access", "menu_congress")}, page
    assert {"congress", "menu_congress"} <= portal_views(registry)


def test_role_without_registers_gets_only_its_own_account(registry: Registry) -> None:
    assert role_permissions(bare_role(), registry) == frozenset(OWN_ACCOUNT)


def test_portal_views_names_every_register(registry: Registry) -> None:
    views = portal_views(registry)
    for spec in registry:
        assert {spec.slug, f"{spec.slug}_api", f"menu_{spec.slug}"} <= views, spec.slug
    assert {"lookup", "audit", "role_matrix", "会员管理", "系统管理"} <= views
    assert "UserDBModelView" not in views


def test_reading_resolutions_grants_the_menu_of_their_progress_page(registry: Registry) -> None:
    assert ("menu_access", "menu_resolutions_progress") in verb_permissions(registry.get("resolutions"), "read")
    assert ("menu_access", "menu_resolutions_progress") not in verb_permissions(registry.get("members"), "read")
    assert ("menu_access", "menu_resolutions_progress") not in verb_permissions(registry.get("resolutions"), "create")
    assert "menu_resolutions_progress" in portal_views(registry)
