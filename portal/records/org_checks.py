"""The link consistency rule (``portal.registry.org_links``) for one record being saved by a screen or the API.

The values hold linked ORM rows (as ``RecordService.resolve_link`` returns them); this module turns
them into ids for the pure rule, fills a blank org unit from the linked row and reports every problem
under its field, in the caller's locale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Collection

from portal.registry.org_links import OrgLinks
from portal.security.access import ORG_REGISTER, org_of, org_tree

if TYPE_CHECKING:
    from portal.records.service import Errors, RecordService


def settle_org_links(service: RecordService, values: dict[str, Any], instance: Any = None,
                     failed: Collection[str] = ()) -> Errors:
    """Apply the register's ``org_from``/``within_org`` to ``values`` (linked rows, as resolved).

    A blank org unit taken from the linked row is written into ``values``; problems come back as
    ``{field: [message]}``. ``instance`` is the stored record of an update (``None`` when creating);
    nothing is checked while a watched field in ``failed`` already has its own error.
    """
    spec = service.spec
    rules = OrgLinks.of(spec)
    if rules.fields & set(failed):
        return {}
    errors = _settle(service, rules, values, instance) if rules.active and rules.fields & set(values) else {}
    org = spec.field(rules.org_field) if rules.org_field else None
    if (org is not None and org.org_from and org.required and org.name not in errors
            and (instance is None or org.name in values) and values.get(org.name) is None):
        errors[org.name] = [service.problem(org, "required")]
    return errors


def _settle(service: RecordService, rules: OrgLinks, values: dict[str, Any], instance: Any) -> Errors:
    spec = service.spec
    rows: dict[str, Any] = {name: getattr(instance, name, None) for name in rules.fields} if instance is not None else {}
    rows.update({name: values[name] for name in rules.fields if name in values})
    given = {name: _id(values[name]) for name in rules.fields if name in values}
    current = None if instance is None else {name: _id(getattr(instance, name, None)) for name in rules.fields}

    def unit_of(name: str, record_id: int) -> int | None:
        row = rows.get(name)
        if row is None or row.id != record_id:
            return None
        return org_of(service.registry.get(spec.field(name).target or ""), row)

    org_spec = service.registry.get(ORG_REGISTER)
    org_model = service.models[ORG_REGISTER]
    tree = org_tree(service.session, org_spec, org_model)
    org, problems = rules.settle(given, current, unit_of, tree)
    org_name = rules.org_field or ""
    stored = rules.merged(given, current).get(org_name)
    if org is not None and org != stored:
        values[org_name] = service.session.get(org_model, org)
    errors: Errors = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message(service.locale()))
    return errors


def _id(row: Any) -> int | None:
    return None if row is None else row.id

