"""What the congress screens read: the roster with each delegate's state, the polls of a session with
their turnout, and which delegate an account is. Reads only; the steps that write are in ``service``
and ``voting``. None of it returns a choice: the ballots are never read here.

An account is a delegate when its e-mail is the e-mail of a member (会员登记表·电子邮箱) seated in the
congress; the match ignores case and surrounding spaces (the register stores e-mails in lower case, trimmed,
and indexed), and an e-mail shared by two members is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import NotFound, WrongState
from portal.congress.models import CheckIn, Congress, CongressSession, Delegate, Participation, Poll, Seat, TokenCard
from portal.congress.service import members
from portal.texts import gettext, lazy_pgettext

ROSTER_LIMIT = 50
STATE_LABELS = {None: lazy_pgettext("attendance", "Not arrived"), "in": lazy_pgettext("attendance", "Checked in"),
                "out": lazy_pgettext("attendance", "Left"), "lv": lazy_pgettext("attendance", "On leave")}


@dataclass(frozen=True)
class RosterRow:
    delegate_id: int
    name: str
    role: str
    delegation: str
    constituency: str
    #: ``None`` (not arrived), ``in``, ``out`` or ``lv``
    state: str | None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def sessions(session: Session) -> list[CongressSession]:
    return list(session.scalars(sa.select(CongressSession).order_by(CongressSession.held_on.desc(),
                                                                    CongressSession.id.desc())))


def roster(session: Session, sitting: CongressSession, text: str = "") -> list[RosterRow]:
    """The congress's delegates matching ``text`` (part of the name), with their latest check-in state."""
    last = (sa.select(CheckIn.delegate_id, sa.func.max(CheckIn.id).label("last"))
            .where(CheckIn.session_id == sitting.id).group_by(CheckIn.delegate_id).subquery())
    query = (sa.select(Delegate, members.c.name, CheckIn.direction)
             .join(members, members.c.id == Delegate.member_id)
             .outerjoin(last, last.c.delegate_id == Delegate.id)
             .outerjoin(CheckIn, CheckIn.id == last.c.last)
             .where(Delegate.congress_id == sitting.congress_id)
             .order_by(members.c.name, Delegate.id).limit(ROSTER_LIMIT))
    if text.strip():
        query = query.where(members.c.name.contains(text.strip()[:50], autoescape=True))
    return [RosterRow(delegate.id, name, delegate.role, delegate.delegation, delegate.constituency, direction)
            for delegate, name, direction in session.execute(query).tuples()]


def polls(session: Session, session_id: int) -> list[Poll]:
    return list(session.scalars(sa.select(Poll).where(Poll.session_id == session_id).order_by(Poll.id)))


def turnout(session: Session, poll_id: int) -> int:
    """How many have voted, by phone and by token card (a count: never who), as the hall screen counts."""
    phones = sa.select(sa.func.count()).select_from(Participation).where(Participation.poll_id == poll_id)
    cards = sa.select(sa.func.count()).select_from(TokenCard).where(TokenCard.poll_id == poll_id,
                                                                     TokenCard.used.is_(True))
    return session.scalar(sa.select(phones.scalar_subquery() + cards.scalar_subquery())) or 0


def normalised_email(email: str | None) -> str:
    """The account's e-mail as the register stores e-mails: lower case, no surrounding spaces."""
    return (email or "").strip().lower()


def member_for_email(session: Session, email: str | None) -> int:
    """The member whose register e-mail is the account's; refused when none or several match."""
    wanted = normalised_email(email)
    found = session.scalars(sa.select(members.c.id).where(members.c.email == wanted)
                            ).all() if wanted else []
    if not found:
        raise NotFound(gettext("Your account has no matching delegate: the account's e-mail must be the same as "
                               "yours in the members register. Ask the congress secretariat."))
    if len(found) > 1:
        raise WrongState(gettext("%(count)s people in the members register use the e-mail %(email)s, so it is not "
                                 "clear which delegate you are; ask the congress secretariat to correct it.",
                                 count=len(found), email=wanted))
    return found[0]


def members_with_email(wanted: Any) -> tuple[Any, Any]:
    """The ids of the members whose e-mail is ``wanted`` (a stored-form e-mail or a bound parameter; a select for
    ``IN``), and their number (a scalar subquery), to find the account's seats in the same query; a number other
    than 1 is refused by ``member_for_email``."""
    return (sa.select(members.c.id).where(members.c.email == wanted),
            sa.select(sa.func.count()).select_from(members).where(members.c.email == wanted).scalar_subquery())


@dataclass(frozen=True)
class OpenBallot:
    poll: Poll
    delegate_id: int
    voted: bool
    #: The delegate's latest check-in direction in the poll's session (read only ``for_cast``).
    direction: str | None = None


def open_ballots(session: Session, email: str | None, poll_id: int | None = None,
                 for_cast: bool = False) -> list[OpenBallot]:
    """The open polls (or the one of ``poll_id``) of sessions where the account's member holds a seat, and
    whether they have voted.

    One query finds the member by e-mail and their ballots together (the phone's every request runs it);
    only when it finds nothing, or finds an e-mail shared by several members, does ``member_for_email``
    run to say why. ``for_cast`` also reads the latest check-in and holds the polls under ``FOR KEY SHARE``
    to the end of the transaction, as ``voting.cast_locked`` needs.
    """
    wanted = normalised_email(email)
    if wanted:
        query = _ballots_query(poll_id is not None, for_cast)
        parameters: dict[str, Any] = {"email": wanted} if poll_id is None else {"email": wanted, "poll": poll_id}
        rows = session.execute(query, parameters).tuples().all()
        if rows and rows[0][3] == 1:
            return [OpenBallot(poll, delegate_id, voted is not None, direction)
                    for poll, delegate_id, voted, _, direction in rows]
    member_for_email(session, email)  # refuses: no member, or several, with this e-mail
    return []


_BALLOT_QUERIES: dict[tuple[bool, bool], sa.Select[Any]] = {}


def _ballots_query(one_poll: bool, for_cast: bool) -> sa.Select[Any]:
    """The statement of ``open_ballots`` (bound parameters ``email`` and, for one poll, ``poll``), built once:
    a phone's every request runs it, and building it is most of its cost."""
    built = _BALLOT_QUERIES.get((one_poll, for_cast))
    if built is not None:
        return built
    matching, sharing = members_with_email(sa.bindparam("email", type_=sa.String))
    latest = (sa.select(CheckIn.direction)
              .where(CheckIn.session_id == Poll.session_id, CheckIn.delegate_id == Delegate.id)
              .order_by(CheckIn.id.desc()).limit(1).scalar_subquery()) if for_cast else sa.null()
    query = (sa.select(Poll, Delegate.id, Participation.delegate_id, sharing, latest)
             .join(Seat, Seat.session_id == Poll.session_id)
             .join(Delegate, sa.and_(Delegate.id == Seat.delegate_id, Delegate.member_id.in_(matching)))
             .outerjoin(Participation, sa.and_(Participation.poll_id == Poll.id,
                                               Participation.delegate_id == Delegate.id))
             .where(Poll.state == "open").order_by(Poll.id))
    if one_poll:
        query = query.where(Poll.id == sa.bindparam("poll", type_=sa.Integer))
    if for_cast:
        query = query.with_for_update(read=True, key_share=True, of=Poll)
    _BALLOT_QUERIES[(one_poll, for_cast)] = query
    return query


def open_ballot(session: Session, email: str | None, poll_id: int, for_cast: bool = False) -> OpenBallot:
    """The account's ballot in one open poll; refused when the poll is not open or not theirs."""
    for ballot in open_ballots(session, email, poll_id, for_cast):
        if ballot.poll.id == poll_id:
            return ballot
    raise WrongState(gettext("This ballot cannot be cast now: the vote may be over, or you are not a voting "
                             "delegate of this session. Go back to the voting page to check."))


def find_members(session: Session, model: Any, text: str, scope: Any = None) -> list[tuple[int, str]]:
    """Members of the register whose name contains ``text`` (within the user's row ``scope``), to seat as delegates."""
    if not text.strip():
        return []
    query = (sa.select(model.id, model.name).where(model.name.contains(text.strip()[:50], autoescape=True))
             .order_by(model.name).limit(ROSTER_LIMIT))
    if scope is not None:
        query = query.where(scope)
    return list(session.execute(query).tuples())


def congresses(session: Session) -> list[Congress]:
    return list(session.scalars(sa.select(Congress).order_by(Congress.term_no.desc(), Congress.id.desc())))
