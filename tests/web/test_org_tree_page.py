"""The org tree page: only units in the reader's scope, member counts per unit, search by name with path.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from html import unescape
from typing import Any

import pytest

from portal.domain.idcard import make_id_card

from tests.conftest import ORG_TREE, login

PASSWORD = "Orgtree-pass-2026"
#: name -> org code
MEMBERS = {"张伟": "A01", "赵磊": "A01-1", "张敏": "A01-1", "王芳": "A", "李娜": "B"}
IDS = {name: make_id_card("110105", date(1985, 3, 14), 11 + index) for index, name in enumerate(MEMBERS)}
NAMES = {row["code"]: row["name"] for row in ORG_TREE}


@pytest.fixture()
def members(admin_client: Any, org_tree: dict[str, int]) -> None:
    for name, org in MEMBERS.items():
        response = admin_client.post("/api/v1/members/", json={"name": name, "id_card": IDS[name], "org_unit": org})
        assert response.status_code == 201, response.get_json()


def user_client(app: Any, role: str, org: str) -> Any:
    from portal.security.accounts import create_user

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, PASSWORD, role, org_code=org)
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def nodes(html: str) -> dict[str, str]:
    """Unit code -> the text shown for it in the tree (title, code, count)."""
    tree = html.split('id="portal-tree"', 1)[1]
    found = {}
    for block in re.findall(r'<li class="portal-tree-node"[^>]*>(.*?)(?:<ul>|</li>)', tree, re.S):
        text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", block))).strip()
        code = re.search(r"\S+ (\S+)", text).group(1)  # type: ignore[union-attr]
        found[code] = text
    return found


def test_the_tree_shows_every_unit_with_its_member_count(admin_client: Any, members: None) -> None:
    response = admin_client.get("/org_units/tree/")
    assert response.status_code == 200
    shown = nodes(response.get_data(as_text=True))
    assert set(shown) == {"HQ", "A", "B", "A01", "A01-1"}
    assert shown["HQ"].endswith("5 会员") and shown["A"].endswith("4 会员")
    assert shown["A01"].endswith("3 会员") and shown["A01-1"].endswith("2 会员") and shown["B"].endswith("1 会员")


def test_a_clerk_sees_their_branch_only_not_even_the_other_branchs_names(app: Any, members: None) -> None:
    html = user_client(app, "clerk", "A").get("/org_units/tree/").get_data(as_text=True)
    assert set(nodes(html)) == {"A", "A01", "A01-1"}
    assert NAMES["B"] not in html and NAMES["HQ"] not in html and "李娜" not in html
    other = user_client(app, "clerk", "B").get("/org_units/tree/").get_data(as_text=True)
    assert set(nodes(other)) == {"B"} and nodes(other)["B"].endswith("1 会员")
    assert NAMES["A"] not in other and NAMES["A01"] not in other


def test_each_count_links_to_the_members_of_the_whole_subtree(app: Any, admin_client: Any,
                                                              org_tree: dict[str, int], members: None) -> None:
    html = admin_client.get("/org_units/tree/").get_data(as_text=True)
    link = re.search(rf'<li class="portal-tree-node" data-unit="{org_tree["A"]}">.*?href="([^"]+)"', html, re.S)
    assert link, html
    target = unescape(link.group(1))
    listed = admin_client.get(target).get_data(as_text=True)
    assert all(name in listed for name in ("张伟", "赵磊", "张敏", "王芳")) and "李娜" not in listed


def test_the_search_shows_matching_units_with_their_path(app: Any, admin_client: Any, members: None) -> None:
    html = admin_client.get("/org_units/tree/?q=车工").get_data(as_text=True)
    matches = html.split('id="portal-tree-matches"', 1)[1].split("</div>", 1)[0]
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", matches)))
    assert f"{NAMES['HQ']} / {NAMES['A']} / {NAMES['A01']} / {NAMES['A01-1']}" in text
    assert "2 会员" in text
    clerk = user_client(app, "clerk", "A01").get("/org_units/tree/?q=车工").get_data(as_text=True)
    assert f"{NAMES['A01']} / {NAMES['A01-1']}" in clerk and NAMES["A"] not in clerk
    nothing = admin_client.get("/org_units/tree/?q=不存在").get_data(as_text=True)
    assert "没有名称或编码包含“不存在”的工会" in nothing


def test_the_org_units_list_links_to_the_tree(admin_client: Any, org_tree: dict[str, int]) -> None:
    assert 'href="/org_units/tree/"' in admin_client.get("/org_units/list/").get_data(as_text=True)


def test_the_tree_takes_two_queries_whatever_its_size(app: Any, admin_client: Any, members: None) -> None:
    import sqlalchemy as sa

    from portal.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # the tree's own statements; the menu bar's message count looks up the signed-in account's member on
        # every page (one statement, whatever the tree's size) and is not the tree's
        if ("org_units" in statement or "members" in statement) and "members.email =" not in statement:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert admin_client.get("/org_units/tree/").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2, statements
