"""Changing one role in roles.yaml: the named diff, the rewrite of only its block, the check before writing."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from portal.registry.loader import load_registry
from portal.registry.spec import Label, Registry
from portal.security.live_roles import refresh_roles, signature
from portal.security.role_file import describe_diff, file_version, replace_block, write_role
from portal.security.roles import register_verbs, RolesError, read_roles

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schemas")


@pytest.fixture()
def roles_file(tmp_path: Path) -> Path:
    path = tmp_path / "roles.yaml"
    shutil.copy(ROOT / "permissions" / "roles.yaml", path)
    return path


def test_the_diff_names_every_change_in_words(registry: Registry, roles_file: Path) -> None:
    clerk = read_roles(roles_file, registry)["clerk"]
    new = replace(clerk, scope="all", verbs={**clerk.verbs, "members": frozenset({"read", "export"}),
                                             "dues": frozenset({"read"})},
                  unmask=("org_units.*",), pages=frozenset({"audit"}), label=Label("会员干事", "Clerk"))
    assert describe_diff(clerk, new, registry) == [
        "名称：会员管理员 → 会员干事",
        "数据范围：本单位及下级 → 全部单位",
        "会费缴纳：+ 查看",
        "会员：− 新增、编辑、删除、导入",
        "明文字段：− 会员·身份证号、会员·手机号、会员·刑事处分情况、会员·月工资收入",
        "页面：+ 审计日志",
    ]
    assert describe_diff(clerk, new, registry, "en")[3] == "Members: − Create, Edit, Delete, Import"
    assert describe_diff(clerk, clerk, registry) == []


def test_only_the_edited_block_is_rewritten_and_the_rest_stays_as_written(registry: Registry,
                                                                         roles_file: Path) -> None:
    before = roles_file.read_text(encoding="utf-8")
    finance = read_roles(roles_file, registry)["finance"]
    roles = write_role(roles_file, replace(finance, scope="all"), registry)
    after = roles_file.read_text(encoding="utf-8")
    assert roles["finance"].scope == "all"
    assert read_roles(roles_file, registry)["finance"].scope == "all"
    # Comments, other roles and the unchanged parts of finance keep their wording.
    assert after.startswith(before.split("\nadmin:")[0])
    assert "# The workers' congress (职代会)" in after
    assert "    dues: all\n" in after and "registers: {\"*\": [read, export]}" in after
    assert {name: spec for name, spec in roles.items() if name != "finance"} == \
        {name: spec for name, spec in read_roles(ROOT / "permissions" / "roles.yaml", registry).items()
         if name != "finance"}


def test_a_change_of_verbs_is_written_as_lists_and_all(registry: Registry, roles_file: Path) -> None:
    viewer = read_roles(roles_file, registry)["viewer"]
    members = registry.get("members")
    new = replace(viewer, verbs={"members": frozenset(register_verbs(members))}, unmask=("members.phone",))
    write_role(roles_file, new, registry)
    text = roles_file.read_text(encoding="utf-8")
    assert "members: all" in text and "members.phone" in text
    assert read_roles(roles_file, registry)["viewer"].verbs == {"members": new.verbs["members"]}
    assert new.verbs["members"] == frozenset(register_verbs(members))


def test_a_role_that_would_not_read_back_leaves_the_file_untouched(registry: Registry, roles_file: Path) -> None:
    before = file_version(roles_file)
    viewer = read_roles(roles_file, registry)["viewer"]
    with pytest.raises(RolesError):
        # dues has neither approval fields nor a workflow that needs approve: the file would not read back
        write_role(roles_file, replace(viewer, verbs={"dues": frozenset({"read", "approve"})}), registry)
    assert file_version(roles_file) == before
    assert not list(roles_file.parent.glob(".*.tmp"))


def test_replace_block_keeps_the_comment_before_the_next_role() -> None:
    text = "a:\n  x: 1\n\n# about b\nb:\n  y: 2\n"
    assert replace_block(text, "a", "a:\n  x: 3\n") == "a:\n  x: 3\n\n# about b\nb:\n  y: 2\n"
    assert replace_block(text, "c", "c: {}\n") == text.rstrip("\n") + "\n\nc: {}\n"


def test_every_process_rereads_the_file_when_it_changes(registry: Registry, roles_file: Path) -> None:
    class State:
        pass

    state = State()
    state.registry, state.roles_file = registry, roles_file  # type: ignore[attr-defined]
    state.roles = read_roles(roles_file, registry)  # type: ignore[attr-defined]
    state.roles_signature = signature(roles_file)  # type: ignore[attr-defined]
    assert refresh_roles(state) is False
    write_role(roles_file, replace(state.roles["viewer"], scope="all"), registry)  # type: ignore[attr-defined]
    assert refresh_roles(state) is True
    assert state.roles["viewer"].scope == "all"  # type: ignore[attr-defined]
    roles_file.write_text("admin: [broken", encoding="utf-8")  # a half-finished edit by hand
    assert refresh_roles(state) is False
    assert state.roles["viewer"].scope == "all"  # type: ignore[attr-defined]


def test_an_edit_keeps_scope_by_and_reports(registry: Registry, roles_file: Path) -> None:
    department = read_roles(roles_file, registry)["motion_department"]
    write_role(roles_file, replace(department, scope="all"), registry)
    again = read_roles(roles_file, registry)["motion_department"]
    assert again.scope == "all" and again.scope_by == {"motions": ("lead_department", "co_department")}
    assert "unmask" not in roles_file.read_text(encoding="utf-8").split("motion_department:")[1]


def test_a_new_role_is_appended_and_removed_again(registry: Registry, roles_file: Path) -> None:
    from portal.security.role_file import remove_role
    from portal.security.roles import RoleSpec

    before = roles_file.read_text(encoding="utf-8")
    new = RoleSpec(name="member_reader", label=Label("会员查阅员", "Member reader"), scope="subtree",
                   verbs={"members": frozenset({"read"})}, reports={"members_by_unit": frozenset({"read"})})
    roles = write_role(roles_file, new, registry)
    assert roles["member_reader"] == new and list(roles)[-1] == "member_reader"
    assert roles_file.read_text(encoding="utf-8").startswith(before.rstrip("\n"))
    left = remove_role(roles_file, "member_reader", registry)
    assert "member_reader" not in left and roles_file.read_text(encoding="utf-8") == before
    # a role a workflow names cannot go: the file would not read back
    with pytest.raises(RolesError, match="R012"):
        remove_role(roles_file, "delegate", registry)
    assert roles_file.read_text(encoding="utf-8") == before
    remove_role(roles_file, "viewer", registry)
    text = roles_file.read_text(encoding="utf-8")
    assert "viewer:" not in text and "\n\n\n" not in text and "# The workers' congress" in text
