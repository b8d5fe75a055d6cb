"""The quick search of a register list: one SQL condition over its search fields, never a masked one."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.domain.idcard import normalize_id_card
from portal.domain.messages import DomainValidationError
from portal.domain.normalize import compact
from portal.models import ModelLookup
from portal.registry.fieldtypes import field_type
from portal.registry.spec import RegisterSpec, Registry
from portal.records.org_subtree import anchor_name
from portal.security.access import ORG_REGISTER, SYSTEM_ACCESS, Access, row_condition, subtree_ids

def search_condition(spec: RegisterSpec, model: Any, models: ModelLookup, registry: Registry,
                     text: str, access: Access = SYSTEM_ACCESS, session: Any = None) -> Any:
    """OR over the register's search fields; links match the linked record's key or title.

    A sensitive field the user sees masked is not searched (a search would reveal its value).
    With a ``session``, the org field matches the units found and every unit below them
    (searching 第一机械厂工会 finds the rows of its workshops too).
    """
    text = text.strip()
    exact = compact(text).upper() if len(compact(text)) == 18 else compact(text)
    searchable = [name for name in spec.screens.search if not access.hidden(spec, spec.field(name))]
    for kind, valid in (("id_card", _is_id_card), ("phone", _is_mobile)):
        columns = [name for name in searchable if spec.field(name).type == kind]
        if columns and valid(exact):
            # A whole ID or mobile number: use the unique/indexed column alone, not a table scan.
            return sa.or_(*(getattr(model, name) == exact for name in columns))
    conditions = []
    for name in searchable:
        field = spec.field(name)
        if field.is_link:
            target_spec = registry.get(field.target or "")
            target = models[target_spec.slug]
            key = getattr(target, target_spec.key) == text
            if access.hidden(target_spec, target_spec.key_field):
                key = sa.false()
            in_scope = row_condition(target_spec, target, access)
            if in_scope is not None:  # an old link out of scope shows no key, so it is not found by one
                key = sa.and_(key, in_scope)
            matching = sa.select(target.id).where(sa.or_(key, getattr(target, target_spec.title).contains(text)))
            if session is not None and name == anchor_name(spec) and target_spec.slug == ORG_REGISTER:
                # Only units in scope start a subtree: a search must not tell which units lie below an outside one.
                found = session.scalars(matching if in_scope is None else matching.where(in_scope)).all()
                units = subtree_ids(session, target, found, target_spec.tree or "parent")
                conditions.append(getattr(model, f"{name}_id").in_(sorted(units)))
                continue
            conditions.append(getattr(model, f"{name}_id").in_(matching))
        elif field_type(field.type).search == "exact":
            conditions.append(getattr(model, name) == (exact if field.type != "choice" else text))
        elif field_type(field.type).search == "contains":
            conditions.append(getattr(model, name).contains(text))
    return sa.or_(*conditions) if conditions else sa.false()


def _is_id_card(text: str) -> bool:
    try:
        normalize_id_card(text)
    except DomainValidationError:
        return False
    return True


def _is_mobile(text: str) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", text))
