"""Masking holds on every way the REST API lets a reader pick what comes back.

Generated from ``permissions/roles.yaml`` and the schemas: for every role × register it may read ×
field it sees masked (sensitive, derived from a sensitive field, or ``masked_with`` one), the value
must come back exactly as in the default (masked) response when asked for through ``columns``,
``select_columns`` or the show endpoint's ``columns``; every register linking to it must give the
link as ``{id, key, title}`` (the key masked where it is masked), never the whole linked row; and the
field cannot be used as the sort order. One record per register, every field filled, in branch A01;
each role's user belongs to branch A.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest

from portal.registry.derivations import is_stored
from portal.registry.loader import load_registry
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.access import Access
from portal.security.masking import mask_value
from portal.security.roles import read_roles
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")
ROLES = read_roles(ROOT / "permissions" / "roles.yaml", REGISTRY)
PASSWORD = "Masking-pass-2026"
ID_CARD = "11010519491231002X"
#: A sample value per field type: every field of the test records is filled.
SAMPLES: dict[str, Any] = {
    "string": "样例值", "text": "一段样例说明", "integer": 7, "decimal": Decimal("12.3456"),
    "money": Decimal("10245.67"), "date": date(1990, 5, 17), "month": "2024-03", "boolean": True,
    "id_card": ID_CARD, "phone": "13912345678", "email": "sample@example.cn",
}
#: The org tree of the test: code -> parent code (the records live in A01).
TREE = {"HQ": None, "A": "HQ", "B": "HQ", "A01": "A"}


def access_of(role: str) -> Access:
    return Access(username=role, roles=(ROLES[role],), org_ids=frozenset({0}))


def masked_cases() -> list[tuple[str, str, str]]:
    """(role, register, field) for every field a role that reads the register sees masked."""
    return [(role, spec.slug, field.name) for role in ROLES for spec in REGISTRY if ROLES[role].can(spec.slug, "read")
            for field in spec.fields if is_stored(field) and access_of(role).hidden(spec, field)]


def linking(slug: str) -> list[tuple[str, str]]:
    """(register, link field) pairs pointing at ``slug``."""
    return [(spec.slug, field.name) for spec in REGISTRY for field in spec.links if field.target == slug]


CASES = masked_cases()


@dataclass
class World:
    records: dict[str, int]  # slug -> id of the fully filled record
    clear: dict[str, dict[str, Any]]  # slug -> field -> the stored value
    keys: dict[tuple[str, int], Any]  # (slug, id) -> natural key of every record made
    clients: dict[str, Any]
    defaults: dict[tuple[str, str, str], Any]  # (role, slug, "list"|"show") -> the default result row


def _value(field: FieldSpec, spec: RegisterSpec, suffix: str) -> Any:
    if field.type == "choice":
        caps = spec.yearly_caps  # a kind without a yearly cap: the sample amount is large
        capped = {kind for kind, _ in caps.limits} if caps and caps.kind == field.name else set()
        return next(value for value in field.choice_values if value not in capped)
    if field.unique or field.name in (spec.key, spec.title):
        return f"{spec.slug[:3].upper()}{suffix}" if field.type == "string" else SAMPLES[field.type]
    return SAMPLES[field.type]


def _in_link_order() -> list[RegisterSpec]:
    ordered: list[RegisterSpec] = []
    while len(ordered) < len(REGISTRY):
        for spec in REGISTRY:
            done = {item.slug for item in ordered}
            if spec.slug not in done and all(field.target in done | {spec.slug} for field in spec.links):
                ordered.append(spec)
    return ordered


def _fill(app: Any) -> tuple[dict[str, int], dict[str, dict[str, Any]], dict[tuple[str, int], Any]]:
    """Every register gets one record in A01 with every field filled (org units: the whole tree)."""
    from portal.extensions import db

    state = app.extensions["portal"]
    made: dict[str, Any] = {}
    org_spec = REGISTRY.get("org_units")
    units: dict[str, Any] = {}
    for code, parent in TREE.items():
        values = {field.name: _value(field, org_spec, code) for field in org_spec.editable_fields if not field.is_link}
        values.update(code=code, name=f"{code} 工会", parent=units.get(parent or ""))
        units[code] = state.service("org_units").save(values)
    made["org_units"] = units["A01"]
    for spec in _in_link_order():
        if spec.slug == "org_units":
            continue
        values = {field.name: made.get(field.target or "") if field.is_link else _value(field, spec, "001")
                  for field in spec.editable_fields}
        if spec.org_field:
            values[spec.org_field] = units["A01"]
        made[spec.slug] = state.service(spec.slug).save(values)
    db.session.commit()
    records = {slug: record.id for slug, record in made.items()}
    clear = {slug: {field.name: getattr(record, field.name) for field in REGISTRY.get(slug).fields
                    if not field.is_link} for slug, record in made.items()}
    keys = {("org_units", unit.id): unit.code for unit in units.values()}
    keys.update({(slug, record.id): getattr(record, REGISTRY.get(slug).key) for slug, record in made.items()})
    return records, clear, keys


def _empty(app: Any) -> None:
    from portal.extensions import db

    db.session.rollback()
    for table in reversed(app.extensions["portal"].models.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(scope="module")
def world(app: Any) -> Iterator[World]:
    from portal.security.accounts import create_user

    with app.app_context():
        records, clear, keys = _fill(app)
    clients = {}
    for role in {role for role, _, _ in CASES}:
        name = f"mask_{role}_{uuid.uuid4().hex[:12]}"
        with app.app_context():
            create_user(name, PASSWORD, role, org_code="A")
        clients[role] = app.test_client()
        assert login(clients[role], name, PASSWORD).status_code == 302
    yield World(records, clear, keys, clients, {})
    with app.app_context():
        _empty(app)


def _default(world: World, role: str, slug: str, kind: str) -> dict[str, Any]:
    """The default (masked) response's row for the test record, fetched once per role and register."""
    key = (role, slug, kind)
    if key not in world.defaults:
        client, pk = world.clients[role], world.records[slug]
        if kind == "show":
            world.defaults[key] = client.get(f"/api/v1/{slug}/{pk}").get_json()["result"]
        else:
            world.defaults[key] = _listed(client, slug, pk, "")
    return world.defaults[key]


def _listed(client: Any, slug: str, pk: int, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/{slug}/?q=({query + ',' if query else ''}page_size:100)")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return dict(zip(body["ids"], body["result"]))[pk]


def _clear_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@pytest.mark.parametrize(("role", "slug", "name"), CASES)
def test_a_masked_field_stays_masked_on_every_column_selection(world: World, role: str, slug: str,
                                                               name: str) -> None:
    client, pk = world.clients[role], world.records[slug]
    field = REGISTRY.get(slug).field(name)
    default = _default(world, role, slug, "list")[name]
    assert default != world.clear[slug][name] and default != _clear_text(world.clear[slug][name])
    assert _listed(client, slug, pk, f"columns:!(id,{name})")[name] == default
    assert _listed(client, slug, pk, f"select_columns:!(id,{name})")[name] == default
    shown = client.get(f"/api/v1/{slug}/{pk}?q=(columns:!({name}))")
    assert shown.status_code == 200, shown.get_json()
    assert shown.get_json()["result"][name] == _default(world, role, slug, "show")[name], field.label.zh


@pytest.mark.parametrize(("role", "slug", "name"), CASES)
def test_a_masked_field_cannot_be_the_sort_order(world: World, role: str, slug: str, name: str) -> None:
    response = world.clients[role].get(f"/api/v1/{slug}/?q=(order_column:{name},order_direction:asc)")
    assert response.status_code == 400
    assert "打码" in response.get_json()["message"]


@pytest.mark.parametrize(("role", "slug", "name"), [case for case in CASES if linking(case[1])])
def test_a_link_to_a_record_with_a_masked_field_is_id_key_and_title(world: World, role: str, slug: str,
                                                                    name: str) -> None:
    """A linked record comes back as ``{id, key, title}`` under every column selection, never whole."""
    target = REGISTRY.get(slug)
    key_hidden = access_of(role).hidden(target, target.key_field)
    for source, link in linking(slug):
        if not ROLES[role].can(source, "read"):
            continue
        client, pk = world.clients[role], world.records[source]
        for query in (f"columns:!(id,{link})", f"select_columns:!(id,{link})"):
            nested = _listed(client, source, pk, query)[link]
            assert set(nested) == {"id", "key", "title"}, (source, link, nested)
            key = world.keys[(slug, nested["id"])]
            assert nested["key"] == (mask_value(target.key_field, key) if key_hidden else key), (source, link)
        shown = client.get(f"/api/v1/{source}/{pk}?q=(columns:!({link}))").get_json()["result"][link]
        assert shown == _default(world, role, source, "show")[link]
        assert set(shown) == {"id", "key", "title"}
