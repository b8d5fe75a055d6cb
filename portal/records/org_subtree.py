"""The org subtree of a register's rows: which column holds a row's unit, and which units lie below one
inside the user's scope. Pure SQL helpers, shared by the list filter, the quick search and the exports.
"""

from __future__ import annotations

from typing import Any

from portal.registry.spec import RegisterSpec
from portal.security.access import ORG_REGISTER, Access, scope_anchor, subtree_ids

#: The operator's name in the API (``opr``) and in FAB's filter registry.
SUBTREE_OPERATOR = "org_unit_subtree"


def anchor_name(spec: RegisterSpec) -> str | None:
    """The field that takes the subtree filter: ``org_field``, or the tree field of the org units."""
    anchor = scope_anchor(spec)
    return anchor.name if anchor else None


def anchor_column(spec: RegisterSpec, model: Any) -> Any:
    """The column holding a row's org unit id (the row's own id for the org units)."""
    return model.id if spec.slug == ORG_REGISTER else getattr(model, f"{spec.org_field}_id")


def subtree_in_scope(session: Any, org_model: Any, tree_field: str, root_id: int, access: Access) -> list[int]:
    """``root_id`` and the units below it that lie in the user's row scope, sorted."""
    ids = subtree_ids(session, org_model, root_id, tree_field)
    if access.org_ids is not None:
        ids = ids & access.org_ids
    return sorted(ids)
