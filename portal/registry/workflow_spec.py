"""The typed specs of a register's ``workflow:`` section: states, transitions, effects, approvals.

Plain frozen dataclasses, read and checked by ``portal.registry.workflow`` and run by the engine in
``portal.records.workflow``. Imports only the label and the condition language, so ``spec.py`` can
name ``Workflow`` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal.registry.conditions import Condition
from portal.registry.label import Label

#: ``edit:`` key meaning every role with the ``edit`` verb on the register.
ANY_ROLE = "*"


@dataclass(frozen=True)
class EditRule:
    """While a record is in a state: ``role`` (or ``*``) may change ``fields`` (``None``: every field)."""

    role: str
    fields: tuple[str, ...] | None


@dataclass(frozen=True)
class SetValue:
    """A field set by the workflow: a literal (as parsed by the field type), ``today`` or ``null``."""

    field: str
    value: Any
    today: bool = False


@dataclass(frozen=True)
class Effect:
    """One effect of a transition: ``set`` a field, or start a ``deadline`` (a date field = today + days)."""

    kind: str
    field: str
    value: SetValue | None = None
    days: int = 0
    #: A deadline whose number of days is a setting (``due_in: config.notice_days days``).
    days_setting: str | None = None
    #: ``copy``: the field whose current value goes into ``field``.
    source: str | None = None


@dataclass(frozen=True)
class State:
    value: str
    label: Label
    #: ``None``: the usual rights apply; otherwise only these roles may edit only these fields.
    edit: tuple[EditRule, ...] | None = None
    #: Fields set when a record enters this state.
    on_enter: tuple[SetValue, ...] = ()
    #: A date field holding this state's deadline (overdue records are listed on the to-do page).
    deadline: str | None = None
    #: Whether a record in this state waits for someone (``yes``: on the 待办 list of whoever may move it on),
    #: rests there (``no``: 在籍, 已完成 — transitions leave it, but nobody owes it anything) or waits only
    #: once its ``deadline`` has passed (``overdue``: 已建档 until the next re-check is due).
    todo: str = "yes"


@dataclass(frozen=True)
class Approvals:
    """``approvals: {required: 2, role: chair, reject: reject}`` on a transition: when a record enters one of
    its ``from`` states, the users then holding ``role`` with the record in their scope are frozen as its
    approvers; each presses the transition (同意) and it fires when ``required`` of them have. ``reject``
    names a transition leaving the same states that any one of them may press to turn the item down."""

    role: str
    required: int = 1
    #: The number is a workflow setting (``required: config.approvals_needed``), overridable per deployment.
    required_setting: str | None = None
    reject: str | None = None


@dataclass(frozen=True)
class Transition:
    name: str
    label: Label
    sources: tuple[str, ...]
    target: str
    verb: str = "edit"
    roles: tuple[str, ...] = ()
    #: Fields that must hold a value once the transition is done (given with it, or already there).
    required: tuple[str, ...] = ()
    #: Fields the person pressing it may fill in with it (the required ones are asked too).
    inputs: tuple[str, ...] = ()
    reason_required: bool = False
    #: May the person who submitted the record (created it or moved it into its state) press it?
    self_approval: bool = True
    condition: Condition | None = None
    effects: tuple[Effect, ...] = ()
    #: ``receiver``: pressed by the receiving side of a ``handover`` (scope = the handover field's unit).
    by: str = "owner"
    #: N of M approvals (``approvals:``): the transition fires when the N-th frozen approver agrees.
    approvals: Approvals | None = None

    @property
    def asked(self) -> tuple[str, ...]:
        """The fields the screen and the API accept with this transition."""
        return tuple(dict.fromkeys((*self.inputs, *self.required)))


@dataclass(frozen=True)
class Handover:
    """While a record is in ``state``, it is also within the scope of users who reach the org unit in
    ``field`` (the receiving side of a transfer); they may press only transitions marked ``by: receiver``."""

    state: str
    field: str


@dataclass(frozen=True)
class PublicList:
    """A list anyone may read without signing in (公示): the records in ``state``, with ``fields`` only;
    sensitive fields and linked people are shown masked."""

    state: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Workflow:
    field: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    #: Fields only transitions write (never a plain save or import).
    locked: tuple[str, ...] = ()
    #: Named settings conditions read as ``config.<name>``, with their defaults.
    settings: tuple[tuple[str, Decimal], ...] = ()
    #: The public notice list (``public:``), if any.
    public: PublicList | None = None
    #: States a new record may be registered in (the state field's default first).
    initial: tuple[str, ...] = ()
    #: A transfer's receiving side (``handover:``), if any.
    handover: Handover | None = None

    def state(self, value: Any) -> State | None:
        return next((state for state in self.states if state.value == value), None)

    def transition(self, name: str) -> Transition | None:
        return next((item for item in self.transitions if item.name == name), None)

    def leaving(self, value: Any) -> tuple[Transition, ...]:
        return tuple(item for item in self.transitions if value in item.sources)

    @property
    def managed(self) -> tuple[str, ...]:
        """Fields a plain save may not change: the state and the locked fields."""
        return (self.field, *self.locked)

    def approving(self, name: str) -> Transition | None:
        """The transition with ``approvals`` that ``name`` is (同意) or rejects for (驳回), if any."""
        return next((item for item in self.transitions if item.approvals is not None
                     and name in (item.name, item.approvals.reject)), None)

    def freezing(self, value: Any) -> tuple[Transition, ...]:
        """The transitions with ``approvals`` leaving state ``value``: entering it freezes their approvers."""
        return tuple(item for item in self.leaving(value) if item.approvals is not None)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role name the workflow mentions (checked against ``roles.yaml``)."""
        names = [role for item in self.transitions for role in item.roles]
        names += [item.approvals.role for item in self.transitions if item.approvals is not None]
        names += [rule.role for state in self.states for rule in state.edit or () if rule.role != ANY_ROLE]
        return tuple(dict.fromkeys(names))
