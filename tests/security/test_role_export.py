"""``portal roles export``'s text: the roles in force in roles.yaml's format; it reads back to the same roles and
exporting an export gives the same bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from portal.registry.loader import load_registry
from portal.registry.spec import Label
from portal.security.role_export import export_file, export_roles, head_comment
from portal.security.roles import read_roles

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")
SHIPPED = ROOT / "permissions" / "roles.yaml"


def test_the_export_of_the_shipped_file_holds_the_same_data_in_the_same_order(tmp_path: Path) -> None:
    roles = read_roles(SHIPPED, REGISTRY)
    text = export_file(SHIPPED, roles, REGISTRY)
    source = SHIPPED.read_text(encoding="utf-8")
    assert text.startswith(head_comment(source)) and text.startswith("# Roles of the portal")
    assert yaml.safe_load(text) == yaml.safe_load(source)
    assert list(yaml.safe_load(text)) == list(roles)
    for body in yaml.safe_load(text).values():  # the keys in the file's order
        keys = ["label", "scope", "scope_by", "registers", "reports", "unmask", "pages"]
        assert list(body) == [key for key in keys if key in body]
    exported = tmp_path / "roles.yaml"
    exported.write_text(text, encoding="utf-8")
    assert read_roles(exported, REGISTRY) == roles
    assert export_file(exported, read_roles(exported, REGISTRY), REGISTRY) == text


def test_a_role_changed_or_added_in_memory_is_exported_with_lists_and_all(tmp_path: Path) -> None:
    roles = read_roles(SHIPPED, REGISTRY)
    members = frozenset({"read", "export"})
    roles["viewer"] = replace(roles["viewer"], verbs={"members": members}, scope="all")
    roles["member_reader"] = replace(roles["motion_department"], name="member_reader",
                                     label=Label("会员查阅员", "Member reader"), reports={"members_by_unit": frozenset(
                                         {"read", "export"})})
    text = export_roles(roles, REGISTRY, SHIPPED.read_text(encoding="utf-8"), read_roles(SHIPPED, REGISTRY))
    data = yaml.safe_load(text)
    assert data["viewer"]["registers"] == {"members": ["read", "export"]} and data["viewer"]["scope"] == "all"
    assert data["member_reader"]["scope_by"] == {"motions": ["lead_department", "co_department"]}
    assert data["member_reader"]["reports"] == {"members_by_unit": "all"}
    assert "unmask" not in data["member_reader"]
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_roles(path, REGISTRY) == roles
    assert 'clerk:\n  label: {zh: 会员管理员, en: Membership clerk}' in text  # unchanged roles as written
    assert export_roles({}, REGISTRY) == ""
