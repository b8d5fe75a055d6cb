"""N-of-M approvals: freezing the approver list when a record is submitted, and recording decisions.

A transition with ``approvals: {required, role, reject}`` (``portal.registry.workflow_spec.Approvals``)
does not fire on the first press. When a record enters a state it leaves, ``freeze`` stores the users
who then hold ``role``, reach the record and may press the transition (without the submitter when
``self_approval: false``) in ``workflow_approvers``, as a new round; later changes of roles or accounts
do not alter it. Each press by a listed approver is recorded (who, when, comment) by ``decide``, with
an audit entry; the caller fires the transition when the N-th agreement arrives, or at once on a 驳回.
The engine takes a row lock on the record first (``lock``), so concurrent approvals are counted one
after another: the transition fires exactly once and no agreement is lost. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import sqlalchemy as sa

from portal.records.approvers import AGREE, REJECT, WorkflowApprover
from portal.records.workflow_rules import TransitionRefused, on_side, permitted
from portal.registry.workflow_spec import Transition
from portal.security import audit
from portal.security.access import Access, org_of
from portal.texts import current_locale, gettext

#: ``detail`` of a decision's audit entry starts with this (``审批 approve「审批建档」：同意 1/2``).
DETAIL_PREFIX = "审批"  # i18n: data


@dataclass(frozen=True)
class Approver:
    username: str
    display: str
    decision: str | None
    decided_at: Any
    comment: str | None


@dataclass(frozen=True)
class ApprovalStatus:
    """Where the approval of ``transition`` on one record stands (the current round)."""

    transition: Transition
    required: int
    approvers: tuple[Approver, ...]
    #: False while nobody froze the list yet (a record that entered the state before approvals were set up).
    frozen: bool = True

    @property
    def agreed(self) -> tuple[Approver, ...]:
        return tuple(item for item in self.approvers if item.decision == AGREE)

    @property
    def pending(self) -> tuple[Approver, ...]:
        return tuple(item for item in self.approvers if item.decision is None)

    @property
    def rejected(self) -> tuple[Approver, ...]:
        return tuple(item for item in self.approvers if item.decision == REJECT)

    def text(self) -> str:
        """``审批：已同意 1/2（张三）；待同意：李四、王五``."""
        sep = gettext(", ")
        names = gettext(" (%(names)s)", names=sep.join(item.display for item in self.agreed)) if self.agreed else ""
        text = gettext("Approval: %(agreed)s/%(required)s agreed%(names)s", agreed=len(self.agreed),
                       required=self.required, names=names)
        if self.pending:
            text += gettext("; waiting for: %(names)s", names=sep.join(item.display for item in self.pending))
        if len(self.approvers) - len(self.rejected) < self.required:
            text += gettext("; the approver list has only %(listed)s people, fewer than the %(required)s needed, so "
                            "it cannot pass: reject it or withdraw it and submit it again",
                            listed=len(self.approvers), required=self.required)
        return text


def required_of(item: Transition, settings: Mapping[str, Decimal]) -> int:
    """How many agreements ``item`` needs: the fixed number, or its setting (at least 1)."""
    approvals = item.approvals
    if approvals is None:
        return 1
    if approvals.required_setting is None:
        return approvals.required
    return max(int(settings.get(approvals.required_setting, Decimal(1))), 1)


def display_name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.username)


def holders(item: Transition) -> list[tuple[str, str, Access]]:
    """(username, display name, rights) of the active accounts holding ``item``'s approver role now."""
    from portal.security.current import access_for_user, role_holders

    assert item.approvals is not None
    return [(str(user.username), display_name(user), access_for_user(user)) for user in role_holders(item.approvals.role)]


def candidates(service: Any, record: Any, item: Transition, submitter: str | None,
               people: list[tuple[str, str, Access]] | None = None) -> list[tuple[str, str]]:
    """(username, display name) of everyone who would be an approver of ``item`` on ``record`` now:
    holding the role (``people``, found when not given), reaching the record and allowed to press ``item``."""
    spec = service.spec
    found = []
    for username, shown, access in holders(item) if people is None else people:
        if not item.self_approval and submitter and username == submitter:
            continue
        if permitted(access, spec, item) and access.reaches(spec, record) and on_side(access, spec, item, record):
            found.append((username, shown))
    return found


def _rows(session: Any, slug: str, record: Any, name: str) -> list[WorkflowApprover]:
    """The approvers of the record's current round of ``name``."""
    table = WorkflowApprover
    mine = (table.register == slug, table.record_id == record.id, table.record_created_at == record.created_at,
            table.transition == name)
    latest = sa.select(sa.func.max(table.round)).where(*mine).scalar_subquery()
    return list(session.scalars(sa.select(table).where(*mine, table.round == latest)
                                .order_by(table.id).execution_options(populate_existing=True)))


def _entry(service: Any, record: Any, actor: str | None, detail: str, changes: str | None = None) -> dict[str, Any]:
    spec = service.spec
    return audit.entry("approval", username=actor or audit.actor_name(), register=spec.slug, record_id=record.id,
                       record_key=str(getattr(record, spec.key)), org_unit_id=org_of(spec, record), detail=detail,
                       changes=changes)


def freeze(service: Any, record: Any, item: Transition, submitter: str | None, settings: Mapping[str, Decimal],
           people: list[tuple[str, str, Access]] | None = None) -> list[WorkflowApprover]:
    """Start a new round of ``item``'s approval on ``record``: store its approvers and audit the list."""
    session, slug, at = service.session, service.spec.slug, audit.now_utc()
    table = WorkflowApprover
    last = session.scalar(sa.select(sa.func.max(table.round)).where(
        table.register == slug, table.record_id == record.id, table.record_created_at == record.created_at,
        table.transition == item.name)) or 0
    listed = candidates(service, record, item, submitter, people)
    if listed:
        session.execute(sa.insert(table), [
            {"register": slug, "record_id": record.id, "record_created_at": record.created_at,
             "transition": item.name, "round": last + 1,
             "username": username, "display": display[:128], "frozen_at": at} for username, display in listed])
    names = "、".join(display for _, display in listed) or "无人"  # i18n: data (the audit trail is in Chinese)
    detail = (f"{DETAIL_PREFIX}名单 {item.name}「{item.label.zh}」第 {last + 1} 轮："  # i18n: data
              f"{names}（需 {required_of(item, settings)} 人同意）")  # i18n: data
    audit.write(session, [_entry(service, record, submitter, detail)])
    return _rows(session, slug, record, item.name)


def status(service: Any, record: Any, item: Transition, settings: Mapping[str, Decimal],
           submitter: str | None = None) -> ApprovalStatus:
    """The current round of ``item`` on ``record``; before any freeze, the people who would be listed."""
    rows = _rows(service.session, service.spec.slug, record, item.name)
    required = required_of(item, settings)
    if not rows:
        people = candidates(service, record, item, submitter)
        return ApprovalStatus(item, required, tuple(Approver(name, shown, None, None, None)
                                                    for name, shown in people), frozen=False)
    return ApprovalStatus(item, required, tuple(Approver(row.username, row.display or row.username, row.decision,
                                                         row.decided_at, row.comment) for row in rows))


def refusal(state: ApprovalStatus, access: Access, rejecting: bool) -> tuple[int, str] | None:
    """Why this user cannot decide on the approval now: not on the frozen list, or decided already."""
    if access.system:
        return None
    mine = next((item for item in state.approvers if item.username == access.username), None)
    label = state.transition.label.get(current_locale())
    if mine is None:
        listed = gettext(", ").join(item.display for item in state.approvers) or gettext("no one")
        if rejecting:
            return 403, gettext("You are not on the approver list of “%(label)s” and cannot reject: the list was "
                                "fixed at submission (%(listed)s), please leave it to the people on it",
                                label=label, listed=listed)
        return 403, gettext("You are not on the approver list of “%(label)s” and cannot agree: the list was "
                            "fixed at submission (%(listed)s), please leave it to the people on it",
                            label=label, listed=listed)
    if mine.decision == REJECT:
        return 409, gettext("You have already rejected “%(label)s” and cannot do it again; %(status)s",
                            label=label, status=state.text())
    if mine.decision is not None:
        return 409, gettext("You have already agreed to “%(label)s” and cannot do it again; %(status)s",
                            label=label, status=state.text())
    return None


def decide(service: Any, record: Any, item: Transition, rejecting: bool, comment: str,
           settings: Mapping[str, Decimal], submitter: str | None) -> bool:
    """Record this user's 同意 (or 驳回) on ``item``'s approval of ``record`` (already locked and checked);
    True when the transition (or the rejecting one) is to fire now. Raises ``TransitionRefused``."""
    access = service.access()
    session = service.session
    rows = _rows(session, service.spec.slug, record, item.name)
    if not rows:  # entered the state before approvals were set up: the list is frozen now
        rows = freeze(service, record, item, submitter, settings)
    state = ApprovalStatus(item, required_of(item, settings), tuple(
        Approver(row.username, row.display or row.username, row.decision, row.decided_at, row.comment)
        for row in rows))
    if access.system:
        return True  # maintenance work acting for nobody moves the record as before
    refused = refusal(state, access, rejecting)
    if refused is not None:
        raise TransitionRefused(*refused)
    row = next(row for row in rows if row.username == access.username)
    decision, at = (REJECT if rejecting else AGREE), audit.now_utc()
    table = WorkflowApprover.__table__
    done = session.execute(table.update().where(table.c.id == row.id, table.c.decision.is_(None)).values(
        decision=decision, decided_at=at, comment=comment or None)).rowcount == 1
    if not done:
        raise TransitionRefused(409, gettext("You have already decided on “%(label)s” and cannot do it again",
                                             label=item.label.get(current_locale())))
    agreed = len(state.agreed) + (0 if rejecting else 1)
    detail = f"{DETAIL_PREFIX} {item.name}「{item.label.zh}」：{decision}（已同意 {agreed}/{state.required}）"  # i18n: data
    opinion = f"；意见：{comment}" if comment else ""  # i18n: data
    audit.write(session, [_entry(service, record, access.username, detail + opinion)])
    return rejecting or agreed >= state.required
