"""The permission matrix, generated from ``permissions/roles.yaml`` and the schemas.

For every role × register × verb × channel (screen, API with the browser session, API with a bearer
token from ``/api/v1/security/login``) the test asks the portal and compares the answer with what the
roles file says. Every role's user belongs to branch A of the demo tree; each
register has rows in A's subtree and in its sibling B's. A role with scope ``subtree`` must find
A's row and must not find B's: not in the list or its count, not by id, not to edit or delete, not
in the link look-ups. Sensitive values must be masked exactly where the role does not unmask them.
The number of checked cases is printed at the end of the run (``tests/security/conftest.py``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from portal.registry.loader import load_registry
from portal.security.access import ORG_REGISTER, subtree_ids
from portal.security.masking import mask_value
from portal.security.roles import read_roles, register_verbs
from tests.conftest import ADMIN_PASSWORD, DATABASES, drop_postgres_database, fresh_postgres_database, login, \
    make_app, upgrade_and_sync

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "schemas")
ROLES = read_roles(ROOT / "permissions" / "roles.yaml", REGISTRY)
PASSWORD = "Matrix-pass-2026"
MISSING_ID = 987_654_321
#: Checks made by this module; handed to the session counter (``matrix_cases``) as the module ends.
MATRIX_CASES: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _count_cases(matrix_cases: list[str]) -> Iterator[None]:
    yield
    matrix_cases.extend(MATRIX_CASES)
    MATRIX_CASES.clear()


class TokenClient:
    """An API caller that keeps no cookie and signs every request with the role's bearer token."""

    def __init__(self, app: Any, username: str, password: str) -> None:
        self.client = app.test_client(use_cookies=False)
        response = self.client.post("/api/v1/security/login",
                                    json={"username": username, "password": password, "provider": "db"})
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    def open(self, url: str, method: str = "GET", **kwargs: Any) -> Any:
        return self.client.open(url, method=method, headers=self.headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open(url, "GET", **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.open(url, "PUT", **kwargs)


@dataclass
class World:
    app: Any
    clients: dict[str, Any]
    tokens: dict[str, TokenClient]
    rows: dict[str, dict[str, int]]  # slug -> {"A": id, "B": id}
    in_a: dict[str, int]  # slug -> number of rows in A's subtree
    total: dict[str, int]
    values: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


def _rows_by_branch(app: Any) -> tuple[dict[str, dict[str, int]], dict[str, int], dict[str, int]]:
    from portal.extensions import db

    models = app.extensions["portal"].models
    org = models[ORG_REGISTER]
    code_to_id = {code: key for code, key in db.session.execute(sa.select(org.code, org.id))}
    subtree = {branch: subtree_ids(db.session, org, code_to_id[branch]) for branch in ("A", "B")}
    rows, in_a, total = {}, {}, {}
    for spec in REGISTRY:
        model = models[spec.slug]
        column = model.id if spec.slug == ORG_REGISTER else getattr(model, f"{spec.org_field}_id")
        anchorings = [(spec.slug, lambda ids, column=column: column.in_(ids))]
        # a role reaching this register through other org links (roles.yaml scope_by): its own A and B rows
        anchorings += [(_key(name, spec.slug), lambda ids, names=role.scope_by[spec.slug], model=model: sa.or_(
            *(getattr(model, f"{link}_id").in_(ids) for link in names)))
                       for name, role in ROLES.items() if spec.slug in role.scope_by]
        for key, reached in anchorings:
            rows[key] = {}
            for branch, ids in subtree.items():
                found = db.session.scalar(sa.select(model.id).where(reached(ids)).order_by(model.id).limit(1))
                assert found is not None, f"demo data has no {key} row under {branch}"
                rows[key][branch] = found
            in_a[key] = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(reached(subtree["A"])))
            total[key] = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    return rows, in_a, total


def _key(role: str, slug: str) -> str:
    """Where ``world.rows``/``in_a`` keep ``slug``'s rows as ``role`` reaches them."""
    return f"{slug}@{role}" if slug in ROLES[role].scope_by else slug


@pytest.fixture(scope="module", params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A demo-sized database with one user per role, all in branch A."""
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.security.accounts import create_user

    folder = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{folder / 'matrix.db'}" if request.param == "sqlite" else fresh_postgres_database("matrix")
    app = make_app(url, folder, JWT_ACCESS_TOKEN_EXPIRES=timedelta(hours=2))  # outlives a slow run
    upgrade_and_sync(app)
    with app.app_context():
        load_demo(app, members=240)
        for name in ROLES:
            if name != "admin":
                create_user(name, PASSWORD, name, org_code="A")
        rows, in_a, total = _rows_by_branch(app)
    clients, tokens = {}, {}
    for name in ROLES:
        client = app.test_client()
        credentials = (("admin", ADMIN_PASSWORD) if name == "admin" else (name, PASSWORD))
        response = login(client, *credentials)
        assert response.status_code == 302
        clients[name] = client
        tokens[name] = TokenClient(app, *credentials)
    yield World(app, clients, tokens, rows, in_a, total)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param != "sqlite":
        drop_postgres_database(url)


def _status(client: Any, method: str, url: str, **kwargs: Any) -> int:
    return client.open(url, method=method, **kwargs).status_code


def _expect(failures: list[str], case: str, got: int, wanted: int | tuple[int, ...]) -> None:
    MATRIX_CASES.append(case)
    allowed = wanted if isinstance(wanted, tuple) else (wanted,)
    if got not in allowed:
        failures.append(f"{case}: HTTP {got}, expected {' or '.join(map(str, allowed))}")


def _verb_cases(world: World, role: str, slug: str, verb: str, failures: list[str], channel: str) -> None:
    """One verb on one register: on the screen and through the API with the session, or with a token (API only)."""
    spec = ROLES[role]
    client = world.clients[role] if channel == "session" else world.tokens[role]
    granted = spec.can(slug, verb)
    scoped = spec.scope == "subtree"
    mine, theirs = world.rows[_key(role, slug)]["A"], world.rows[_key(role, slug)]["B"]
    deny = 403
    case = f"{role} {slug} {verb}" + ("" if channel == "session" else f" {channel}")

    def screen(label: str, method: str, url: str, wanted: int | tuple[int, ...]) -> None:
        if channel == "session":
            _expect(failures, f"{case} screen {label}", _status(client, method, url), wanted)

    if verb == "read":
        screen("list", "GET", f"/{slug}/list/", 200 if granted else deny)
        screen("show A", "GET", f"/{slug}/show/{mine}", 200 if granted else deny)
        _expect(failures, f"{case} api get A", _status(client, "GET", f"/api/v1/{slug}/{mine}"),
                200 if granted else deny)
        if granted:
            screen("show B", "GET", f"/{slug}/show/{theirs}", 404 if scoped else 200)
            _expect(failures, f"{case} api get B", _status(client, "GET", f"/api/v1/{slug}/{theirs}"),
                    404 if scoped else 200)
            body = client.get(f"/api/v1/{slug}/?q=(page_size:100)").get_json()
            MATRIX_CASES.append(f"{case} api count")
            wanted = world.in_a[_key(role, slug)] if scoped else world.total[slug]
            if body["count"] != wanted:
                failures.append(f"{case} api count: {body['count']} rows, expected {wanted}")
            ids = {row["id"] for row in body["result"]}
            MATRIX_CASES.append(f"{case} api list ids")
            if scoped and theirs in ids:
                failures.append(f"{case} api list: B's row {theirs} is listed")
        else:
            _expect(failures, f"{case} api list", _status(client, "GET", f"/api/v1/{slug}/"), deny)
    elif verb == "create":
        screen("add", "GET", f"/{slug}/add", 200 if granted else deny)
        # An empty body: a role that may create gets the validation errors, any other role a refusal.
        _expect(failures, f"{case} api post", _status(client, "POST", f"/api/v1/{slug}/", json={}),
                422 if granted else deny)
    elif verb == "edit":
        screen("edit A", "GET", f"/{slug}/edit/{mine}", 200 if granted else deny)
        _expect(failures, f"{case} api put A", _status(client, "PUT", f"/api/v1/{slug}/{mine}", json={}),
                200 if granted else deny)
        if granted:
            screen("edit B", "GET", f"/{slug}/edit/{theirs}", 404 if scoped else 200)
            _expect(failures, f"{case} api put B", _status(client, "PUT", f"/api/v1/{slug}/{theirs}", json={}),
                    404 if scoped else 200)
            anchor = REGISTRY.get(slug).tree if slug == ORG_REGISTER else REGISTRY.get(slug).org_field
            if scoped and anchor:
                response = client.put(f"/api/v1/{slug}/{mine}", json={anchor: "B"})
                MATRIX_CASES.append(f"{case} api move A→B")
                if response.status_code != 422 or "找不到" not in str(response.get_json()):
                    failures.append(f"{case} api move A→B: HTTP {response.status_code} {response.get_json()}")
    elif verb == "delete":
        # Deleting a row that does not exist: 404 for a role that may delete, 403 for the others.
        screen("delete", "POST", f"/{slug}/delete/{MISSING_ID}", (404, 302) if granted else deny)
        _expect(failures, f"{case} api delete", _status(client, "DELETE", f"/api/v1/{slug}/{MISSING_ID}"),
                404 if granted else deny)
        if granted and scoped:
            screen("delete B", "POST", f"/{slug}/delete/{theirs}", 404)
            _expect(failures, f"{case} api delete B", _status(client, "DELETE", f"/api/v1/{slug}/{theirs}"), 404)
    elif verb == "approve" and REGISTRY.get(slug).workflow is not None:
        pass  # a workflow's transitions have their own matrix (tests/security/test_workflow_matrix.py)
    elif verb == "approve":
        screen("approve A", "GET", f"/{slug}/approve/{mine}", 200 if granted else deny)
        _expect(failures, f"{case} api approve A", _status(client, "PUT", f"/api/v1/{slug}/{mine}/approve", json={}),
                200 if granted else deny)
        if granted and scoped:
            _expect(failures, f"{case} api approve B",
                    _status(client, "PUT", f"/api/v1/{slug}/{theirs}/approve", json={}), 404)


CHANNEL_VERBS = ("read", "create", "edit", "delete", "approve")


@pytest.mark.parametrize("channel", ["session", "token"])
@pytest.mark.parametrize("slug", REGISTRY.slugs)
@pytest.mark.parametrize("role", list(ROLES))
def test_role_may_do_exactly_what_roles_yaml_says(world: World, role: str, slug: str, channel: str) -> None:
    failures: list[str] = []
    for verb in CHANNEL_VERBS:
        if verb in register_verbs(REGISTRY.get(slug)):
            _verb_cases(world, role, slug, verb, failures, channel)
    assert failures == []


#: The congress screens and the page of ``roles.yaml`` each needs. A granted screen answers 404 here (no such
#: session, no delegate behind the account), a refused one 403.
CONGRESS_SCREENS = {f"/congress/{MISSING_ID}/checkin": "congress_staff", f"/congress/{MISSING_ID}/chair": "congress_chair",
                    "/congress/vote": "congress_vote"}


@pytest.mark.parametrize("role", list(ROLES))
def test_congress_screens_open_exactly_for_their_pages(world: World, role: str) -> None:
    failures: list[str] = []
    client = world.clients[role]
    pages = ROLES[role].pages
    for url, page in CONGRESS_SCREENS.items():
        _expect(failures, f"{role} {url}", _status(client, "GET", url), 404 if page in pages else 403)
    congress_pages = {page for page in pages if page.startswith("congress_")}
    _expect(failures, f"{role} /congress/", _status(client, "GET", "/congress/"), 200 if congress_pages else 403)
    assert failures == []


@pytest.mark.parametrize("role", list(ROLES))
def test_dues_generation_and_arrears_open_exactly_for_their_rights(world: World, role: str) -> None:
    """Generating needs the page ``dues_generate`` (a bad month answers 400, so nothing is written here);
    the arrears list needs ``read`` on dues, its export ``export``."""
    failures: list[str] = []
    client, spec = world.clients[role], ROLES[role]
    generate = "dues_generate" in spec.pages
    _expect(failures, f"{role} POST /dues/generate/", _status(client, "POST", "/dues/generate/",
                                                                data={"month": "2026-13"}), 400 if generate else 403)
    _expect(failures, f"{role} /dues/arrears/", _status(client, "GET", "/dues/arrears/?month=2026-11"),
            200 if spec.can("dues", "read") else 403)
    _expect(failures, f"{role} /dues/arrears/export", _status(client, "GET", "/dues/arrears/export?month=2026-11"),
            200 if spec.can("dues", "export") else 403)
    assert failures == []


@pytest.mark.parametrize("slug", REGISTRY.slugs)
@pytest.mark.parametrize("role", list(ROLES))
def test_import_screens_open_exactly_for_the_import_verb(world: World, role: str, slug: str) -> None:
    """The import page and its template download: 200 with the ``import`` verb, 403 without it."""
    failures: list[str] = []
    client = world.clients[role]
    wanted = 200 if ROLES[role].can(slug, "import") else 403
    _expect(failures, f"{role} {slug} import screen", _status(client, "GET", f"/{slug}/import/"), wanted)
    _expect(failures, f"{role} {slug} import template", _status(client, "GET", f"/{slug}/import/template"), wanted)
    assert failures == []


@pytest.mark.parametrize(("role", "slug"), [(name, spec.slug) for name, role in ROLES.items() for spec in REGISTRY
                                           if spec.sensitive_fields and role.can(spec.slug, "read")])
def test_sensitive_values_are_masked_unless_the_role_unmasks_them(world: World, role: str, slug: str) -> None:
    spec = REGISTRY.get(slug)
    client = world.clients[role]
    mine = world.rows[slug]["A"]
    stored = _stored_values(world, slug, mine)
    api = client.get(f"/api/v1/{slug}/{mine}").get_json()["result"]
    show = client.get(f"/{slug}/show/{mine}").get_data(as_text=True)
    listed = {row["id"]: row for row in client.get(
        f"/api/v1/{slug}/?q=(page_size:100)").get_json()["result"]}
    by_token = world.tokens[role].get(f"/api/v1/{slug}/{mine}").get_json()["result"]
    failures = []
    for item in spec.sensitive_fields:
        value = stored[item.name]
        if value in (None, ""):
            continue
        seen = ROLES[role].sees(slug, item.name)
        expected = _api_value(api, item.name, value) if seen else mask_value(item, value)
        MATRIX_CASES.extend([f"{role} {slug}.{item.name} mask {channel}"
                             for channel in ("api", "show", "token")])
        if api[item.name] != expected:
            failures.append(f"api {item.name}: {api[item.name]!r}, expected {expected!r}")
        if by_token[item.name] != expected:
            failures.append(f"token api {item.name}: {by_token[item.name]!r}, expected {expected!r}")
        cell = _show_cell(show, item.label.zh)
        if seen and cell == str(mask_value(item, value)):
            failures.append(f"show {item.name}: masked although the role unmasks it")
        if not seen and cell != str(mask_value(item, value)):
            failures.append(f"show {item.name}: {cell!r}, expected the masked {mask_value(item, value)!r}")
        if mine in listed and listed[mine][item.name] != expected:
            failures.append(f"api list {item.name}: {listed[mine][item.name]!r}, expected {expected!r}")
    assert failures == []


def _show_cell(page: str, label: str) -> str:
    """The text of the show page's cell next to ``label``."""
    match = re.search(rf"<th[^>]*>\s*{re.escape(label)}\s*</th>\s*<td>\s*<span[^>]*>(.*?)</span>", page, re.S)
    assert match, f"no row {label} on the show page"
    return html.unescape(match.group(1).strip())


def _stored_values(world: World, slug: str, record_id: int) -> dict[str, Any]:
    from portal.extensions import db

    model = world.app.extensions["portal"].models[slug]
    with world.app.app_context():
        record = db.session.get(model, record_id)
        return {item.name: getattr(record, item.name) for item in REGISTRY.get(slug).fields if not item.is_link}


def _api_value(api: dict[str, Any], name: str, value: Any) -> Any:
    """The API's own rendering of an unmasked value (money as a string, dates ISO)."""
    return api[name]


#: Roles with a row scope to check (a role reading no register, like the congress roles, has no drop-down).
@pytest.mark.parametrize("role", [name for name, role in ROLES.items() if role.scope == "subtree" and role.verbs])
def test_link_lookups_and_filter_choices_stay_in_scope(world: World, role: str) -> None:
    """Drop-downs (AJAX look-ups and the filter's org list) offer only rows in the user's subtree."""
    client = world.clients[role]
    readable = [spec for spec in REGISTRY if ROLES[role].can(spec.slug, "read")]
    assert readable
    for spec in readable:
        model = world.app.extensions["portal"].models[spec.slug]
        titles = {}
        from portal.extensions import db

        with world.app.app_context():
            for branch in ("A", "B"):
                record = db.session.get(model, world.rows[_key(role, spec.slug)][branch])
                titles[branch] = str(getattr(record, spec.title))
        for branch, present in (("A", True), ("B", False)):
            results = client.get(f"/lookup/{spec.slug}", query_string={"q": titles[branch]}).get_json()["results"]
            ids = {row["id"] for row in results}
            MATRIX_CASES.append(f"{role} lookup {spec.slug} {branch}")
            assert (world.rows[_key(role, spec.slug)][branch] in ids) is present, (spec.slug, branch, results)
    if ROLES[role].can("members", "read"):
        page = client.get("/members/list/").get_data(as_text=True)
        MATRIX_CASES.append(f"{role} members filter choices")
        assert not _mentions_branch_b(page)  # not a row, not a choice of the org filter


def _mentions_branch_b(page: str) -> bool:
    """B's name on the page, as text or inside the filter widget's JSON (``\\u7cbe…``)."""
    name = "精密铸造公司工会"
    return name in page or json.dumps(name)[1:-1] in page


def test_admin_sees_everything_in_drop_downs(world: World) -> None:
    """The org filter is a search box fed by the lookup: the admin finds branch B there."""
    results = world.clients["admin"].get("/lookup/org_units", query_string={"q": "精密铸造公司工会"}).get_json()
    assert any("精密铸造公司工会" in row["text"] for row in results["results"])


@pytest.mark.parametrize("role", list(ROLES))
def test_a_birth_date_does_not_give_away_a_masked_id_number(world: World, role: str) -> None:
    """The birth date is digits 7–14 of the ID: masked with it. Gender and age reveal nothing more."""
    if not ROLES[role].can("members", "read"):
        pytest.skip(f"{role} cannot read members")
    mine = world.rows["members"]["A"]
    client = world.clients[role]
    api = client.get(f"/api/v1/members/{mine}").get_json()["result"]
    show = client.get(f"/members/show/{mine}").get_data(as_text=True)
    birth = _stored_values(world, "members", mine)["birth_date"]
    MATRIX_CASES.extend([f"{role} members.birth_date mask api", f"{role} members.birth_date mask show"])
    if ROLES[role].sees("members", "id_card"):
        assert api["birth_date"] == birth.isoformat() and _show_cell(show, "出生日期") == birth.isoformat()
    else:
        assert api["birth_date"] == "****-**-**" and _show_cell(show, "出生日期") == "****-**-**"
        assert birth.isoformat() not in show
    assert api["gender"] in ("男", "女") and isinstance(api["age"], int)


@pytest.mark.parametrize("role", list(ROLES))
def test_home_page_counts_only_rows_in_scope(world: World, role: str) -> None:
    page = world.clients[role].get("/").get_data(as_text=True)
    for spec in REGISTRY:
        card = re.search(rf'class="portal-card" href="/{spec.slug}/list/">.*?portal-card-count">(\d+)<', page, re.S)
        MATRIX_CASES.append(f"{role} home count {spec.slug}")
        if not ROLES[role].can(spec.slug, "read"):
            assert card is None
            continue
        wanted = world.in_a[_key(role, spec.slug)] if ROLES[role].scope == "subtree" else world.total[spec.slug]
        assert card is not None and int(card.group(1)) == wanted, spec.slug
