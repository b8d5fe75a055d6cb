"""Writing transitions: one plan for all the records, one conditional UPDATE each, the audit entries.

The values of every record (already checked by ``portal.records.workflow``) are planned together with
the register's planner (links, uniqueness, org links, derived columns), with system rights inside the
user's scope (a receiving union's transition plans outside it: the record is not yet its own). Each
record is then written with ``UPDATE ... WHERE id = :id AND <state> = :from``: a record another attempt
moved first changes nothing and is reported as a conflict. The audit entries of the records written go
in at once, one per record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from portal.models import link_column
from portal.records.approvals import freeze, holders
from portal.records.batch_audit import BatchAudit
from portal.records.plan import Planner
from portal.records.plan_types import ImportOptions, ImportPlan, ParsedRow
from portal.records.workflow_hooks import after
from portal.records.workflow_rules import settings_of
from portal.records.write import write_entries
from portal.registry.workflow_spec import Transition
from portal.security import audit
from portal.texts import gettext

#: One record from a screen or the API each, matched by id.
RECORDS = ImportOptions(mode="record", partial=True)
#: Why a record was not written: (HTTP status, Chinese message, field errors).
Refusal = tuple[int, str, dict[str, list[str]]]


def write_rows(service: Any, item: Transition, rows: Sequence[tuple[Any, str, dict[str, Any]]],
               reason: str) -> dict[int, Refusal]:
    """Write ``rows`` of (record, state it leaves, values); returns the refusals by record id."""
    spec = service.spec
    ctx = service.context()
    access = replace(ctx.access, system=True)
    if item.by == "receiver" or ctx.access.anchors(spec) != ((spec.org_field,) if spec.org_field else ()):
        # the receiving unit of a handover, or a role reaching the row through ``scope_by`` (both checked by
        # the caller): the org field's scope check does not apply
        access = replace(access, org_ids=None)
    planning = replace(ctx, access=access)
    parsed, fields = [], {}
    for index, (record, _, values) in enumerate(rows, start=1):
        kept = {name: value for name, value in values.items() if not spec.field(name).is_derived}
        fields.update({name: spec.field(name) for name in kept})
        parsed.append(ParsedRow(index, kept, {}, record_id=record.id))
    plan = Planner(planning, RECORDS).plan_rows(parsed, list(fields.values()), ImportPlan(rows=len(parsed)))
    refused: dict[int, Refusal] = {}
    problems: dict[int, list[Any]] = {}
    for error in plan.errors:
        problems.setdefault(error.row, []).append(error)
    for row_number, errors in problems.items():
        record = rows[row_number - 1][0]
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field or "_schema", []).append(error.message)
        refused[record.id] = (422, gettext("; ").join(error.message for error in errors), by_field)
    updates = {change.row: change for change in plan.updates}
    table = service.model.__table__
    state_field = spec.field(spec.workflow.field)
    state_column = table.c[link_column(state_field) if state_field.is_link else state_field.name]
    connection = service.session.connection()
    at = audit.now_utc()
    written: dict[str, list[Any]] = {}
    for index, (record, state, _) in enumerate(rows, start=1):
        if record.id in refused:
            continue
        change = updates.get(index)
        done = change is not None and connection.execute(
            table.update().where(table.c.id == record.id, state_column == state)
            .values({**change.values, "updated_at": at})).rowcount == 1
        if not done:  # another attempt moved it first (or already holds every value)
            refused[record.id] = (409, gettext("“%(label)s” was not done: someone else has just handled this "
                                               "%(register)s record (it is no longer “%(state)s”), please reload it",
                                               label=item.label.get(ctx.locale), register=spec.label.get(ctx.locale),
                                               state=state), {})
            continue
        written.setdefault(state, []).append(change)
    username = ctx.access.username or audit.actor_name()
    entries = []
    for state, changes in written.items():
        notes = BatchAudit(ctx, None, at, username, detail_text(item, state, reason))
        entries += [{**entry, "action": "transition"} for entry in notes.updated(changes)]
    if entries:
        write_entries(connection, entries)
    _freeze_approvers(service, item, [record.id for record, _, _ in rows if record.id not in refused], username)
    after(service, item, [(record.id, state) for record, state, _ in rows if record.id not in refused], reason)
    return refused


def _freeze_approvers(service: Any, item: Transition, ids: list[int], username: str) -> None:
    """Records that entered a state an approval transition leaves (were submitted): freeze its approvers."""
    flows = service.spec.workflow.freezing(item.target)
    if not flows or not ids:
        return
    settings = settings_of(service.spec.workflow)
    people = {flow.name: holders(flow) for flow in flows}  # the role's holders, once for all the records
    for record_id in ids:
        record = service.session.get(service.model, record_id, populate_existing=True)
        for flow in flows:
            freeze(service, record, flow, username, settings, people[flow.name])


def detail_text(item: Transition, source: str, reason: str) -> str:
    text = f"流转 {item.name}「{item.label.zh}」：{source} → {item.target}"  # i18n: data (the audit trail)
    return f"{text}；理由：{reason}" if reason else text  # i18n: data
