"""The workflow engine: which transitions a user may press on a record, and pressing one, exactly once.

``transition(service, record, name, reason, values)`` checks the transition against the register's
workflow (state, the user's verb and roles, row scope, self-approval, reason, condition, required
fields), plans the new values with the register service's planner (so links, uniqueness, org links
and derived columns are checked as for any save), then writes them with one conditional
``UPDATE ... WHERE id = :id AND <state> = :from``: of concurrent attempts exactly one changes the row,
the others find no row in the old state and get ``TransitionRefused`` with status 409. The audit
entry (who, when, from → to, action, reason, field diff) is written in the same transaction; the
caller commits. A transition with ``approvals:`` (N of M) locks the record, records the press as one
approver's decision (``portal.records.approvals``) and fires only with the N-th agreement. Nothing
here reads a Flask request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Mapping

import sqlalchemy as sa
from marshmallow import ValidationError
from flask_babel import gettext, lazy_gettext

from portal.models import link_column
from portal.records import approvals
from portal.records.service import RegisterService
from portal.records.workflow_hooks import refusal
from portal.records.workflow_rules import TransitionRefused, on_side, permitted, settings_of, today
from portal.records.workflow_write import write_rows
from portal.registry.conditions import FACTS
from portal.registry.workflow_spec import Effect, SetValue, Transition, Workflow
from portal.security import audit
from portal.records.facts import fact_value

#: Longest reason kept in the audit trail.
REASON_MAX = 500
#: ``detail`` of a transition's audit entry: ``流转 approve「批准」：待审批 → 已批准；理由：……``.
DETAIL = re.compile(r"^流转 (?P<name>[a-z0-9_]+)「(?P<label>[^」]*)」：(?P<source>.*?) → (?P<target>.*?)"  # i18n: data
                    r"(?:；理由：(?P<reason>.*))?$", re.S)  # i18n: data


@dataclass(frozen=True)
class Offer:
    """A transition the user holds the rights for on this record now; ``blocked`` says why it cannot be
    pressed yet (a condition, a missing field, self-approval), ``None`` when it can."""

    transition: Transition
    blocked: str | None = None


@dataclass(frozen=True)
class HistoryItem:
    at: Any
    username: str
    name: str
    label: str
    source: str
    target: str
    reason: str | None
    changes: dict[str, list[Any]] = field(default_factory=dict)


def submitter(service: RegisterService, record: Any) -> str | None:
    """Who put the record in its current state: the actor of the last transition into that state, or
    whoever created it."""
    entry = audit.AuditEntry
    workflow = service.spec.workflow
    state = getattr(record, workflow.field) if workflow else None
    rows = service.session.execute(
        sa.select(entry.action, entry.username, entry.changes).where(
            entry.register == service.spec.slug, entry.record_id == record.id,
            entry.action.in_(("create", "transition"))).order_by(entry.id.desc()))
    for action, username, changes in rows:
        if action == "create":
            return str(username) if username else None
        moved = json.loads(changes or "{}").get(workflow.field if workflow else "", [None, None])
        if moved[1] == state:
            return str(username) if username else None
    return None


def _workflow(service: RegisterService) -> Workflow:
    workflow = service.spec.workflow
    if workflow is None:
        raise TransitionRefused(404, gettext("%(register)s has no workflow", register=service.spec.label.get(service.locale())))
    return workflow


def _label(service: RegisterService, name: str) -> str:
    return service.spec.field(name).label.get(service.locale())


#: Short names of the engine's facts for refusals (FACTS holds the full Chinese description).
FACT_LABELS = {"unpaid_dues_months": lazy_gettext("Months of member dues unpaid in a row")}


def _condition_text(service: RegisterService, transition: Transition, settings: Mapping[str, Decimal]) -> str:
    """The condition with field labels and setting values, for a refusal a clerk can read."""
    text = transition.condition.text if transition.condition else ""
    for name in transition.condition.settings if transition.condition else ():
        text = text.replace(f"config.{name}", f"{settings.get(name)}")
    for name in transition.condition.facts if transition.condition else ():
        text = text.replace(f"fact.{name}", str(FACT_LABELS.get(name, FACTS[name])))
    for name in sorted(transition.condition.fields if transition.condition else (), key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", _label(service, name), text)
    return text


def _blocked(service: RegisterService, record: Any, transition: Transition, values: Mapping[str, Any],
             settings: Mapping[str, Decimal], actor: str | None,
             offering: bool = False) -> tuple[int, str, dict[str, list[str]]] | None:
    """Why ``transition`` cannot be done on ``record`` with ``values`` now (status, message, field errors).
    ``offering``: for the buttons, a required field the transition itself asks for (``fields:``) is
    filled in with it, so its absence does not grey the button."""
    approving = service.spec.workflow.approving(transition.name) if service.spec.workflow else None
    who = submitter(service, record) if actor and (approving or not transition.self_approval) else None
    if not transition.self_approval and actor and actor == who:
        return 403, gettext("“%(transition)s” may not be done by the submitter: you submitted this record, so someone "
                            "else with the right must do it", transition=transition.label.get(service.locale())), {}
    if approving is not None:
        state = approvals.status(service, record, approving, settings, who)
        refused = approvals.refusal(state, service.access(), transition.name != approving.name)
        if refused is not None:
            return refused[0], refused[1], {}
    day = today()

    def value_of(name: str) -> Any:
        if name.startswith("fact."):
            return fact_value(service, record, name.removeprefix("fact."), f"{day.year:04d}-{day.month:02d}")
        return values[name] if name in values else getattr(record, name)

    if transition.condition is not None and not transition.condition.evaluate(value_of, settings, today()):
        return 422, gettext("The condition of “%(transition)s” is not met: %(condition)s", transition=transition.label.get(service.locale()),
                              condition=_condition_text(service, transition, settings)), {}
    missing = [name for name in transition.required if value_of(name) in (None, "")
               and not (offering and name in transition.inputs)]
    if missing:
        errors = {name: [gettext("“%(transition)s” needs %(field)s", transition=transition.label.get(service.locale()), field=_label(service, name))]
                  for name in missing}
        return 422, gettext("“%(transition)s” needs these filled in first: %(fields)s", transition=transition.label.get(service.locale()),
                            fields=gettext(", ").join(_label(service, name) for name in missing)), errors
    return None


def offers(service: RegisterService, record: Any, settings: Mapping[str, Decimal] | None = None) -> list[Offer]:
    """The transitions this user may press on ``record`` now (rights, scope and state), each with what
    still blocks it; a transition the user has no right to is not listed."""
    workflow = service.spec.workflow
    access = service.access()
    if workflow is None or not access.reaches(service.spec, record):
        return []
    settings = settings_of(workflow) if settings is None else settings
    state = getattr(record, workflow.field)
    found = []
    for item in workflow.leaving(state):
        if permitted(access, service.spec, item) and on_side(access, service.spec, item, record) \
                and refusal(service, item, record) is None:
            blocked = _blocked(service, record, item, {}, settings, access.username, offering=True)
            found.append(Offer(item, None if blocked is None else blocked[1]))
    return found


def _parse(service: RegisterService, transition: Transition, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The values given with the transition, parsed and with links resolved in the user's scope."""
    spec, access = service.spec, service.access()
    unknown = [name for name in raw if name not in transition.asked]
    if unknown:
        allowed = gettext(", ").join(_label(service, name) for name in transition.asked) or gettext("none")
        raise TransitionRefused(422, gettext("“%(transition)s” can only be given: %(fields)s", transition=transition.label.get(service.locale()),
                                             fields=allowed),
                                {name: [gettext("“%(transition)s” cannot fill in this field", transition=transition.label.get(service.locale()))]
                                 for name in unknown})
    hidden = [name for name in raw if access.hidden(spec, spec.field(name))]
    if hidden:
        raise TransitionRefused(403, gettext("You may not fill in or change: %(fields)s",
                                             fields=gettext(", ").join(_label(service, name) for name in hidden)))
    try:
        values: dict[str, Any] = service.schema.load(dict(raw), partial=True)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        errors = {key: list(value) if isinstance(value, list) else [str(value)] for key, value in messages.items()}
        raise TransitionRefused(422, gettext("; ").join(
            f"{_label(service, key) if spec.has_field(key) else ''}{' '.join(text)}" for key, text in errors.items()),
            errors) from None
    handover = spec.workflow.handover if spec.workflow else None
    for spec_field in spec.links:
        if spec_field.name in values:
            # The receiving union of a handover lies outside the sender's scope: it is looked up everywhere.
            resolver = RegisterService(spec, service.registry, service.models, lambda: service.session, service.locale) \
                if handover and spec_field.name == handover.field else service
            try:
                linked = resolver.resolve_link(spec_field, raw.get(spec_field.name))
            except ValueError as problem:
                raise TransitionRefused(422, str(problem), {spec_field.name: [str(problem)]}) from None
            values[spec_field.name] = linked.id if linked is not None else None
    return values


def due_days(effect: Effect, settings: Mapping[str, Decimal]) -> int:
    """Days until a deadline effect's date: fixed, or read from a setting."""
    if effect.days_setting is None:
        return effect.days
    return max(int(settings.get(effect.days_setting, Decimal(0))), 0)


def _effect_values(workflow: Workflow, transition: Transition, day: date,
                   settings: Mapping[str, Decimal], current: Any = None) -> dict[str, Any]:
    """What entering the target state and the transition's effects set."""
    values: dict[str, Any] = {}

    def put(item: SetValue) -> None:
        values[item.field] = day if item.today else item.value

    state = workflow.state(transition.target)
    for item in state.on_enter if state else ():
        put(item)
    for effect in transition.effects:
        if effect.kind == "set" and effect.value is not None:
            put(effect.value)
        elif effect.kind == "copy" and effect.source is not None:
            values[effect.field] = current(effect.source) if current is not None else None
        elif effect.kind == "deadline":
            values[effect.field] = day + timedelta(days=due_days(effect, settings))
    return values


def prepare(service: RegisterService, name: str, reason: str | None,
            raw_values: Mapping[str, Any] | None) -> tuple[Workflow, Transition, str, dict[str, Any]]:
    """The checks that do not depend on the record: the transition exists, the user may press it, the
    reason, the values given with it (parsed). Raises ``TransitionRefused``."""
    workflow = _workflow(service)
    spec, access = service.spec, service.access()
    item = workflow.transition(name)
    if item is None:
        raise TransitionRefused(404, gettext("%(register)s has no transition named “%(name)s”",
                                             register=spec.label.get(service.locale()), name=name))
    if not permitted(access, spec, item):
        raise TransitionRefused(403, gettext("You may not do “%(transition)s”", transition=item.label.get(service.locale())))
    reason = (reason or "").strip()
    if item.reason_required and not reason:
        raise TransitionRefused(422, gettext("“%(transition)s” needs a reason", transition=item.label.get(service.locale())),
                                {"reason": [gettext("Please give a reason")]})
    if len(reason) > REASON_MAX:
        too_long = gettext("A reason has at most %(count)s characters", count=REASON_MAX)
        raise TransitionRefused(422, too_long, {"reason": [too_long]})
    return workflow, item, reason, _parse(service, item, raw_values or {})


def row_values(service: RegisterService, record: Any, workflow: Workflow, item: Transition,
               values: Mapping[str, Any], settings: Mapping[str, Decimal], day: date) -> tuple[str, dict[str, Any]]:
    """The checks of one record (scope, state, side, condition, required fields) and what to write:
    (the state it leaves, the values). Raises ``TransitionRefused``."""
    spec, access = service.spec, service.access()
    if record is None or not access.reaches(spec, record):
        raise TransitionRefused(404, gettext("The record does not exist or is outside your scope"))
    state = getattr(record, workflow.field)
    if state not in item.sources:
        raise TransitionRefused(409, gettext("This %(register)s is now “%(state)s”, so “%(transition)s” cannot be done (only "
                                             "from “%(sources)s”); someone may have handled it already, please refresh",
                                             register=spec.label.get(service.locale()), state=state, transition=item.label.get(service.locale()),
                                             sources=gettext(", ").join(item.sources)))
    if not on_side(access, spec, item, record):
        side = gettext("the receiving unit") if item.by == "receiver" else gettext("the record's own unit")
        raise TransitionRefused(403, gettext("“%(transition)s” can only be done by %(side)s", transition=item.label.get(service.locale()), side=side))
    guarded = refusal(service, item, record)
    if guarded:
        raise TransitionRefused(403, guarded)
    blocked = _blocked(service, record, item, values, settings, access.username)
    if blocked is not None:
        raise TransitionRefused(*blocked)

    def current(name: str) -> Any:
        field = spec.field(name)
        if name in values:
            return values[name]
        return getattr(record, link_column(field)) if field.is_link else getattr(record, name)

    written = {**values, **_effect_values(workflow, item, day, settings, current), workflow.field: item.target}
    return str(state), written


def transition(service: RegisterService, record: Any, name: str, reason: str | None = None,
               raw_values: Mapping[str, Any] | None = None, settings: Mapping[str, Decimal] | None = None) -> Any:
    """Press transition ``name`` on ``record`` for the service's user; the caller commits (or rolls back
    on ``TransitionRefused``). Returns the record, refreshed."""
    if record is None or not service.access().reaches(service.spec, record):
        raise TransitionRefused(404, gettext("The record does not exist or is outside your scope"))
    workflow, item, reason, values = prepare(service, name, reason, raw_values)
    settings = settings_of(workflow) if settings is None else settings
    approving = workflow.approving(name)
    if approving is not None:  # approvals are counted one at a time: hold the record until the commit
        table = service.model.__table__
        service.session.execute(sa.select(table.c.id).where(table.c.id == record.id).with_for_update())
        record = service.session.get(service.model, record.id, populate_existing=True)
    state, written = row_values(service, record, workflow, item, values, settings, today())
    if approving is not None and not approvals.decide(service, record, approving, item is not approving, reason,
                                                      settings, submitter(service, record)):
        return service.session.get(service.model, record.id, populate_existing=True)
    refused = write_rows(service, item, [(record, state, written)], reason)
    if record.id in refused:
        raise TransitionRefused(*refused[record.id])
    return service.session.get(service.model, record.id, populate_existing=True)


def outcome(service: RegisterService, name: str, record: Any) -> str:
    """What a press did, for the message after it: moved the record, or recorded one agreement of N."""
    workflow = _workflow(service)
    item = workflow.transition(name)
    state = getattr(record, workflow.field)
    if item is None or state == item.target:
        return str(gettext("“%(label)s” done: now “%(state)s”", state=state,
                           label=item.label.get(service.locale()) if item else name))
    approving = workflow.approving(name)
    progress = approvals.status(service, record, approving, settings_of(workflow)).text() if approving else ""
    return str(gettext("Your agreement is recorded; “%(label)s” is done once the other approvers agree. "
                       "%(progress)s", label=item.label.get(service.locale()), progress=progress))


def approval_states(service: RegisterService, record: Any) -> list[approvals.ApprovalStatus]:
    """Where each approval leaving the record's state stands (for its page and the API)."""
    workflow = service.spec.workflow
    if workflow is None:
        return []
    settings = settings_of(workflow)
    who = submitter(service, record)
    return [approvals.status(service, record, item, settings, who)
            for item in workflow.freezing(getattr(record, workflow.field))]


def history(service: RegisterService, record: Any) -> list[HistoryItem]:
    """The record's transitions, oldest first, from the audit trail (not those of an earlier record that held
    the same id before it was deleted: SQLite hands a deleted last id out again)."""
    entry = audit.AuditEntry
    since = [entry.at >= record.created_at] if getattr(record, "created_at", None) is not None else []
    rows = service.session.scalars(
        sa.select(entry).where(entry.register == service.spec.slug, entry.record_id == record.id,
                               entry.action == "transition", *since).order_by(entry.id)).all()
    found = []
    for row in rows:
        match = DETAIL.match(row.detail or "")
        if match is None:
            continue
        found.append(HistoryItem(row.at, row.username or "", match["name"], match["label"], match["source"],
                                 match["target"], match["reason"], row.changes_dict()))
    return found
