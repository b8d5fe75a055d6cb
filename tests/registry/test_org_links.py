"""The link consistency rule (``org_from``, ``within_org``) on plain ids, with the shipped schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.registry.loader import load_registry
from portal.registry.org_links import OrgLinks, OrgTree
from portal.registry.spec import Registry

ROOT = Path(__file__).resolve().parents[2]
#: HQ(1) → A(2), B(3); A → A01(4) → A01-1(5)
TREE = OrgTree(parents={1: None, 2: 1, 3: 1, 4: 2, 5: 4},
               names={1: "集团公司工会 (HQ)", 2: "第一机械厂工会 (A)", 3: "物流中心工会 (B)", 4: "机加工车间分工会 (A01)",
                      5: "车工一组 (A01-1)"})
#: member id -> org unit id
MEMBER_UNITS = {10: 5, 11: 3}
CASE_UNITS = {20: 2}


def unit_of(name: str, record_id: int) -> int | None:
    return {**MEMBER_UNITS, **CASE_UNITS}.get(record_id)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "schemas")


def test_the_shipped_registers_declare_their_rules(registry: Registry) -> None:
    assert OrgLinks.of(registry.get("dues")).source == "member"
    assert OrgLinks.of(registry.get("assistance_grants")).source == "assistance_case"
    assert OrgLinks.of(registry.get("assistance_grants")).within == ("member",)
    for slug in ("activists", "labour_contracts", "assistance_cases"):
        assert OrgLinks.of(registry.get(slug)).within == ("member",), slug
    assert not OrgLinks.of(registry.get("collective_contracts")).active
    assert not OrgLinks.of(registry.get("members")).active


def test_a_blank_org_unit_is_taken_from_the_member(registry: Registry) -> None:
    org, problems = OrgLinks.of(registry.get("dues")).settle({"member": 10}, None, unit_of, TREE)
    assert (org, problems) == (5, [])


def test_a_different_org_unit_is_refused_naming_both(registry: Registry) -> None:
    org, problems = OrgLinks.of(registry.get("dues")).settle({"member": 10, "org_unit": 3}, None, unit_of, TREE)
    assert [(p.field, p.message()) for p in problems] == [(
        "org_unit", "所属工会“物流中心工会 (B)”与会员所属的“车工一组 (A01-1)”不一致；"
                    "请改为“车工一组 (A01-1)”，或留空由系统按会员自动填写")]
    assert "Union: “物流中心工会 (B)” differs from “车工一组 (A01-1)”" in problems[0].message("en")


def test_an_update_that_changes_the_member_moves_the_org_unit(registry: Registry) -> None:
    rules = OrgLinks.of(registry.get("dues"))
    assert rules.settle({"member": 11}, {"member": 10, "org_unit": 5}, unit_of, TREE) == (3, [])


def test_an_update_of_the_org_unit_alone_is_checked_against_the_stored_member(registry: Registry) -> None:
    rules = OrgLinks.of(registry.get("dues"))
    _, problems = rules.settle({"org_unit": 3}, {"member": 10, "org_unit": 5}, unit_of, TREE)
    assert [p.field for p in problems] == ["org_unit"]


def test_an_unrelated_edit_of_an_old_record_is_not_refused(registry: Registry) -> None:
    rules = OrgLinks.of(registry.get("dues"))
    assert rules.settle({"notes": 1}, {"member": 10, "org_unit": 3}, unit_of, TREE) == (3, [])


def test_within_org_accepts_the_unit_and_below_and_refuses_the_rest(registry: Registry) -> None:
    rules = OrgLinks.of(registry.get("labour_contracts"))
    assert rules.settle({"member": 10, "org_unit": 2}, None, unit_of, TREE) == (2, [])  # A01-1 lies below A
    assert rules.settle({"member": 10, "org_unit": 5}, None, unit_of, TREE) == (5, [])
    _, problems = rules.settle({"member": 10, "org_unit": 3}, None, unit_of, TREE)
    assert [(p.field, p.message()) for p in problems] == [(
        "member", "会员属于“车工一组 (A01-1)”，不在本记录的所属工会“物流中心工会 (B)”及其下级组织内；"
                  "请选择“物流中心工会 (B)”范围内的会员，或修改所属工会")]


def test_a_grant_takes_the_case_unit_and_keeps_the_member_inside_it(registry: Registry) -> None:
    rules = OrgLinks.of(registry.get("assistance_grants"))
    assert rules.settle({"assistance_case": 20, "member": 10}, None, unit_of, TREE) == (2, [])
    org, problems = rules.settle({"assistance_case": 20, "member": 11}, None, unit_of, TREE)
    assert org == 2 and [p.field for p in problems] == ["member"]


def test_the_tree_walk_survives_a_loop() -> None:
    looped = OrgTree(parents={1: 2, 2: 1, 3: None}, names={})
    assert looped.contains(1, 2) and not looped.contains(3, 1)
