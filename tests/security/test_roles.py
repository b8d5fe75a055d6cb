"""permissions/roles.yaml: read, checked against the registry, expanded (pure, no app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.registry.loader import load_registry
from portal.registry.spec import Label, Registry
from portal.security.roles import VERBS, RoleSpec, RolesError, read_roles, register_verbs

ROOT = Path(__file__).resolve().parents[2]
ROLES_FILE = ROOT / "permissions" / "roles.yaml"
EDIT_VERBS = ("create", "edit", "delete")


#: Registers whose workflow names roles of the committed file (R012 in the small files below): the motions'
#: departments, the chair approving hardship cases (``approvals: {role: chair}``),
#: the resolution tasks' departments.
ROLE_NAMING = ("motions", "motion_cosigners", "assistance_cases", "resolution_tasks")


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The shipped registers but those whose workflows name roles the small test files do not define."""
    full = load_registry(ROOT / "schemas")
    return Registry(tuple(spec for spec in full if spec.slug not in ROLE_NAMING))


@pytest.fixture(scope="module")
def roles() -> dict[str, RoleSpec]:
    return read_roles(ROLES_FILE, load_registry(ROOT / "schemas"))


def problems_of(tmp_path: Path, registry: Registry, text: str) -> set[tuple[str, str]]:
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RolesError) as caught:
        read_roles(path, registry)
    return {(problem.code, problem.path) for problem in caught.value.problems}


def role(**unmask_and_verbs: object) -> RoleSpec:
    return RoleSpec(name="r", label=Label("r", "r"), scope="subtree", **unmask_and_verbs)  # type: ignore[arg-type]


# --- the committed roles.yaml ------------------------------------------------------------------

def test_committed_roles_have_the_expected_names_and_chinese_labels(roles: dict[str, RoleSpec]) -> None:
    expected = {"admin": "系统管理员", "chair": "工会主席", "clerk": "会员管理员", "finance": "财务",
                "auditor": "经审", "assistance_officer": "帮扶专员", "viewer": "只读"}
    assert set(expected) <= set(roles)
    assert {name: roles[name].label.zh for name in expected} == expected


def test_clerk_has_every_data_verb_on_members_and_activists_in_subtree(roles: dict[str, RoleSpec]) -> None:
    clerk = roles["clerk"]
    data_verbs = {"read", "create", "edit", "delete", "import", "export"}
    assert data_verbs <= clerk.verbs["members"]
    assert data_verbs <= clerk.verbs["activists"]
    assert clerk.scope == "subtree"
    assert "dues" not in clerk.verbs


def test_auditor_reads_and_exports_everything_and_changes_nothing(roles: dict[str, RoleSpec],
                                                                    registry: Registry) -> None:
    auditor = roles["auditor"]
    for spec in registry:
        assert auditor.can(spec.slug, "read") and auditor.can(spec.slug, "export"), spec.slug
        assert not any(auditor.can(spec.slug, verb) for verb in EDIT_VERBS), spec.slug
    assert auditor.verbs["members"] == frozenset({"read", "export"})


def test_chair_reads_every_register_and_approves_where_a_workflow_asks(roles: dict[str, RoleSpec]) -> None:
    registry = Registry(tuple(spec for spec in load_registry(ROOT / "schemas")
                              if spec.slug not in ("motions", "motion_cosigners")))
    chair = roles["chair"]
    assert all(chair.can(spec.slug, "read") for spec in registry)
    approving = ["activists", "assistance_cases", "members"]  # 批准、审批建档、批准入会/自动退会/开除会籍
    assert [spec.slug for spec in registry if "approve" in register_verbs(spec)] == approving
    assert [spec.slug for spec in registry if chair.can(spec.slug, "approve")] == approving


def test_admin_has_scope_all_and_every_offered_verb(roles: dict[str, RoleSpec], registry: Registry) -> None:
    admin = roles["admin"]
    assert admin.scope == "all"
    assert admin.verbs["activists"] == frozenset(VERBS)
    assert admin.verbs["members"] == frozenset(VERBS)
    assert admin.verbs["dues"] == frozenset(VERBS) - {"approve"}
    assert admin.pages == frozenset({"audit", "role_matrix", "role_edit", "users", "congress_staff", "congress_chair",
                                     "congress_teller", "congress_vote", "dues_generate", "motions_mine",
                                     "motions_report"})


def test_each_congress_body_has_its_own_page_and_nothing_else(roles: dict[str, RoleSpec]) -> None:
    pages = {name: role.pages for name, role in roles.items() if name.startswith("congress") or name == "delegate"}
    assert pages == {"congress_secretariat": {"congress_staff"}, "congress_presidium": {"congress_chair"},
                     "congress_teller": {"congress_teller"}, "delegate": {"congress_vote", "motions_mine"}}
    # a delegate's register rows are their motions and co-signatures, the resolutions and their inspections
    assert set(roles["delegate"].verbs) == {"motions", "motion_cosigners", "resolutions", "resolution_tasks",
                                            "resolution_inspections"}
    assert roles["delegate"].verbs["resolutions"] == {"read"}
    assert roles["delegate"].verbs["resolution_inspections"] == {"read", "create", "edit"}
    # the presidium makes resolutions from passed votes; the staff keeps them, their tasks and inspections
    assert roles["congress_presidium"].verbs == {"resolutions": {"read", "create"}, "resolution_tasks": {"read"},
                                                 "resolution_inspections": {"read"}}
    assert roles["congress_secretariat"].verbs["members"] == {"read"}
    assert {"create", "edit", "delete"} <= roles["congress_secretariat"].verbs["resolution_tasks"]


def test_a_resolution_department_reaches_tasks_through_their_department(roles: dict[str, RoleSpec]) -> None:
    department = roles["resolution_department"]
    assert department.scope_by == {"resolution_tasks": ("department",)}
    assert department.verbs == {"resolution_tasks": {"read", "edit", "export"}}


# --- one problem code each ----------------------------------------------------------------------

def test_r001_invalid_yaml(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: [unclosed\n") == {("R001", "")}


def test_r001_missing_file(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(RolesError) as caught:
        read_roles(tmp_path / "absent.yaml", registry)
    assert [problem.code for problem in caught.value.problems] == ["R001"]


def test_r002_file_not_a_mapping(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "- admin\n- clerk\n") == {("R002", "")}


def test_r002_role_not_a_mapping(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: [read]\n") == {("R002", "x")}


def test_r003_unknown_key(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, colour: red}\n") == {("R003", "x.colour")}


def test_r004_unknown_register(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, registers: {nope: [read]}}\n") == {
        ("R004", "x.registers.nope")}


def test_r005_unknown_verb(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, registers: {members: [read, print]}}\n") == {
        ("R005", "x.registers.members")}


def test_r006_approve_on_register_without_approval_fields(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, registers: {dues: [approve]}}\n") == {
        ("R006", "x.registers.dues")}


def test_r007_bad_scope(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, scope: everything}\n") == {("R007", "x.scope")}


def test_r008_unmask_non_sensitive_field(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, unmask: [members.id_card, members.name]}\n") == {
        ("R008", "x.unmask[1]")}


def test_r008_unmask_unknown_register(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, unmask: [nope.*]}\n") == {("R008", "x.unmask[0]")}


def test_r009_unknown_page(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, pages: [audit, reports]}\n") == {("R009", "x.pages")}


def test_r010_bad_role_name(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "Clerk: {label: X}\n") == {("R010", "Clerk")}


def test_r011_missing_label(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {scope: all}\n") == {("R011", "x.label")}


def test_several_problems_are_reported_at_once(tmp_path: Path, registry: Registry) -> None:
    text = ("Bad:\n  scope: nowhere\n  registers: {nope: [read], dues: [approve]}\n"
            "ok:\n  label: OK\n  unmask: [members.name]\n  pages: [reports]\n  extra: 1\n")
    assert problems_of(tmp_path, registry, text) == {
        ("R010", "Bad"), ("R011", "Bad.label"), ("R007", "Bad.scope"), ("R004", "Bad.registers.nope"),
        ("R006", "Bad.registers.dues"), ("R008", "ok.unmask[0]"), ("R009", "ok.pages"), ("R003", "ok.extra"),
    }


def test_roles_error_message_lists_every_problem(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("x: {scope: nowhere}\n", encoding="utf-8")
    with pytest.raises(RolesError) as caught:
        read_roles(path, registry)
    assert "roles.R007 x.scope" in str(caught.value)
    assert "roles.R011 x.label" in str(caught.value)


# --- expansion and RoleSpec.sees ----------------------------------------------------------------

def test_star_registers_all_gives_approve_only_where_approval_fields_exist(tmp_path: Path,
                                                                          registry: Registry) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("x: {label: X, registers: {'*': all}}\n", encoding="utf-8")
    spec = read_roles(path, registry)["x"]
    assert set(spec.verbs) == set(registry.slugs)
    for register in registry:
        assert spec.verbs[register.slug] == frozenset(register_verbs(register)), register.slug
    assert register_verbs(registry.get("activists")) == VERBS
    assert "approve" not in register_verbs(registry.get("dues"))


def test_label_as_plain_string_and_default_scope(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("x: {label: 临时}\n", encoding="utf-8")
    spec = read_roles(path, registry)["x"]
    assert (spec.label, spec.scope, spec.verbs, spec.pages) == (Label("临时", "临时"), "subtree", {}, frozenset())


def test_sees_star_matches_everything() -> None:
    spec = role(unmask=("*",))
    assert spec.sees("members", "id_card") and spec.sees("dues", "wage")


def test_sees_register_star_matches_only_that_register() -> None:
    spec = role(unmask=("members.*",))
    assert spec.sees("members", "id_card") and spec.sees("members", "phone")
    assert not spec.sees("dues", "wage")


def test_sees_register_field_matches_only_that_field() -> None:
    spec = role(unmask=("members.id_card",))
    assert spec.sees("members", "id_card")
    assert not spec.sees("members", "phone")
    assert not spec.sees("labour_contracts", "id_card")


def test_sees_bare_field_name_matches_it_in_every_register() -> None:
    spec = role(unmask=("monthly_wage",))
    assert spec.sees("members", "monthly_wage") and spec.sees("labour_contracts", "monthly_wage")
    assert not spec.sees("members", "id_card")


def test_sees_nothing_without_unmask() -> None:
    assert not role().sees("members", "id_card")


def test_bare_sensitive_field_name_is_accepted_in_unmask(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text("x: {label: X, unmask: [monthly_wage]}\n", encoding="utf-8")
    assert read_roles(path, registry)["x"].unmask == ("monthly_wage",)


# --- known bug: unhashable values crash instead of being reported --------------------------------

def test_r007_scope_given_as_a_list(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, scope: [all]}\n") == {("R007", "x.scope")}


def test_r009_page_given_as_a_nested_list(tmp_path: Path, registry: Registry) -> None:
    assert problems_of(tmp_path, registry, "x: {label: X, pages: [[audit]]}\n") == {("R009", "x.pages")}


def test_r013_scope_by_must_name_links_to_org_units(tmp_path: Path, registry: Registry) -> None:
    text = "x:\n  label: x\n  scope_by: {members: [name]}\n  registers: {members: [read]}\n"
    assert problems_of(tmp_path, registry, text) == {("R014", "x.scope_by.members")}
