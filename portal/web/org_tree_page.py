"""``/org_units/tree/``: the org tree in the user's row scope, with member counts and a search.

Two queries whatever the size of the tree: the units in scope, and the members in scope counted per
unit (``GROUP BY``). Units outside the scope never reach the page, not even as names; a unit whose
parent lies outside the scope is a root. Expand and collapse are ``<details>`` elements (no script),
and every count links to the member list filtered by ``org_unit_subtree``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from portal.records.org_subtree import SUBTREE_OPERATOR, anchor_name
from portal.extensions import db
from flask_babel import lazy_gettext
from portal.registry.spec import RegisterSpec
from portal.security.access import ORG_REGISTER, Access, row_condition
from portal.security.current import current_access

#: The register whose rows are counted per unit.
MEMBER_REGISTER = "members"
#: Levels shown open when the page loads (deeper levels open on a click).
OPEN_LEVELS = 2
SEARCH_LIMIT = 200

TEXTS = {
    "title": lazy_gettext("Org tree"),
    "search": lazy_gettext("Find a unit by name or code"),
    "find": lazy_gettext("Find"),
    "clear_search": lazy_gettext("Clear"),
    "members": lazy_gettext("members"),
    "own": lazy_gettext("own"),
    "list": lazy_gettext("Org unit list"),
    "no_match": lazy_gettext("No unit's name or code contains “{q}”."),
    "matches": lazy_gettext("{n} units found"),
    "empty": lazy_gettext("There are no org units in your scope yet."),
    "expand": lazy_gettext("Expand all"),
}


@dataclass
class TreeNode:
    """One unit: its own member count and the total of its subtree (both within the scope)."""

    id: int
    parent_id: int | None
    title: str
    key: str
    own: int = 0
    total: int = 0
    children: list[TreeNode] = field(default_factory=list)
    path: str = ""


def build_tree(rows: list[tuple[int, int | None, str, str]], counts: dict[int, int]) -> list[TreeNode]:
    """Roots of the forest made of ``rows`` (id, parent id, title, key), children by title; a parent
    missing from ``rows`` (outside the scope) makes its unit a root. Totals and paths are filled in."""
    nodes = {node_id: TreeNode(node_id, parent, title, key, own=counts.get(node_id, 0))
             for node_id, parent, title, key in rows}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None and parent is not node else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda child: (child.title, child.key))
    roots.sort(key=lambda node: (node.title, node.key))
    stack: list[tuple[TreeNode, str]] = [(root, "") for root in roots]
    order: list[TreeNode] = []
    seen: set[int] = set()
    while stack:  # iterative: a deep tree must not hit the recursion limit
        node, prefix = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        node.path = f"{prefix} / {node.title}" if prefix else node.title
        order.append(node)
        stack.extend((child, node.path) for child in node.children)
    for node in reversed(order):
        node.total = node.own + sum(child.total for child in node.children)
    return roots


def flatten(roots: list[TreeNode]) -> list[TreeNode]:
    """Every node, parents before children, in display order."""
    found, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def member_counts(spec: RegisterSpec, model: Any, access: Access) -> dict[int, int]:
    """Members in scope per org unit: one grouped query."""
    column = getattr(model, f"{spec.org_field}_id")
    query = sa.select(column, sa.func.count()).group_by(column)
    scope = row_condition(spec, model, access)
    if scope is not None:
        query = query.where(scope)
    return {unit: count for unit, count in db.session.execute(query).all() if unit is not None}


class OrgTreeView(BaseView):
    """The org tree page; the right to list org units is the right to see it."""

    route_base = "/org_units/tree"
    class_permission_name = ORG_REGISTER
    method_permission_name = {"tree": "list"}
    default_view = "tree"

    @expose("/")
    @has_access
    def tree(self) -> Any:
        state = current_app.extensions["portal"]
        access = current_access()
        org_spec = state.registry.get(ORG_REGISTER)
        org_model = state.models.classes[ORG_REGISTER]
        query = sa.select(org_model.id, getattr(org_model, f"{org_spec.tree or 'parent'}_id"),
                          getattr(org_model, org_spec.title), getattr(org_model, org_spec.key))
        scope = row_condition(org_spec, org_model, access)
        if scope is not None:
            query = query.where(scope)
        rows = [tuple(row) for row in db.session.execute(query).all()]
        counting = MEMBER_REGISTER in state.registry and access.can(MEMBER_REGISTER, "read")
        counts = {}
        if counting:
            member_spec = state.registry.get(MEMBER_REGISTER)
            counts = member_counts(member_spec, state.models.classes[MEMBER_REGISTER], access)
        roots = build_tree(rows, counts)
        text = request.args.get("q", "").strip()[:100]
        matches = []
        if text:
            matches = [node for node in flatten(roots) if text in node.title or text.lower() in node.key.lower()]
        return self.render_template(
            "portal/org_tree.html", title=TEXTS["title"], texts=TEXTS, roots=roots, query_text=text,
            matches=matches[:SEARCH_LIMIT], match_count=len(matches), counting=counting, open_levels=OPEN_LEVELS,
            member_link=self._member_link() if counting else None,
            list_url=url_for(f"{state.views[ORG_REGISTER].__name__}.list"))

    def _member_link(self) -> Any:
        """``unit id -> member list filtered by that unit's subtree`` (the filter's index as FAB numbers it)."""
        state = current_app.extensions["portal"]
        view_class = state.views[MEMBER_REGISTER]
        view = next(view for view in self.appbuilder.baseviews if type(view) is view_class)
        name = anchor_name(view.register) or ""
        operators = [flt.arg_name for flt in view._filters.get_search_filters().get(name, [])]
        index = operators.index(SUBTREE_OPERATOR)
        base = url_for(f"{view_class.__name__}.list")
        return lambda unit_id: f"{base}?{urlencode({f'_flt_{index}_{name}': unit_id})}"
