"""``portal.demo.load_demo``: shape and validity of the demo data, determinism and the skip rule."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_appbuilder import Model
from sqlalchemy import func, select

from portal import create_app
from portal.demo import SKIP_MESSAGE, load_demo
from portal.domain.dues import dues_amount
from portal.domain.idcard import birth_date_from_id, gender_from_id, normalize_id_card
from portal.domain.phone import normalize_mobile
from portal.extensions import db
from portal.registry.org_links import OrgLinks
from portal.security.access import org_tree

MEMBERS = 300


def _fresh_app(folder: Path) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/d.db", "PORTAL_INSTANCE_DIR": str(folder)})
    with app.app_context():
        Model.metadata.create_all(db.engine)
        app.extensions["portal"].models.metadata.create_all(db.engine)
    return app


def _models(app: Flask) -> Any:
    return app.extensions["portal"].models


def _first_members(app: Flask, count: int = 20) -> list[tuple[str, str]]:
    member = _models(app)["members"]
    with app.app_context():
        return list(db.session.execute(select(member.name, member.id_card).order_by(member.id).limit(count)).tuples())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    app = _fresh_app(tmp_path_factory.mktemp("demo"))
    summary = load_demo(app, members=MEMBERS)
    assert summary.startswith("演示数据已生成：") and f"会员 {MEMBERS} 人" in summary
    return app


def test_org_tree_has_four_levels(seeded: Flask) -> None:
    org = _models(seeded)["org_units"]
    with seeded.app_context():
        units = db.session.execute(select(org.id, org.code, org.unit_type, org.parent_id)).tuples().all()
        phones = db.session.scalars(select(org.contact_phone)).all()
    children: dict[int | None, list[tuple[int, str, str, int | None]]] = {}
    for unit in units:
        children.setdefault(unit[3], []).append(unit)
    roots = children[None]
    assert [(code, kind) for _, code, kind, _ in roots] == [("HQ", "总工会")]
    grassroots = children[roots[0][0]]
    assert len(grassroots) >= 3 and {kind for *_, kind, _ in grassroots} == {"基层工会"}
    for base in grassroots:
        # departments (职能部门) answering congress motions sit beside the branch unions
        branches = [unit for unit in children.get(base[0], []) if unit[2] != "职能部门"]
        assert branches and {b[2] for b in branches} == {"分工会"}, base
        for branch in branches:
            groups = children.get(branch[0], [])
            assert 2 <= len(groups) <= 3 and {g[2] for g in groups} == {"工会小组"}, branch
            assert all(not children.get(group[0]) for group in groups)
    assert all(normalize_mobile(phone) == phone for phone in phones)


def test_members_sit_on_union_groups_in_every_branch(seeded: Flask) -> None:
    models = _models(seeded)
    org, member = models["org_units"], models["members"]
    with seeded.app_context():
        units = {row[0]: row[1:] for row in db.session.execute(select(org.id, org.unit_type, org.parent_id)).tuples()}
        per_unit = Counter(dict(db.session.execute(
            select(member.org_unit_id, func.count()).group_by(member.org_unit_id)).tuples().all()))
    assert sum(per_unit.values()) == MEMBERS
    assert all(units[unit_id][0] == "工会小组" for unit_id in per_unit)
    per_base: Counter[int] = Counter()
    for unit_id, count in per_unit.items():
        branch = units[unit_id][1]
        per_base[units[branch][1]] += count  # type: ignore[index]
    grassroots = [unit_id for unit_id, (kind, _) in units.items() if kind == "基层工会"]
    assert all(per_base[base] > 0 for base in grassroots)


def test_member_values_are_valid_and_consistent(seeded: Flask) -> None:
    member = _models(seeded)["members"]
    with seeded.app_context():
        rows = db.session.execute(select(member.id_card, member.phone, member.gender, member.birth_date,
                                         member.joined_on, member.monthly_wage, member.dues_amount,
                                         member.member_card_no, member.status)).tuples().all()
    assert len({row[0] for row in rows}) == MEMBERS
    statuses = Counter(row[8] for row in rows)
    assert statuses["在籍"] > 0.75 * MEMBERS and len(statuses) >= 3
    for id_card, phone, gender, birth, joined, wage, dues, card, _status in rows:
        assert normalize_id_card(id_card) == id_card
        assert normalize_mobile(phone) == phone
        assert gender == gender_from_id(id_card) and birth == birth_date_from_id(id_card)
        assert 1966 <= birth.year <= 2004
        assert joined is None or (joined.year - birth.year >= 18 and card)
        assert Decimal(3000) <= wage <= Decimal(25000) and dues == dues_amount(wage)


def test_every_register_has_rows(seeded: Flask) -> None:
    state = seeded.extensions["portal"]
    with seeded.app_context():
        counts = {spec.slug: db.session.scalar(select(func.count()).select_from(state.models[spec.slug]))
                  for spec in state.registry}
        org = state.models["org_units"]
        grassroots = db.session.scalar(select(func.count()).select_from(org).where(org.unit_type == "基层工会"))
        cases = db.session.execute(select(state.models["assistance_cases"])).scalars().all()
        for case in cases:
            assert case.household_annual_income == case.own_monthly_income * 12 + case.household_other_annual_income
            expected = (case.household_annual_income - case.rigid_expenses) / 12 / case.household_size
            assert abs(case.per_capita_monthly_income - expected) <= Decimal("0.01")
    assert all(counts.values()), counts
    assert counts["collective_contracts"] == grassroots


def test_linked_rows_keep_the_declared_org_rules(seeded: Flask) -> None:
    """Every demo row passes the schema's org_from / within_org rule, as a form or an import would check it."""
    state = seeded.extensions["portal"]
    checked = 0
    with seeded.app_context():
        tree = org_tree(db.session, state.registry.get("org_units"), state.models["org_units"])
        for spec in state.registry:
            rules = OrgLinks.of(spec)
            if not rules.active:
                continue
            units = {name: dict(db.session.execute(select(target.id, target.org_unit_id)).tuples().all())
                     for name in rules.links for target in [state.models[spec.field(name).target or ""]]}
            table = state.models[spec.slug].__table__
            for row in db.session.execute(select(table)).mappings():
                given = {name: row[f"{name}_id"] for name in rules.fields}
                org, problems = rules.settle(given, None, lambda name, record: units[name].get(record), tree)  # noqa: B023  (called here)
                assert problems == [] and org == row["org_unit_id"], (spec.slug, dict(row))
                checked += 1
    assert checked > MEMBERS


def test_deterministic_skip_and_force(seeded: Flask, tmp_path: Path) -> None:
    other = _fresh_app(tmp_path)
    load_demo(other, members=MEMBERS)
    assert _first_members(other) == _first_members(seeded)
    assert load_demo(other, members=MEMBERS) == SKIP_MESSAGE
    member = _models(other)["members"]
    with other.app_context():
        assert db.session.scalar(select(func.count()).select_from(member)) == MEMBERS
    assert "会员 50 人" in load_demo(other, members=50, force=True)
    with other.app_context():
        ids = db.session.scalars(select(member.id_card)).all()
        cards = [card for card in db.session.scalars(select(member.member_card_no)).all() if card]
    assert len(ids) == len(set(ids)) == MEMBERS + 50 and len(cards) == len(set(cards))
