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
from portal.texts import gettext


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
        self.locale = ctx.locale

    def _label(self, item: Any) -> str:
        """A field's or transition's label in the reader's language."""
        return str(item.label.get(self.locale))

    @classmethod
    def for_plan(cls, ctx: ImportContext) -> WorkflowGuard | None:
        workflow = ctx.spec.workflow
        return None if workflow is None or ctx.access.system else cls(ctx, workflow)

    def _routes(self, state: Any) -> str:
        leaving = self.workflow.leaving(state)
        if not leaving:
            return gettext("this state has no transition to use")
        return gettext("please use a transition button on the record's page: %(buttons)s", buttons=gettext(", ").join(
            gettext("“%(label)s” (→%(target)s)", label=self._label(item), target=item.target) for item in leaving))

    def create_problems(self, values: dict[str, Any]) -> Iterator[tuple[FieldSpec, str]]:
        """A new record: its state is the initial one, its locked fields blank."""
        state_field = self.spec.field(self.column)
        initial = self.workflow.initial or (state_field.default,)
        given = values.get(self.column)
        if given is not None and given not in initial:
            label = self._label(state_field)
            if len(initial) == 1:
                yield state_field, gettext("%(field)s changes only by a transition: the %(field)s of a new record is "
                                           "“%(initial)s”, it cannot be entered as “%(given)s”",
                                           field=label, initial=initial[0], given=given)
            else:
                yield state_field, gettext("%(field)s changes only by a transition: the %(field)s of a new record can "
                                           "only be %(initial)s, it cannot be entered as “%(given)s”", field=label,
                                           initial=gettext(" or ").join(
                                               gettext("“%(value)s”", value=value) for value in initial),
                                           given=given)
        for name in self.workflow.locked:
            field = self.spec.field(name)
            if values.get(name) is not None and values.get(name) != field.default:  # its default is what a new record gets
                yield field, gettext("%(field)s is filled in only by a transition, leave it blank on a new record",
                                     field=self._label(field))

    def update_problems(self, changes: dict[str, Any], state: Any) -> Iterator[tuple[FieldSpec, str]]:
        """A stored record in ``state``: ``changes`` (database column -> new value) must leave the state and
        locked fields alone and keep to what the state lets the user's roles edit."""
        state_field = self.spec.field(self.column)
        if self.column in changes:
            yield state_field, gettext("%(field)s cannot be changed from “%(state)s” to “%(new)s” directly, %(routes)s",
                                       field=self._label(state_field), state=state, new=changes[self.column],
                                       routes=self._routes(state))
        for name in self.workflow.locked:
            field = self.spec.field(name)
            if (link_column(field) if field.is_link else name) in changes:
                yield field, gettext("%(field)s is filled in only by a transition and cannot be changed directly",
                                     field=self._label(field))
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
            sep = gettext(", ")
            labels = sep.join(self._label(field) for field in refused)
            hint = gettext("only these may change: %(fields)s", fields=sep.join(
                self._label(self.spec.field(name)) for name in sorted(allowed))) if allowed \
                else gettext("no field may change")
            yield refused[0], gettext("The record is “%(state)s”, so %(fields)s cannot change (%(hint)s)",
                                      state=state, fields=labels, hint=hint)
