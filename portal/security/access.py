"""What the current user may do: verbs per register, row scope, unmasked fields, writable fields.

``Access`` is a plain value built from the user's roles (``roles.yaml``) and org unit; every path
(screens, API, lookups, audit) asks it the same questions. ``portal.security.current`` finds it for
the request's user (cached per request), or gives full system access to maintenance commands
(``portal demo``) that act for nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

from portal.registry.derivations import reveals_source
from portal.registry.org_links import OrgTree
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.roles import RoleSpec

ORG_REGISTER = "org_units"


@dataclass(frozen=True)
class Access:
    """The rights of one user. ``org_ids`` is ``None`` for scope ``all``."""

    username: str | None
    roles: tuple[RoleSpec, ...]
    org_ids: frozenset[int] | None
    org_id: int | None = None
    system: bool = False

    def can(self, slug: str, verb: str) -> bool:
        return self.system or any(role.can(slug, verb) for role in self.roles)

    def sees(self, slug: str, field_name: str) -> bool:
        """True when the user sees this sensitive field unmasked."""
        return self.system or any(role.sees(slug, field_name) for role in self.roles)

    def can_report(self, name: str, verb: str = "read") -> bool:
        """A report is a permission like a register: ``read`` shows its numbers, ``export`` its xlsx."""
        return self.system or any(role.can_report(name, verb) for role in self.roles)

    @property
    def any_report(self) -> bool:
        return self.system or any(role.reports for role in self.roles)

    def has_page(self, page: str) -> bool:
        return self.system or any(page in role.pages for role in self.roles)

    @property
    def scoped(self) -> bool:
        return self.org_ids is not None

    def hidden(self, spec: RegisterSpec, field: FieldSpec) -> bool:
        """Masked for this user: a sensitive field not unmasked, or a value that gives such a field away
        (declared ``masked_with`` it, or derived from it or from several fields one of which is masked)."""
        if field.sensitive and not self.sees(spec.slug, field.name):
            return True
        if field.masked_with and spec.has_field(field.masked_with) and not self.sees(spec.slug, field.masked_with):
            return True
        if field.sensitive:
            return False
        if not reveals_source(field):
            return False
        return any(self.hidden(spec, spec.field(source)) for source in field.derive_sources if spec.has_field(source))

    def anchors(self, spec: RegisterSpec) -> tuple[str, ...]:
        """The org links placing ``spec``'s rows in this user's scope: ``org_field``, or the links a role
        names in ``scope_by`` (a department reaches the motions assigned to it); roles add up."""
        default = (spec.org_field,) if spec.org_field else ()
        names: list[str] = []
        for role in self.roles:
            for name in role.scope_by.get(spec.slug, default):
                if name not in names:
                    names.append(name)
        return tuple(names) or default

    def reaches(self, spec: RegisterSpec, record: Any) -> bool:
        """True when ``record`` of ``spec`` lies in this user's row scope (a link to a row outside it
        shows the row's title only, never its key)."""
        if self.org_ids is None or (spec.slug != ORG_REGISTER and not spec.org_field):
            return True
        if spec.slug == ORG_REGISTER:
            return org_of(spec, record) in self.org_ids
        return (any(getattr(record, f"{name}_id", None) in self.org_ids for name in self.anchors(spec))
                or self.receives(spec, record))

    def receives(self, spec: RegisterSpec, record: Any) -> bool:
        """True when ``record`` is being handed over (``workflow.handover``) to a unit in this user's scope."""
        handover = spec.workflow.handover if spec.workflow else None
        if handover is None or getattr(record, spec.workflow.field, None) != handover.state:  # type: ignore[union-attr]
            return False
        return self.org_ids is None or getattr(record, f"{handover.field}_id", None) in self.org_ids

    def may_write(self, spec: RegisterSpec, field: FieldSpec, creating: bool) -> bool:
        """Approval fields need ``approve``; a masked field may be filled in but not overwritten; a workflow's
        state and locked fields are written by its transitions only."""
        if field.is_derived:
            return False
        flow = spec.workflow
        # A new record may name its state when the workflow lets it start in more than one (the planner
        # checks the value); otherwise the state and locked fields belong to transitions.
        if flow is not None and field.name in flow.managed \
                and not (creating and field.name == flow.field and len(flow.initial) > 1):
            return self.system
        if field.name in spec.approval:
            return self.can(spec.slug, "approve")
        if not self.can(spec.slug, "create" if creating else "edit"):
            return False
        return creating or not self.hidden(spec, field)

    def writable(self, spec: RegisterSpec, creating: bool) -> tuple[str, ...]:
        return tuple(field.name for field in spec.editable_fields if self.may_write(spec, field, creating))


SYSTEM_ACCESS = Access(username=None, roles=(), org_ids=None, system=True)
NO_ACCESS = Access(username=None, roles=(), org_ids=frozenset())

def subtree_ids(session: Any, org_model: Any, root_id: int | Iterable[int] | None,
                tree_field: str = "parent") -> frozenset[int]:
    """The org unit (or units) and every unit below (one query over the small org table)."""
    if root_id is None:
        return frozenset()
    roots = {root_id} if isinstance(root_id, int) else set(root_id)
    rows = session.execute(sa.select(org_model.id, getattr(org_model, f"{tree_field}_id"))).all()
    children: dict[int | None, list[int]] = {}
    for node, parent in rows:
        children.setdefault(parent, []).append(node)
    found, stack = set(), [node for node, _ in rows if node in roots]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return frozenset(found)


def org_tree(session: Any, spec: RegisterSpec, org_model: Any) -> OrgTree:
    """Every org unit's parent and ``名称 (编码)`` (one query over the small org table), for the link rules."""
    rows = session.execute(sa.select(org_model.id, getattr(org_model, f"{spec.tree or 'parent'}_id"),
                                      getattr(org_model, spec.title), getattr(org_model, spec.key))).all()
    return OrgTree(parents={node: parent for node, parent, _, _ in rows},
                   names={node: f"{title} ({key})" for node, _, title, key in rows})


def build_access(username: str, role_names: list[str], roles: dict[str, RoleSpec], org_id: int | None,
                 session: Any, org_model: Any) -> Access:
    mine = tuple(roles[name] for name in role_names if name in roles)
    if any(role.scope == "all" for role in mine):
        return Access(username=username, roles=mine, org_ids=None, org_id=org_id)
    return Access(username=username, roles=mine, org_ids=subtree_ids(session, org_model, org_id), org_id=org_id)


def scope_anchor(spec: RegisterSpec) -> FieldSpec | None:
    """The link that places a record in the org tree: ``org_field``, or the parent of an org unit."""
    name = spec.tree if spec.slug == ORG_REGISTER else spec.org_field
    return spec.field(name) if name else None


def row_condition(spec: RegisterSpec, model: Any, access: Access) -> sa.ColumnElement[bool] | None:
    """The SQL condition limiting ``spec``'s rows to the user's scope; ``None`` when unlimited."""
    if access.org_ids is None:
        return None
    ids = sorted(access.org_ids)
    if spec.slug == ORG_REGISTER:
        return model.id.in_(ids)
    if spec.org_field:
        anchors = access.anchors(spec)
        own = (getattr(model, f"{anchors[0]}_id").in_(ids) if len(anchors) == 1
               else sa.or_(*(getattr(model, f"{name}_id").in_(ids) for name in anchors)))
        handover = spec.workflow.handover if spec.workflow else None
        if handover is None:
            return own
        return sa.or_(own, sa.and_(getattr(model, spec.workflow.field) == handover.state,  # type: ignore[union-attr]
                                   getattr(model, f"{handover.field}_id").in_(ids)))
    return None


def org_of(spec: RegisterSpec, record: Any) -> int | None:
    """The org unit a record belongs to (for audit scope)."""
    if spec.slug == ORG_REGISTER:
        return record.id
    return getattr(record, f"{spec.org_field}_id", None) if spec.org_field else None
