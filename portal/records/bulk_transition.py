"""One transition pressed on many chosen records, with a result per row.

Each record gets the same checks as a press on its page (``portal.records.workflow``: rights, scope,
state, side, reason, required fields, condition); the records that pass are planned together and
written with one conditional UPDATE each and one audit entry each (``workflow_write.write_rows``), so
a refused or concurrently moved record changes nothing and does not stop the others. Not a batch to
undo: a transition is undone by the transition back, as on the record page. An approval (``approvals:``,
N of M) is pressed record by record as on its page, each in a savepoint: the user's agreement is
recorded, and the records whose N-th agreement it is move on. The caller commits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping, Sequence

import sqlalchemy as sa

from portal.records.bulk import BULK_LIMIT, BulkResult, RowOutcome
from portal.records.service import RegisterService
from portal.records.workflow import TransitionRefused, outcome, prepare, row_values, settings_of, today, transition
from portal.records.workflow_write import write_rows
from portal.texts import gettext

#: Records planned and written together.
CHUNK = 500


def bulk_transition(service: RegisterService, ids: Sequence[int], name: str, reason: str | None = None,
                    values: Mapping[str, Any] | None = None,
                    settings: Mapping[str, Decimal] | None = None) -> BulkResult:
    """Press transition ``name`` on each record of ``ids`` (already cut to the user's scope)."""
    spec = service.spec
    ids = list(dict.fromkeys(ids))[:BULK_LIMIT]
    model = service.model
    records = {record.id: record for start in range(0, len(ids), CHUNK)
               for record in service.session.scalars(sa.select(model).where(model.id.in_(ids[start:start + CHUNK])))}
    keys = {record_id: str(getattr(record, spec.key)) for record_id, record in records.items()}
    try:
        workflow, item, reason, parsed = prepare(service, name, reason, values)
    except TransitionRefused as refused:  # the same for every row (no right, no reason ...)
        return BulkResult(None, [RowOutcome(record_id, keys.get(record_id, str(record_id)), False, refused.message)
                                 for record_id in ids])
    settings = settings_of(workflow) if settings is None else settings
    if workflow.approving(name) is not None:
        return _one_by_one(service, ids, records, keys, name, reason, values, settings)
    day = today()
    messages: dict[int, str] = {}
    ready: list[tuple[Any, str, dict[str, Any]]] = []
    for record_id in ids:
        try:
            state, written = row_values(service, records.get(record_id), workflow, item, parsed, settings, day)
        except TransitionRefused as refused:
            messages[record_id] = refused.message
            continue
        ready.append((records[record_id], state, written))
    for start in range(0, len(ready), CHUNK):
        for record_id, (_, text, _) in write_rows(service, item, ready[start:start + CHUNK], reason).items():
            messages[record_id] = text
    result = BulkResult(None)
    for record_id in ids:
        message = messages.get(record_id)
        result.rows.append(RowOutcome(record_id, keys.get(record_id, str(record_id)), message is None,
                                      message or gettext("Done, now “%(state)s”", state=item.target)))
    return result


def _one_by_one(service: RegisterService, ids: list[int], records: dict[int, Any], keys: dict[int, str], name: str,
                reason: str, values: Mapping[str, Any] | None, settings: Mapping[str, Decimal]) -> BulkResult:
    """An approval on each record in turn, each in its own savepoint (a refusal undoes only that record)."""
    result = BulkResult(None)
    for record_id in ids:
        savepoint = service.session.begin_nested()
        try:
            record = transition(service, records.get(record_id), name, reason, values, settings)
        except TransitionRefused as refused:
            savepoint.rollback()
            result.rows.append(RowOutcome(record_id, keys.get(record_id, str(record_id)), False, refused.message))
            continue
        savepoint.commit()
        result.rows.append(RowOutcome(record_id, keys.get(record_id, str(record_id)), True,
                                      outcome(service, name, record)))
    return result
