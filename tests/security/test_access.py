"""Access: verbs, unmasking, writable fields and row scope (pure; SQLite in memory for the tree)."""

from __future__ import annotations

from dataclasses import replace

from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import BuiltModels, build_models
from portal.registry.loader import load_registry
from portal.registry.spec import Label, Registry
from portal.security.access import NO_ACCESS, SYSTEM_ACCESS, Access, build_access, row_condition, subtree_ids
from portal.security.roles import RoleSpec

ROOT = Path(__file__).resolve().parents[2]
TREE = [("HQ", "总工会", None), ("A", "基层工会", "HQ"), ("B", "基层工会", "HQ"),
        ("A01", "分工会", "A"), ("A01-1", "工会小组", "A01")]


def make_role(name: str, verbs: dict[str, set[str]] | None = None, unmask: tuple[str, ...] = (),
              scope: str = "subtree", pages: frozenset[str] = frozenset()) -> RoleSpec:
    return RoleSpec(name, Label(name, name), scope,
                    verbs={slug: frozenset(granted) for slug, granted in (verbs or {}).items()},
                    unmask=unmask, pages=pages)


def access_of(*roles: RoleSpec) -> Access:
    return Access(username="u", roles=roles, org_ids=frozenset({1}))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schemas")


@pytest.fixture(scope="module")
def models(registry: Registry) -> BuiltModels:
    return build_models(registry)


@pytest.fixture()
def tree(models: BuiltModels) -> Iterator[tuple[Session, dict[str, int]]]:
    engine = sa.create_engine("sqlite://")
    models.metadata.create_all(engine)
    table = models.metadata.tables["org_units"]
    ids: dict[str, int] = {}
    with Session(engine) as session:
        for code, unit_type, parent in TREE:
            result = session.execute(table.insert().values(
                code=code, name=f"{code} 工会", unit_type=unit_type, parent_id=ids.get(parent) if parent else None))
            ids[code] = result.inserted_primary_key[0]
        session.commit()
        yield session, ids
    engine.dispose()


# --- verbs, pages, unmasking --------------------------------------------------------------------

def test_can_is_the_union_of_the_roles_verbs() -> None:
    access = access_of(make_role("a", {"members": {"read"}}), make_role("b", {"dues": {"read", "edit"}}))
    assert access.can("members", "read") and access.can("dues", "edit")
    assert not access.can("members", "edit")
    assert not access.can("activists", "read")


def test_sees_and_hidden_follow_unmask(registry: Registry) -> None:
    members = registry.get("members")
    access = access_of(make_role("a", {"members": {"read"}}, unmask=("members.phone",)))
    assert access.sees("members", "phone") and not access.sees("members", "id_card")
    assert not access.hidden(members, members.field("phone"))
    assert access.hidden(members, members.field("id_card"))
    assert not access.hidden(members, members.field("name"))


def test_a_value_masked_with_a_sensitive_field_follows_it(registry: Registry) -> None:
    """实交会费 gives the wage away (it is 0.5 % of it): masked for whoever sees the wage masked."""
    dues = registry.get("dues")
    paid = dues.field("amount_paid")
    assert paid.masked_with == "wage" and not paid.sensitive
    reader = access_of(make_role("a", {"dues": {"read"}}))
    finance = access_of(make_role("b", {"dues": {"read"}}, unmask=("dues.wage",)))
    assert reader.hidden(dues, paid) and reader.hidden(dues, dues.field("amount_due"))
    assert not finance.hidden(dues, paid) and not finance.hidden(dues, dues.field("amount_due"))
    assert not reader.hidden(dues, dues.field("paid_on"))
    clerk = access_of(make_role("c", {"dues": {"read", "edit"}}))
    assert not clerk.may_write(dues, paid, creating=False)  # overwriting it would probe the masked value


def test_has_page() -> None:
    access = access_of(make_role("a", pages=frozenset({"audit"})))
    assert access.has_page("audit") and not access.has_page("users")


def test_system_access_can_everything(registry: Registry) -> None:
    members = registry.get("members")
    assert SYSTEM_ACCESS.can("members", "delete") and SYSTEM_ACCESS.can("activists", "approve")
    assert SYSTEM_ACCESS.sees("members", "id_card") and SYSTEM_ACCESS.has_page("users")
    assert not SYSTEM_ACCESS.hidden(members, members.field("id_card"))
    assert not SYSTEM_ACCESS.scoped
    assert SYSTEM_ACCESS.writable(members, creating=False) == tuple(f.name for f in members.editable_fields)


def test_no_access_can_nothing(registry: Registry) -> None:
    members = registry.get("members")
    assert not NO_ACCESS.can("members", "read") and not NO_ACCESS.has_page("audit")
    assert NO_ACCESS.hidden(members, members.field("id_card"))
    assert NO_ACCESS.scoped and NO_ACCESS.org_ids == frozenset()
    assert NO_ACCESS.writable(members, creating=True) == ()


# --- writable fields ----------------------------------------------------------------------------

def test_approval_fields_need_approve(registry: Registry) -> None:
    activists = replace(registry.get("activists"), workflow=None, approval=("approval_result", "approved_on"))
    clerk = access_of(make_role("clerk", {"activists": {"read", "create", "edit"}}))
    chair = access_of(make_role("chair", {"activists": {"read", "approve"}}))
    for creating in (True, False):
        assert not clerk.may_write(activists, activists.field("approval_result"), creating)
        assert chair.may_write(activists, activists.field("approval_result"), creating)
    assert "approval_result" not in clerk.writable(activists, creating=True)
    assert "deeds" in clerk.writable(activists, creating=True)
    assert chair.writable(activists, creating=False) == ("approval_result", "approved_on")


def test_a_workflows_state_and_locked_fields_are_written_by_transitions_only(registry: Registry) -> None:
    activists = registry.get("activists")
    clerk = access_of(make_role("clerk", {"activists": {"read", "create", "edit"}}))
    chair = access_of(make_role("chair", {"activists": {"read", "approve"}}))
    for creating in (True, False):
        for name in ("approval_result", "approved_on"):
            assert not clerk.may_write(activists, activists.field(name), creating)
            assert not chair.may_write(activists, activists.field(name), creating)
            assert SYSTEM_ACCESS.may_write(activists, activists.field(name), creating)
    assert "deeds" in clerk.writable(activists, creating=False) and chair.writable(activists, creating=False) == ()


def test_masked_sensitive_field_writable_on_create_not_on_edit(registry: Registry) -> None:
    members = registry.get("members")
    id_card = members.field("id_card")
    masked = access_of(make_role("a", {"members": {"create", "edit"}}))
    clear = access_of(make_role("b", {"members": {"create", "edit"}}, unmask=("members.id_card",)))
    assert masked.may_write(members, id_card, creating=True)
    assert not masked.may_write(members, id_card, creating=False)
    assert clear.may_write(members, id_card, creating=False)
    assert "id_card" in masked.writable(members, creating=True)
    assert "id_card" not in masked.writable(members, creating=False)
    assert "name" in masked.writable(members, creating=False)


def test_create_and_edit_verbs_are_separate(registry: Registry) -> None:
    members = registry.get("members")
    only_create = access_of(make_role("a", {"members": {"create"}}))
    assert only_create.may_write(members, members.field("name"), creating=True)
    assert not only_create.may_write(members, members.field("name"), creating=False)
    assert only_create.writable(members, creating=False) == ()


def test_derived_fields_are_never_writable(registry: Registry) -> None:
    members = registry.get("members")
    derived = [f for f in members.fields if f.is_derived]
    assert {f.name for f in derived} >= {"gender", "birth_date", "age"}
    for access in (SYSTEM_ACCESS, access_of(make_role("a", {"members": {"create", "edit"}}, unmask=("*",)))):
        for field in derived:
            assert not access.may_write(members, field, creating=True), field.name
        assert not {f.name for f in derived} & set(access.writable(members, creating=True))


def test_per_capita_income_is_masked_unless_every_income_behind_it_is_seen(registry: Registry) -> None:
    cases = registry.get("assistance_cases")
    per_head = cases.field("per_capita_monthly_income")
    read = {"assistance_cases": {"read"}}
    assert access_of(make_role("a", read)).hidden(cases, per_head)
    income_only = ("assistance_cases.household_annual_income",)
    assert access_of(make_role("a", read, unmask=income_only)).hidden(cases, per_head)
    both = (*income_only, "assistance_cases.rigid_expenses")
    assert not access_of(make_role("a", read, unmask=both)).hidden(cases, per_head)


# --- scope --------------------------------------------------------------------------------------

def test_subtree_ids(tree: tuple[Session, dict[str, int]], models: BuiltModels) -> None:
    session, ids = tree
    org = models["org_units"]
    assert subtree_ids(session, org, ids["A"]) == {ids["A"], ids["A01"], ids["A01-1"]}
    assert subtree_ids(session, org, ids["A01-1"]) == {ids["A01-1"]}
    assert subtree_ids(session, org, ids["B"]) == {ids["B"]}
    assert subtree_ids(session, org, ids["HQ"]) == frozenset(ids.values())
    assert subtree_ids(session, org, max(ids.values()) + 100) == frozenset()
    assert subtree_ids(session, org, None) == frozenset()


def test_build_access_scope_all_wins(tree: tuple[Session, dict[str, int]], models: BuiltModels) -> None:
    session, ids = tree
    roles = {"clerk": make_role("clerk", {"members": {"read"}}), "admin": make_role("admin", scope="all")}
    org = models["org_units"]
    both = build_access("u", ["clerk", "admin"], roles, ids["A"], session, org)
    assert both.org_ids is None and not both.scoped and both.org_id == ids["A"]
    clerk = build_access("u", ["clerk", "gone"], roles, ids["A"], session, org)
    assert clerk.org_ids == {ids["A"], ids["A01"], ids["A01-1"]}
    assert [role.name for role in clerk.roles] == ["clerk"]
    assert build_access("u", ["clerk"], roles, None, session, org).org_ids == frozenset()


def _compiled(condition: Any) -> str:
    return str(condition.compile(compile_kwargs={"literal_binds": True}))


def test_row_condition(registry: Registry, models: BuiltModels) -> None:
    scoped = Access(username="u", roles=(), org_ids=frozenset({3, 1}))
    members = row_condition(registry.get("members"), models["members"], scoped)
    # a member being transferred is also within the receiving union's scope (members.yaml workflow.handover)
    assert _compiled(members) == ("members.org_unit_id IN (1, 3) OR members.status = '转出中' "
                                  "AND members.transfer_to_id IN (1, 3)")
    dues = row_condition(registry.get("dues"), models["dues"], scoped)
    assert _compiled(dues) == "dues.org_unit_id IN (1, 3)"
    org_units = row_condition(registry.get("org_units"), models["org_units"], scoped)
    assert _compiled(org_units) == "org_units.id IN (1, 3)"
    unlimited = Access(username="u", roles=(), org_ids=None)
    assert row_condition(registry.get("members"), models["members"], unlimited) is None
    assert row_condition(registry.get("org_units"), models["org_units"], unlimited) is None


def test_row_condition_filters_rows(tree: tuple[Session, dict[str, int]], models: BuiltModels,
                                    registry: Registry) -> None:
    session, ids = tree
    org = models["org_units"]
    access = Access(username="u", roles=(), org_ids=subtree_ids(session, org, ids["A01"]))
    condition = row_condition(registry.get("org_units"), org, access)
    assert set(session.scalars(sa.select(org.code).where(condition))) == {"A01", "A01-1"}


def test_subtree_ids_of_several_units(tree: tuple[Session, dict[str, int]], models: BuiltModels) -> None:
    session, ids = tree
    org = models["org_units"]
    assert subtree_ids(session, org, [ids["A01"], ids["B"]]) == {ids["A01"], ids["A01-1"], ids["B"]}
    assert subtree_ids(session, org, []) == frozenset()
