"""The planner's workflow rule: a plain save or import never moves a record between states.

On a register with a ``workflow:``, a new record starts in the initial state (the state field's
default) and its locked fields stay blank; a stored record keeps its state and locked fields (a
value equal to the current one is not a change), and while its state limits editing (``edit:``) only
the fields allowed to the user's roles may change. The messages name the transitions to use instead.
Maintenance work acting for nobody (system rights: demo data, the engine's own plan) is not limited.
"""

from __future__ import annotations

from typing import Any, Iterator

from portal.models import link_column
from portal.records.plan_types import ImportContext
from portal.registry.spec import FieldSpec
from portal.registry.workflow_spec import ANY_ROLE, Workflow


class WorkflowGuard:
    """Checks one plan's rows against the register's workflow."""

    def __init__(self, ctx: ImportContext, workflow: Workflow) -> None:
        self.spec = ctx.spec
        self.access = ctx.access
        self.workflow = workflow
        #: The state's database column (fetched with every stored row the plan compares).
        self.column = workflow.field
        self.fields = {link_column(f) if f.is_link else f.name: f for f in ctx.spec.fields}
        self.roles = {role.name for role in ctx.access.roles}

    @classmethod
    def for_plan(cls, ctx: ImportContext) -> WorkflowGuard | None:
        workflow = ctx.spec.workflow
        return None if workflow is None or ctx.access.system else cls(ctx, workflow)

    def _routes(self, state: Any) -> str:
        leaving = self.workflow.leaving(state)
        if not leaving:
            return "这个状态没有可用的流转"
        return "请在记录页使用流转按钮：" + "、".join(
            f"“{item.label.zh}”（→{item.target}）" for item in leaving)

    def create_problems(self, values: dict[str, Any]) -> Iterator[tuple[FieldSpec, str]]:
        """A new record: its state is the initial one, its locked fields blank."""
        state_field = self.spec.field(self.column)
        initial = self.workflow.initial or (state_field.default,)
        given = values.get(self.column)
        if given is not None and given not in initial:
            allowed = (f"是“{initial[0]}”" if len(initial) == 1
                       else f"只能是“{'”或“'.join(str(value) for value in initial)}”")
            yield state_field, (f"{state_field.label.zh}只能通过流转改变：新记录的{state_field.label.zh}{allowed}，"
                                f"不能登记为“{given}”")
        for name in self.workflow.locked:
            field = self.spec.field(name)
            if values.get(name) is not None and values.get(name) != field.default:  # its default is what a new record gets
                yield field, f"{field.label.zh}只能由流转填写，新记录请留空"

    def update_problems(self, changes: dict[str, Any], state: Any) -> Iterator[tuple[FieldSpec, str]]:
        """A stored record in ``state``: ``changes`` (database column -> new value) must leave the state and
        locked fields alone and keep to what the state lets the user's roles edit."""
        state_field = self.spec.field(self.column)
        if self.column in changes:
            yield state_field, (f"{state_field.label.zh}不能直接从“{state}”改为“{changes[self.column]}”，"
                                f"{self._routes(state)}")
        for name in self.workflow.locked:
            field = self.spec.field(name)
            if (link_column(field) if field.is_link else name) in changes:
                yield field, f"{field.label.zh}只能由流转填写，不能直接修改"
        current = self.workflow.state(state)
        rules = current.edit if current is not None else None
        if rules is None:
            return
        allowed: set[str] = set()
        everything = False
        for rule in rules:
            if rule.role == ANY_ROLE or rule.role in self.roles:
                if rule.fields is None:
                    everything = True
                allowed.update(rule.fields or ())
        if everything:
            return
        managed = {self.column, *self.workflow.locked}
        refused = [self.fields[column] for column in changes
                   if column in self.fields and not self.fields[column].is_derived
                   and self.fields[column].name not in allowed | managed]
        if refused:
            labels = "、".join(field.label.zh for field in refused)
            hint = f"只能修改：{'、'.join(self.spec.field(name).label.zh for name in sorted(allowed))}" if allowed \
                else "不能修改任何字段"
            yield refused[0], f"记录处于“{state}”状态，不能修改{labels}（{hint}）"
