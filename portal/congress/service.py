"""The steps of a congress session before the votes: delegates, the frozen roster, check-in, attendance.

Every function takes the SQLAlchemy session and the acting user's name; none reads the request.
Steps that change something commit; a refused step raises a ``CongressError`` and changes nothing.
The voting steps (open, cast, close, seal, tally) are in ``voting``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import InvalidInput, NotFound, WrongState, rolls_back_on_refusal
from portal.congress.models import (CHECKIN_METHODS, DIRECTION_NAMES, MEMBERS_TABLE, ROLES, VOTING_ROLE, CheckIn,
                                    Congress, CongressSession, Delegate, Seat)
from portal.congress.rules import SESSION_TYPES, SessionRules, rules_for
from portal.security import audit
from portal.texts import gettext

members = sa.table(MEMBERS_TABLE, sa.column("id"), sa.column("name"), sa.column("email"))


def audit_step(session: Session, actor: str, detail: str, record_id: int | None = None,
               register: str = "congress_session") -> None:
    """One audit entry for a congress step (never for a ballot: a cast leaves no trace but its participation)."""
    audit.write(session, [audit.entry("congress", username=actor, register=register, record_id=record_id,
                                      detail=detail)])


def get_session(session: Session, session_id: int) -> CongressSession:
    found = session.get(CongressSession, session_id)
    if found is None:
        raise NotFound(gettext("No congress session numbered %(id)s; open it again from the list of sessions.",
                               id=session_id))
    return found


def session_rules(sitting: CongressSession) -> SessionRules:
    return rules_for(sitting.session_type)


def member_name(session: Session, member_id: int) -> str | None:
    return session.scalar(sa.select(members.c.name).where(members.c.id == member_id))


def delegate_name(session: Session, delegate: Delegate) -> str:
    return member_name(session, delegate.member_id) or gettext("Delegate %(id)s", id=delegate.id)


@rolls_back_on_refusal
def create_congress(session: Session, name: str, term_no: int, term_start: date, term_end: date,
                    actor: str) -> Congress:
    """A new 届 of the congress with its term."""
    name = name.strip()
    if not name:
        raise InvalidInput(gettext("Enter the congress name (e.g. The 5th Workers' Congress of No. 1 Machinery Works)."))
    if term_end < term_start:
        raise InvalidInput(gettext("The term end date %(end)s is before the start date %(start)s; check and enter "
                                   "them again.", end=term_end, start=term_start))
    congress = Congress(name=name, term_no=term_no, term_start=term_start, term_end=term_end)
    session.add(congress)
    session.flush()
    audit_step(session, actor, f"新建大会“{name}”（第 {term_no} 届，{term_start} 至 {term_end}）", congress.id,  # i18n: data
               "congress")
    session.commit()
    return congress


@rolls_back_on_refusal
def create_session(session: Session, congress_id: int, number: int, held_on: date, place: str, session_type: str,
                   actor: str) -> CongressSession:
    """A new 次 of a congress; its type picks the counting rules."""
    congress = session.get(Congress, congress_id)
    if congress is None:
        raise NotFound(gettext("No congress numbered %(id)s; create the congress first.", id=congress_id))
    if session_type not in SESSION_TYPES:
        raise InvalidInput(gettext("Session type “%(value)s” is not recognised; choose one of: %(choices)s.",
                                   value=session_type, choices=gettext(", ").join(SESSION_TYPES)))
    taken = session.scalar(sa.select(CongressSession.id).where(CongressSession.congress_id == congress_id,
                                                               CongressSession.number == number))
    if taken is not None:
        raise WrongState(gettext("“%(congress)s” already has session %(number)s; choose another session number.",
                                  congress=congress.name, number=number))
    sitting = CongressSession(congress_id=congress_id, number=number, held_on=held_on, place=place.strip(),
                              session_type=session_type)
    session.add(sitting)
    session.flush()
    audit_step(session, actor, f"新建“{congress.name}”第 {number} 次会议（{session_type}，{held_on}，{place.strip()}）",  # i18n: data
               sitting.id)
    session.commit()
    return sitting


@rolls_back_on_refusal
def add_delegate(session: Session, congress_id: int, member_id: int, actor: str, role: str = VOTING_ROLE,
                 delegation: str = "", constituency: str = "") -> Delegate:
    """Seat a member of the members register in a congress for its term."""
    if role not in ROLES:
        raise InvalidInput(gettext("Delegate role “%(value)s” is not recognised; choose one of: %(choices)s.",
                                   value=role, choices=gettext(", ").join(ROLES)))
    name = member_name(session, member_id)
    if name is None:
        raise NotFound(gettext("The members register has no member numbered %(id)s; register the member before "
                               "adding them as a delegate.", id=member_id))
    exists = session.scalar(sa.select(Delegate.id).where(Delegate.congress_id == congress_id,
                                                         Delegate.member_id == member_id))
    if exists is not None:
        raise WrongState(gettext("%(name)s is already a delegate of this congress and cannot be added twice.",
                                  name=name))
    delegate = Delegate(congress_id=congress_id, member_id=member_id, role=role, delegation=delegation,
                        constituency=constituency)
    session.add(delegate)
    session.flush()
    audit_step(session, actor, f"添加{role} {name}（{delegation or '未分团'}，{constituency or '未填选区'}）",  # i18n: data
               delegate.id, "congress_delegate")
    session.commit()
    return delegate


@dataclass(frozen=True)
class NewDelegate:
    """One delegate to seat: the member, role, delegation and constituency (a row of an imported file)."""

    member_id: int
    role: str = VOTING_ROLE
    delegation: str = ""
    constituency: str = ""


@rolls_back_on_refusal
def import_delegates(session: Session, congress_id: int, delegates: Sequence[NewDelegate], actor: str,
                     source: str) -> int:
    """Seat all of ``delegates`` in a congress in one transaction, or none: a member unknown, twice in the
    list or already seated refuses the whole list. Each delegate and the import itself are audited."""
    congress = session.get(Congress, congress_id)
    if congress is None:
        raise NotFound(gettext("No congress numbered %(id)s; create the congress first.", id=congress_id))
    if not delegates:
        raise InvalidInput(gettext("There are no delegates to import; check the file and upload it again."))
    wrong_roles = sorted({d.role for d in delegates if d.role not in ROLES})
    if wrong_roles:
        raise InvalidInput(gettext("Delegate role “%(value)s” is not recognised; choose one of: %(choices)s.",
                                   value=gettext(", ").join(wrong_roles), choices=gettext(", ").join(ROLES)))
    member_ids = [d.member_id for d in delegates]
    if len(set(member_ids)) != len(member_ids):
        raise InvalidInput(gettext("Someone appears twice in the imported list; each person can be registered only "
                                   "once. Upload the checked file again."))
    names: dict[int, str] = {}
    seated: list[int] = []
    for start in range(0, len(member_ids), 900):
        part = member_ids[start:start + 900]
        names.update(session.execute(sa.select(members.c.id, members.c.name).where(members.c.id.in_(part))).tuples().all())
        seated += session.scalars(sa.select(Delegate.member_id).where(Delegate.congress_id == congress_id,
                                                                      Delegate.member_id.in_(part))).all()
    missing = [member_id for member_id in member_ids if member_id not in names]
    if missing:
        raise NotFound(gettext("%(count)s members are no longer in the members register; upload the file again "
                               "and check it.", count=len(missing)))
    if seated:
        shown = gettext(", ").join(names[member_id] for member_id in seated[:5])
        if len(seated) > 5:
            raise WrongState(gettext("%(names)s and others, %(count)s people, are already delegates of this "
                                     "congress (perhaps just registered by someone else); upload the file again "
                                     "and check it.", names=shown, count=len(seated)))
        raise WrongState(gettext("%(names)s, %(count)s people, are already delegates of this congress (perhaps "
                                 "just registered by someone else); upload the file again and check it.",
                                 names=shown, count=len(seated)))
    rows = [Delegate(congress_id=congress_id, member_id=d.member_id, role=d.role, delegation=d.delegation,
                     constituency=d.constituency) for d in delegates]
    session.add_all(rows)
    session.flush()
    audit.write(session, [audit.entry("congress", username=actor, register="congress_delegate", record_id=row.id,
                                      detail=f"导入{row.role} {names[row.member_id]}（{row.delegation or '未分团'}，"  # i18n: data
                                             f"{row.constituency or '未填选区'}）")  # i18n: data
                          for row in rows])
    audit_step(session, actor, f"从文件“{source}”导入“{congress.name}”代表 {len(rows)} 人", congress_id,  # i18n: data
               "congress")
    session.commit()
    return len(rows)


@rolls_back_on_refusal
def freeze_roster(session: Session, session_id: int, actor: str) -> int:
    """Fix the voting delegates (role 代表) of a session; every rule divides by their number from now on."""
    sitting = get_session(session, session_id)
    if sitting.delegate_total is not None:
        raise WrongState(gettext("The roster of session %(number)s was frozen on %(at)s by %(by)s (%(total)s "
                                 "delegates due); it cannot be frozen again.", number=sitting.number,
                                 at=f"{sitting.frozen_at:%Y-%m-%d %H:%M}", by=sitting.frozen_by,
                                 total=sitting.delegate_total))
    voting = session.scalars(sa.select(Delegate.id).where(Delegate.congress_id == sitting.congress_id,
                                                           Delegate.role == VOTING_ROLE)).all()
    if not voting:
        raise WrongState(gettext("This congress has no delegate with the role “代表” yet; register delegates "
                                 "before freezing the roster."))
    session.add_all([Seat(session_id=session_id, delegate_id=delegate_id) for delegate_id in voting])
    sitting.delegate_total = len(voting)
    sitting.frozen_at = audit.now_utc()
    sitting.frozen_by = actor
    audit_step(session, actor, f"冻结第 {sitting.number} 次会议代表名单：应到 {len(voting)} 人", session_id)  # i18n: data
    session.commit()
    return len(voting)


@dataclass(frozen=True)
class Attendance:
    """应到 (the frozen total), 实到 (voting delegates whose latest check-in event is an arrival) and 请假
    (those whose latest event is a leave of absence)."""

    total: int
    present: int
    on_leave: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "present": self.present}


def _latest_events(session_id: int) -> Any:
    return (sa.select(CheckIn.delegate_id, sa.func.max(CheckIn.id).label("last"))
            .where(CheckIn.session_id == session_id).group_by(CheckIn.delegate_id).subquery())


def attendance(session: Session, session_id: int) -> Attendance:
    sitting = get_session(session, session_id)
    latest = _latest_events(session_id)
    counts = dict(session.execute(
        sa.select(CheckIn.direction, sa.func.count()).select_from(latest)
        .join(CheckIn, CheckIn.id == latest.c.last)
        .join(Seat, sa.and_(Seat.session_id == session_id, Seat.delegate_id == latest.c.delegate_id))
        .group_by(CheckIn.direction)).tuples().all())
    return Attendance(total=sitting.delegate_total or 0, present=counts.get("in", 0), on_leave=counts.get("lv", 0))


def last_direction(session: Session, session_id: int, delegate_id: int) -> str | None:
    """``in``, ``out``, ``lv`` (请假) or ``None`` (not yet arrived)."""
    return session.scalar(sa.select(CheckIn.direction).where(CheckIn.session_id == session_id,
                                                             CheckIn.delegate_id == delegate_id)
                          .order_by(CheckIn.id.desc()).limit(1))


def is_present(session: Session, session_id: int, delegate_id: int) -> bool:
    return last_direction(session, session_id, delegate_id) == "in"


def has_seat(session: Session, session_id: int, delegate_id: int) -> bool:
    return session.get(Seat, (session_id, delegate_id)) is not None


def get_delegate(session: Session, delegate_id: int) -> Delegate:
    found = session.get(Delegate, delegate_id)
    if found is None:
        raise NotFound(gettext("No delegate numbered %(id)s; check the delegate card.", id=delegate_id))
    return found


def _delegate_of(session: Session, sitting: CongressSession, delegate_id: int) -> Delegate:
    delegate = session.get(Delegate, delegate_id)
    if delegate is None or delegate.congress_id != sitting.congress_id:
        raise NotFound(gettext("The congress of session %(number)s has no delegate numbered %(id)s; check the "
                               "delegate card.", number=sitting.number, id=delegate_id))
    return delegate


def _record_event(session: Session, session_id: int, delegate_id: int, actor: str, direction: str, method: str,
                  reason: str | None) -> CheckIn:
    sitting = get_session(session, session_id)
    if sitting.delegate_total is None:
        raise WrongState(gettext("The roster of session %(number)s is not frozen yet; freeze the roster before "
                                 "check-in.", number=sitting.number))
    if method not in CHECKIN_METHODS:
        raise InvalidInput(gettext("Check-in method “%(value)s” is not recognised; choose one of: %(choices)s.",
                                   value=method, choices=gettext(", ").join(CHECKIN_METHODS.values())))
    reason = (reason or "").strip() or None
    delegate = _delegate_of(session, sitting, delegate_id)
    name = delegate_name(session, delegate)
    if direction == "lv" and reason is None:
        raise InvalidInput(gettext("Enter the reason for %(name)s's leave of absence (e.g. on a business trip).",
                                   name=name))
    if method == "manual" and reason is None:
        raise InvalidInput(gettext("Enter the reason for checking %(name)s in by hand (e.g. delegate card lost).",
                                   name=name))
    last = last_direction(session, session_id, delegate_id)
    if direction == "in" and last == "in":
        raise WrongState(gettext("%(name)s is already checked in; no need to check in again.", name=name))
    if direction == "out" and last != "in":
        raise WrongState(gettext("%(name)s has not checked in or has already left; cannot record leaving.",
                                  name=name))
    if direction == "lv" and last in ("in", "lv"):
        if last == "in":
            raise WrongState(gettext("%(name)s is checked in and present, so leave cannot be recorded; record "
                                     "leaving first.", name=name))
        raise WrongState(gettext("%(name)s is already on leave, so leave cannot be recorded; no need to record it "
                                 "again.", name=name))
    event = CheckIn(session_id=session_id, delegate_id=delegate_id, direction=direction, method=method,
                    reason=reason, by=actor, at=audit.now_utc())
    session.add(event)
    session.flush()
    what = DIRECTION_NAMES[direction]
    audit_step(session, actor, f"{name}{what}（{CHECKIN_METHODS[method]}{'：' + reason if reason else ''}）",  # i18n: data
               session_id)
    session.commit()
    return event


@rolls_back_on_refusal
def check_in(session: Session, session_id: int, delegate_id: int, actor: str, method: str = "scan",
             reason: str | None = None) -> CheckIn:
    """A delegate arrives (or comes back): by card scan, by search, or by hand with a reason (补签)."""
    return _record_event(session, session_id, delegate_id, actor, "in", method, reason)


@rolls_back_on_refusal
def mark_leave(session: Session, session_id: int, delegate_id: int, actor: str, reason: str | None,
               method: str = "manual") -> CheckIn:
    """A delegate not (or no longer) in the hall is on leave (请假), with the reason; they count as absent."""
    return _record_event(session, session_id, delegate_id, actor, "lv", method, reason)


@rolls_back_on_refusal
def check_out(session: Session, session_id: int, delegate_id: int, actor: str, method: str = "scan",
              reason: str | None = None) -> CheckIn:
    """A delegate leaves during the session (中途离场); they no longer count as present."""
    return _record_event(session, session_id, delegate_id, actor, "out", method, reason)
