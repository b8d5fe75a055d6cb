"""What waits for a user (待办): records in a state the user may move on now, within their scope, and
which of them are past their state's deadline.

For each register with a workflow the user can read, the states from which the user holds the right to
press at least one transition (verb and roles, as ``permitted``) are collected; the rows in those
states, within the user's row scope, are listed with the transitions and the deadline. The responsible
role for an overdue row is whoever may press a transition leaving its state, so overdue rows appear on
exactly those users' lists, marked. A state whose only transitions for the user are an N-of-M
approval (and its 驳回) lists just the rows on whose frozen approver list the user still has to decide;
a transition a register's guard leaves only on some rows (a motion's feedback, by its proposer) lists
just those rows, by the guard's SQL row filter.
Read-only; no Flask request globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

import sqlalchemy as sa

from portal.records.approvers import WorkflowApprover
from portal.records.workflow import on_side, permitted
from portal.records.workflow_hooks import rows_allowed
from portal.registry.spec import RegisterSpec
from portal.security.access import Access, row_condition

#: Rows listed per register (the count is exact).
LIMIT = 50


@dataclass(frozen=True)
class TodoRow:
    record_id: int
    title: str
    state: str
    actions: tuple[str, ...]
    due: date | None

    def overdue(self, day: date) -> bool:
        return self.due is not None and self.due < day


@dataclass(frozen=True)
class TodoGroup:
    spec: RegisterSpec
    count: int
    overdue: int
    rows: tuple[TodoRow, ...]


def _todo_row(spec: RegisterSpec, row: Any, access: Access, deadlines: Mapping[str, str]) -> TodoRow:
    flow = spec.workflow
    state = str(getattr(row, flow.field))  # type: ignore[union-attr]
    due = getattr(row, deadlines[state]) if state in deadlines else None
    actions = tuple(item.label.zh for item in flow.leaving(state)  # type: ignore[union-attr]
                    if permitted(access, spec, item) and on_side(access, spec, item, row))
    return TodoRow(row.id, str(getattr(row, spec.title) or row.id), state, actions, due)


def _waiting(spec: RegisterSpec, models: Mapping[str, Any], model: Any, access: Access,
             states: list[str]) -> sa.ColumnElement[bool]:
    """The rows in ``states`` waiting for this user: every row where a plain transition is theirs to press;
    where only approvals are, the rows on whose current approver list the user has not decided yet."""
    flow = spec.workflow
    assert flow is not None
    column = getattr(model, flow.field)
    plain, approving, filtered = [], [], []
    for value in states:
        mine = [item for item in flow.leaving(value) if permitted(access, spec, item)]
        if access.system or any(flow.approving(item.name) is None for item in mine):
            # a plain transition whose guard leaves only some rows to the user (the proposer's feedback)
            limits = [rows_allowed(access, models, model, spec.slug, item) for item in mine
                      if flow.approving(item.name) is None]
            if limits and all(limits):
                filtered.append(sa.and_(column == value, sa.or_(*(sa.and_(*terms) for terms in limits))))
            else:
                plain.append(value)
        else:
            approving.append(value)
    unlimited = sa.or_(column.in_(plain), *filtered)
    if not approving:
        return unlimited
    table = WorkflowApprover
    names = [item.name for value in approving for item in flow.freezing(value)]
    rounds = sa.orm.aliased(table)
    latest = sa.select(sa.func.max(rounds.round)).where(
        rounds.register == table.register, rounds.record_id == table.record_id,
        rounds.record_created_at == table.record_created_at, rounds.transition == table.transition).scalar_subquery()
    pending = sa.exists().where(table.register == spec.slug, table.record_id == model.id,
                                table.record_created_at == model.created_at, table.transition.in_(names),
                                table.username == access.username, table.decision.is_(None), table.round == latest)
    return sa.or_(unlimited, sa.and_(column.in_(approving), pending))


def todo_groups(specs: list[RegisterSpec], models: Mapping[str, Any], session: Any, access: Access,
                day: date) -> list[TodoGroup]:
    """The user's to-do list, one group per register with something waiting (overdue rows first)."""
    groups = []
    for spec in specs:
        flow = spec.workflow
        if flow is None or not access.can(spec.slug, "read"):
            continue
        waiting = [state.value for state in flow.states if state.todo != "no"
                   and any(permitted(access, spec, item) for item in flow.leaving(state.value))]
        if not waiting:
            continue
        model = models[spec.slug]
        column = getattr(model, flow.field)
        deadlines = {state.value: state.deadline for state in flow.states if state.deadline}
        # a state waiting only once overdue (``todo: overdue``) lists its rows whose deadline has passed
        not_yet = [sa.and_(column == state.value, sa.or_(getattr(model, state.deadline) >= day,
                                                         getattr(model, state.deadline).is_(None)))
                   for state in flow.states if state.todo == "overdue" and state.value in waiting and state.deadline]
        condition = sa.and_(_waiting(spec, models, model, access, waiting),
                            *(c for c in (row_condition(spec, model, access),) if c is not None),
                            *(sa.not_(term) for term in not_yet))
        count = session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0
        overdue_terms = [sa.and_(column == value, getattr(model, name) < day) for value, name in deadlines.items()
                         if value in waiting]
        overdue = session.scalar(sa.select(sa.func.count()).select_from(model).where(
            condition, sa.or_(*overdue_terms))) or 0 if overdue_terms else 0
        order = [sa.case((sa.or_(*overdue_terms), 0), else_=1)] if overdue_terms else []
        rows = session.scalars(sa.select(model).where(condition).order_by(*order, model.id).limit(LIMIT)).all()
        listed = tuple(_todo_row(spec, row, access, deadlines) for row in rows)
        if count:
            groups.append(TodoGroup(spec, int(count), int(overdue), listed))
    return groups
