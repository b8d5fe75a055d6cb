"""Votes and elections: open (quorum gate), cast (double-vote guard), close, seal and tally.

Secrecy, as the tables stand at each step:
- while a poll is open, each cast writes a participation row (who) and a ballot row (what) in one
  transaction, so someone reading the database live can pair them (PostgreSQL ``xmin``, SQLite
  ``rowid`` order); the portal itself writes no log or audit entry for a cast;
- ``seal_poll`` (run by ``close_poll`` in the same transaction by default) copies the poll's ballots
  to fresh rows with fresh random keys in a random order and deletes the originals, so every ballot
  of the poll then carries the sealing transaction's ``xmin`` and a row position drawn at random;
- after the seal, ``scrub`` asks the database to drop the deleted originals (PostgreSQL ``VACUUM``,
  SQLite ``secure_delete`` plus a WAL checkpoint). Backups, replicas and server logs taken while the
  poll was open are outside the portal's reach.
"""

from __future__ import annotations

import json
import random
import secrets
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.congress.errors import (AlreadyVoted, InvalidInput, NotFound, QuorumNotMet, WrongState,
                                   rolls_back_on_refusal)
from portal.congress.models import POLL_KINDS, Ballot, CheckIn, Participation, Poll, Seat, random_id
from portal.congress.counting import count_poll
from portal.congress.named import record as record_named
from portal.congress.rules import ITEM_CHOICES, ElectionBallot, check_slate, quorum
from portal.congress.service import attendance, audit_step, get_session, session_rules
from portal.security import audit
from portal.texts import DEFAULT_LOCALE, gettext, in_locale, lazy_pgettext

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
STATE_NAMES = {"draft": lazy_pgettext("poll state", "Draft"), "open": lazy_pgettext("poll state", "Voting"),
               "closed": lazy_pgettext("poll state", "Closed"), "sealed": lazy_pgettext("poll state", "Sealed"),
               "published": lazy_pgettext("poll state", "Published")}


def receipt_code() -> str:
    """``K7QF2-M9XAB``: random, unrelated to the choices or the time; 50 bits."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def get_poll(session: Session, poll_id: int, lock: str | None = None) -> Poll:
    """The poll; ``lock`` = "share" or "update" takes a row lock (PostgreSQL) so close waits for casts.

    "share" is ``FOR KEY SHARE``: casts do not wait for each other, only ``FOR UPDATE`` (open, close,
    seal, tally) waits for them, and it is the lock the ballot's foreign key takes anyway.
    """
    query = sa.select(Poll).where(Poll.id == poll_id)
    if lock:
        query = query.with_for_update(read=lock == "share", key_share=lock == "share")
    poll = session.scalars(query).first()
    if poll is None:
        raise NotFound(gettext("No vote numbered %(id)s; open it again from the session page.", id=poll_id))
    return poll


def _require_state(poll: Poll, *states: str) -> None:
    if poll.state not in states:
        wanted = gettext(" or ").join(str(STATE_NAMES[state]) for state in states)
        raise WrongState(gettext("Vote “%(title)s” is %(state)s; this can only be done while it is %(wanted)s.",
                                 title=poll.title, state=STATE_NAMES[poll.state], wanted=wanted))


@rolls_back_on_refusal
def create_poll(session: Session, session_id: int, kind: str, title: str, options: Sequence[str], actor: str,
                seats: int | None = None) -> Poll:
    """A draft vote on ``options`` (the 议题, one ballot for all) or an election among them (``seats`` seats)."""
    get_session(session, session_id)
    if kind not in POLL_KINDS:
        raise InvalidInput(gettext("Vote type “%(value)s” is not recognised; choose one of: %(choices)s.",
                                   value=kind, choices=gettext(", ").join(POLL_KINDS.values())))
    names = [str(option).strip() for option in options if str(option).strip()]
    if not names or len(set(names)) != len(names):
        raise InvalidInput(gettext("“%(title)s” needs at least one item, with no repeats.", title=title)
                           if kind == "item" else
                           gettext("“%(title)s” needs at least one candidate, with no repeats.", title=title))
    if kind == "election" and (seats is None or seats < 1):
        raise InvalidInput(gettext("Election “%(title)s”: enter the number of seats (at least 1).", title=title))
    poll = Poll(session_id=session_id, kind=kind, title=title, options=json.dumps(names, ensure_ascii=False),
                seats=seats if kind == "election" else None, state="draft")
    session.add(poll)
    session.flush()
    audit_step(session, actor, f"新建{POLL_KINDS[kind]}“{title}”", poll.id, "congress_poll")  # i18n: data
    session.commit()
    return poll


@rolls_back_on_refusal
def open_poll(session: Session, poll_id: int, actor: str) -> Poll:
    """Open a poll if the quorum is met now (snapshotting the attendance); refuse with the figures otherwise."""
    poll = get_poll(session, poll_id, lock="update")
    _require_state(poll, "draft")
    sitting = get_session(session, poll.session_id)
    rules = session_rules(sitting)
    now = attendance(session, sitting.id)
    gate = quorum(now.present, now.total, rules)
    if not gate.met:
        raise QuorumNotMet(gettext("Cannot open “%(title)s”: %(reason)s", title=poll.title, reason=gate.message()))
    if poll.kind == "election":
        slate = check_slate(len(poll.option_list()), poll.seats or 0, rules)
        if not slate.ok:
            raise WrongState(gettext("Cannot open the election “%(title)s”: %(reason)s", title=poll.title,
                                     reason=slate.message()))
    poll.state, poll.opened_at, poll.opened_by, poll.present_at_open = "open", audit.now_utc(), actor, now.present
    with in_locale(DEFAULT_LOCALE):
        opened = f"开启“{poll.title}”：{gate.message()}"  # i18n: data
    audit_step(session, actor, opened, poll.id, "congress_poll")
    session.commit()
    return poll


def ballot_choices(poll: Poll, choices: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a ballot, checked against the poll; a wrong ballot is refused before it is written."""
    options = poll.option_list()
    if poll.kind == "item":
        items = list(choices.get("items") or [])
        if len(items) != len(options) or any(choice not in ITEM_CHOICES for choice in items):
            raise InvalidInput(gettext("“%(title)s”: each of the %(count)s items needs one of For, Against or Abstain; "
                                       "check and submit again.", title=poll.title, count=len(options)))
        return {"items": items}
    marks = [str(name) for name in choices.get("marks") or []]
    write_ins = [str(name).strip() for name in choices.get("write_ins") or [] if str(name).strip()]
    unknown = [name for name in marks if name not in options]
    if unknown:
        raise InvalidInput(gettext("“%(names)s” is not a candidate of “%(title)s”; write anyone else in the "
                                   "“Someone else” field.", names=gettext(", ").join(unknown), title=poll.title))
    marked = ElectionBallot(marks, write_ins).names()
    if len(marked) > (poll.seats or 0):
        raise InvalidInput(gettext("“%(title)s” elects %(seats)s; you chose %(count)s. A ballot with too many "
                                   "marks is invalid: reduce them to %(seats)s or fewer and submit again.",
                                   title=poll.title, seats=poll.seats, count=len(marked)))
    return {"marks": marks, "write_ins": write_ins}


def _poll_for_cast(session: Session, poll_id: int, delegate_id: int) -> tuple[Poll, bool, str | None]:
    """The poll under ``FOR KEY SHARE`` (see ``get_poll``), whether the delegate holds a seat in its session,
    and their latest check-in direction: one query."""
    latest = (sa.select(CheckIn.direction)
              .where(CheckIn.session_id == Poll.session_id, CheckIn.delegate_id == delegate_id)
              .order_by(CheckIn.id.desc()).limit(1).scalar_subquery())
    row = session.execute(
        sa.select(Poll, Seat.delegate_id, latest)
        .outerjoin(Seat, sa.and_(Seat.session_id == Poll.session_id, Seat.delegate_id == delegate_id))
        .where(Poll.id == poll_id).with_for_update(read=True, key_share=True, of=Poll)).first()
    if row is None:
        raise NotFound(gettext("No vote numbered %(id)s; open it again from the session page.", id=poll_id))
    return row[0], row[1] is not None, row[2]


def already_voted(title: str) -> AlreadyVoted:
    """The refusal of a second ballot (also given by the phone page when it already knows)."""
    return AlreadyVoted(gettext("You have already voted on “%(title)s”; each delegate votes only once. Your "
                                "receipt is on the page shown after your earlier ballot.", title=title))


@rolls_back_on_refusal
def cast(session: Session, poll_id: int, delegate_id: int, choices: dict[str, Any]) -> str:
    """Record one delegate's ballot and return its receipt code; a second ballot is refused.

    The participation row and the ballot row are written in one transaction; the participation's
    primary key refuses a second ballot of the same delegate, also when several arrive at once.
    """
    poll, seated, direction = _poll_for_cast(session, poll_id, delegate_id)
    _require_state(poll, "open")
    if not seated:
        raise WrongState(gettext("You are not a voting delegate of this session and cannot take part in the vote "
                                 "on “%(title)s”.", title=poll.title))
    return _record(session, poll, delegate_id, direction, choices)


@rolls_back_on_refusal
def cast_locked(session: Session, poll: Poll, delegate_id: int, direction: str | None,
                choices: dict[str, Any]) -> str:
    """``cast`` for a caller that has read, in this transaction, the open poll under ``FOR KEY SHARE``, the
    delegate's seat in its session and their latest check-in ``direction`` (the phone page does, with
    ``roster.open_ballot(..., for_cast=True)``): one query fewer on the busiest path."""
    _require_state(poll, "open")
    return _record(session, poll, delegate_id, direction, choices)


def _record(session: Session, poll: Poll, delegate_id: int, direction: str | None, choices: dict[str, Any]) -> str:
    if direction != "in":
        raise WrongState(gettext("You have not checked in or have left; check in at the desk first, then take "
                                 "part in the vote on “%(title)s”.", title=poll.title))
    stored = ballot_choices(poll, choices)
    receipt, title = receipt_code(), poll.title
    session.add(Participation(poll_id=poll.id, delegate_id=delegate_id))
    session.add(Ballot(poll_id=poll.id, choices=json.dumps(stored, ensure_ascii=False), receipt=receipt))
    record_named(session, poll, delegate_id, stored)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise already_voted(title) from None
    return receipt


@rolls_back_on_refusal
def close_poll(session: Session, poll_id: int, actor: str, seal: bool = True) -> Poll:
    """Stop the vote (waiting for casts in progress), snapshot the attendance, and seal in the same step."""
    poll = get_poll(session, poll_id, lock="update")
    _require_state(poll, "open")
    now = attendance(session, poll.session_id)
    poll.state, poll.closed_at, poll.closed_by, poll.present_at_close = "closed", audit.now_utc(), actor, now.present
    audit_step(session, actor, f"结束“{poll.title}”：应到 {now.total} 人，实到 {now.present} 人", poll.id,  # i18n: data
               "congress_poll")
    if seal:
        _seal(session, poll, actor)
    session.commit()
    if seal:
        scrub(session)
    return poll


@rolls_back_on_refusal
def seal_poll(session: Session, poll_id: int, actor: str) -> Poll:
    """Seal a closed poll (when it was closed without sealing)."""
    poll = get_poll(session, poll_id, lock="update")
    _require_state(poll, "closed")
    _seal(session, poll, actor)
    session.commit()
    scrub(session)
    return poll


def _seal(session: Session, poll: Poll, actor: str) -> None:
    """Rewrite the poll's ballots as fresh rows with fresh keys, in a random order, and drop the originals."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA secure_delete = ON"))
    rows = session.execute(sa.select(Ballot.choices, Ballot.receipt).where(Ballot.poll_id == poll.id)).all()
    shuffled = [{"poll_id": poll.id, "choices": choices, "receipt": receipt} for choices, receipt in rows]
    random.SystemRandom().shuffle(shuffled)
    session.execute(sa.delete(Ballot).where(Ballot.poll_id == poll.id))
    for row in shuffled:
        row["id"] = random_id()
    if shuffled:
        session.execute(sa.insert(Ballot), shuffled)
    poll.state, poll.sealed_at, poll.sealed_by = "sealed", audit.now_utc(), actor
    audit_step(session, actor, f"封存“{poll.title}”的 {len(shuffled)} 张选票（随机重排）", poll.id,  # i18n: data
               "congress_poll")


def scrub(session: Session) -> None:
    """Ask the database to forget the deleted original ballot rows (best effort, outside any transaction)."""
    engine = session.get_bind().engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f"VACUUM (INDEX_CLEANUP ON) {Ballot.__tablename__}"))
    elif engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))


@rolls_back_on_refusal
def receipts(session: Session, poll_id: int) -> list[str]:
    """The receipt codes of a sealed poll, sorted: a delegate finds theirs to see that it was counted."""
    poll = get_poll(session, poll_id)
    _require_state(poll, "sealed")
    return sorted(session.scalars(sa.select(Ballot.receipt).where(Ballot.poll_id == poll_id)).all())


@rolls_back_on_refusal
def tally(session: Session, poll_id: int, actor: str) -> dict[str, Any]:
    """Count a sealed poll once (every mode together, ``counting``); later calls return the stored result
    (a result is never overwritten). Refused while paper ballots' two entries disagree."""
    poll = get_poll(session, poll_id, lock="update")
    _require_state(poll, "sealed")
    if poll.result:
        session.rollback()
        return poll.result_dict()
    sitting = get_session(session, poll.session_id)
    result = count_poll(session, poll, sitting, session_rules(sitting))
    poll.result = json.dumps(result, ensure_ascii=False)
    audit_step(session, actor, f"计票“{poll.title}”：收回 {result['returned']} 张", poll.id,  # i18n: data
               "congress_poll")
    session.commit()
    return result
