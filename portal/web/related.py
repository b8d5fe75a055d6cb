"""The records listed under a record's page: a member's dues, contracts, activist entries and cases;
an org unit's sub-units, members and collective contracts.

A register is listed under the register one of its links points to, unless it reaches that register
through another of its links (a grant names its member, but it is listed under its assistance case,
and dues are listed under the member, not under the org unit). Every list is limited to the reader's
scope, titles are masked as on the list pages, and a list the reader may not read is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext

from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.access import Access, org_of, row_condition
from portal.security.masking import mask_value

FIRST_ROWS = 5


@dataclass(frozen=True)
class RelatedList:
    """One list under a record: its heading, how many rows there are, the first few and the add link."""

    label: str
    count: int
    rows: tuple[tuple[str, str], ...]  # (title, address of the row's page)
    add_url: str | None


def related_links(registry: Registry, spec: RegisterSpec) -> list[tuple[RegisterSpec, FieldSpec]]:
    """The (register, link field) pairs listed under a record of ``spec``."""
    pairs = []
    for other in registry:
        links = [field for field in other.fields if field.is_link]
        for field in links:
            handover = other.workflow.handover if other.workflow else None
            if field.target != spec.slug or (handover is not None and field.name == handover.field):
                continue  # a transfer's receiving unit is on the to-do page, not a list of its own
            through = [link.target for link in links if link is not field and link.target != spec.slug]
            if any(_links_to(registry.get(target or ""), spec.slug) for target in through):
                continue
            pairs.append((other, field))
    return pairs


def _links_to(spec: RegisterSpec, slug: str) -> bool:
    return any(field.is_link and field.target == slug for field in spec.fields)


def related_lists(registry: Registry, models: dict[str, Any], spec: RegisterSpec, record: Any, access: Access,
                  session: Any, locale: str, back: str) -> list[RelatedList]:
    """The lists under ``record`` the reader may read; ``back`` is where an add returns to."""
    found = []
    for other, field in related_links(registry, spec):
        if not access.can(other.slug, "read"):
            continue
        model = models[other.slug]
        condition = getattr(model, f"{field.name}_id") == record.id
        scope = row_condition(other, model, access)
        if scope is not None:
            condition = sa.and_(condition, scope)
        count = session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0
        rows = session.scalars(sa.select(model).where(condition).order_by(model.id.desc()).limit(FIRST_ROWS)).all()
        view = f"{model.__name__}View"
        found.append(RelatedList(
            label=_heading(other, field, spec, locale),
            count=count,
            rows=tuple((_title(other, row, access), url_for(f"{view}.show", pk=row.id)) for row in rows),
            add_url=_add_url(view, other, field, spec, record, back) if access.can(other.slug, "create") else None,
        ))
    return found


def _heading(other: RegisterSpec, field: FieldSpec, spec: RegisterSpec, locale: str) -> str:
    if other.slug == spec.slug:  # the tree's own parent link: the units below
        return gettext("Units below")
    return other.label.get(locale)


def _title(spec: RegisterSpec, row: Any, access: Access) -> str:
    title_field = spec.field(spec.title)
    value = getattr(row, spec.title)
    return str(mask_value(title_field, value)) if access.hidden(spec, title_field) else str(value or "")


def _add_url(view: str, other: RegisterSpec, field: FieldSpec, spec: RegisterSpec, record: Any, back: str) -> str:
    """The add page with the parent filled in (and the parent's org unit, when the form has one)."""
    prefill = {field.name: record.id}
    org_id = org_of(spec, record)
    if other.org_field and other.org_field not in prefill and org_id is not None:
        prefill[other.org_field] = org_id
    return f"{url_for(f'{view}.add')}?{urlencode({**prefill, 'next': back})}"
