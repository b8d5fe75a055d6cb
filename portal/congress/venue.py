"""Self check-in by phone with the venue code: six digits on the hall screen that change every 30 seconds.

The code is an HMAC of the 30-second window number under the session's own secret, so a photo of the
screen forwarded out of the hall stops working within a minute. A typed code is accepted for the current
and the previous window (time to type it) and compared in constant time. Each account may type
``MAX_FAILURES`` wrong codes in a row; then it waits ``LOCK_SECONDS`` (10^6 codes, 2 valid at a time:
about 0.3 % a day for someone guessing non-stop).

Every function takes the clock (``now``, UTC) and the SQLAlchemy session; none reads the request.
"""

from __future__ import annotations

import hashlib
import math
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress import roster, service
from portal.congress.errors import CongressError, InvalidInput, NotFound, WrongState, rolls_back_on_refusal
from portal.congress.models import CheckIn, CodeAttempt, CongressSession, Delegate, Seat, venue_secret
from portal.texts import gettext

WINDOW_SECONDS = 30
DIGITS = 6
MAX_FAILURES = 5
LOCK_SECONDS = 300


class TooManyAttempts(CongressError):
    """The account typed too many wrong codes in a row and must wait."""

    status = 429


def ensure_secret(sitting: CongressSession) -> str:
    """The session's venue secret, made on first need (sessions created before the column existed)."""
    if not sitting.venue_secret:
        sitting.venue_secret = venue_secret()
    return sitting.venue_secret


def _epoch(now: datetime) -> float:
    """Seconds since 1970 for ``now`` in UTC (a naive ``now`` is UTC, as ``audit.now_utc`` gives)."""
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()


def window_of(now: datetime) -> int:
    return int(_epoch(now)) // WINDOW_SECONDS


def seconds_left(now: datetime) -> float:
    """How long the code shown at ``now`` stays the current one."""
    return WINDOW_SECONDS - _epoch(now) % WINDOW_SECONDS


def _code_for_window(secret: str, window: int) -> str:
    digest = hmac.new(secret.encode(), f"venue:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10 ** DIGITS:0{DIGITS}d}"


def venue_code(secret: str, now: datetime) -> str:
    """The code shown on the hall screen at ``now``."""
    return _code_for_window(secret, window_of(now))


def code_matches(secret: str, typed: str, now: datetime) -> bool:
    """``typed`` is the code of the current or the previous window (both compared, in constant time)."""
    current = window_of(now)
    matches = [hmac.compare_digest(_code_for_window(secret, window).encode(), typed.encode())
               for window in (current, current - 1)]
    return any(matches)


def _normalised(typed: str) -> str:
    """The digits the delegate typed, without spaces; full-width digits (０-９) count as digits."""
    return "".join(typed.split()).translate({0xFF10 + digit: str(digit) for digit in range(10)})[:20]


@rolls_back_on_refusal
def set_self_checkin(session: Session, session_id: int, allowed: bool, actor: str) -> CongressSession:
    """The staff allow or forbid self check-in by phone for a session (allowed by default)."""
    sitting = service.get_session(session, session_id)
    sitting.self_checkin = allowed
    ensure_secret(sitting)
    service.audit_step(session, actor, f"第 {sitting.number} 次会议{'开放' if allowed else '关闭'}手机自助签到",  # i18n: data
                       session_id)
    session.commit()
    return sitting


def current_code(session: Session, session_id: int, now: datetime) -> tuple[CongressSession, str]:
    """The session and its code at ``now`` (the secret is stored on first use)."""
    sitting = service.get_session(session, session_id)
    if not sitting.venue_secret:
        ensure_secret(sitting)
        session.commit()
    return sitting, venue_code(str(sitting.venue_secret), now)


@dataclass(frozen=True)
class PendingCheckIn:
    """A session the account's delegate may check into by phone now."""

    session_id: int
    number: int
    place: str


def _seated_delegate(session: Session, sitting: CongressSession, member_id: int) -> int | None:
    return session.scalar(sa.select(Delegate.id).join(Seat, Seat.delegate_id == Delegate.id)
                          .where(Seat.session_id == sitting.id, Delegate.member_id == member_id))


_PENDING: list[sa.Select[Any]] = []


def _pending_query() -> sa.Select[Any]:
    """The statement of ``pending`` (bound parameter ``email``), built once: the vote page runs it on every load."""
    if not _PENDING:
        matching, sharing = roster.members_with_email(sa.bindparam("email", type_=sa.String))
        latest = (sa.select(CheckIn.direction)
                  .where(CheckIn.session_id == CongressSession.id, CheckIn.delegate_id == Delegate.id)
                  .order_by(CheckIn.id.desc()).limit(1).scalar_subquery())
        _PENDING.append(sa.select(CongressSession, latest, sharing).join(Seat, Seat.session_id == CongressSession.id)
                        .join(Delegate, sa.and_(Delegate.id == Seat.delegate_id, Delegate.member_id.in_(matching)))
                        .order_by(CongressSession.held_on.desc(), CongressSession.id.desc()).limit(1))
    return _PENDING[0]


def pending(session: Session, email: str | None) -> list[PendingCheckIn]:
    """The latest session where the account's member holds a seat, is not present and may check in by phone.

    One query (the vote page runs it on every load); ``member_for_email`` says why when it finds nothing.
    """
    wanted = roster.normalised_email(email)
    row = session.execute(_pending_query(), {"email": wanted}).first() if wanted else None
    if row is None or row[2] != 1:
        roster.member_for_email(session, email)  # refuses: no member, or several, with this e-mail
        return []
    sitting, direction, _ = row
    if not sitting.self_checkin or direction == "in":
        return []
    return [PendingCheckIn(sitting.id, sitting.number, sitting.place)]


def _count_failure(session: Session, username: str, now: datetime) -> int:
    """One more wrong code for ``username`` (a run older than the lock starts again); committed at once.

    The count is raised in the database (``failures + 1``), so wrong codes sent at the same moment all count.
    """
    attempt = session.get(CodeAttempt, username)
    if attempt is None:
        try:
            session.add(CodeAttempt(username=username, failures=1, last_failed=now))
            session.commit()
            return 1
        except sa.exc.IntegrityError:  # the same account's other request made the row first
            session.rollback()
    stale = now - timedelta(seconds=LOCK_SECONDS)
    session.execute(sa.update(CodeAttempt).where(CodeAttempt.username == username).values(
        failures=sa.case((CodeAttempt.last_failed <= stale, 1), else_=CodeAttempt.failures + 1), last_failed=now))
    failures = session.scalar(sa.select(CodeAttempt.failures).where(CodeAttempt.username == username))
    session.commit()
    return int(failures or 1)


def _refuse_if_locked(session: Session, username: str, now: datetime) -> None:
    attempt = session.get(CodeAttempt, username)
    if attempt is None or attempt.failures < MAX_FAILURES:
        return
    wait = LOCK_SECONDS - (now - attempt.last_failed).total_seconds()
    if wait > 0:
        raise TooManyAttempts(gettext("The check-in code was wrong %(failures)s times in a row; to prevent "
                                      "guessing, try again in %(minutes)s minutes or check in at the desk with "
                                      "the congress secretariat.", failures=attempt.failures,
                                      minutes=math.ceil(wait / 60)))


@rolls_back_on_refusal
def self_check_in(session: Session, session_id: int, email: str | None, typed: str, username: str,
                  now: datetime) -> CheckIn | None:
    """The account's delegate checks in with the code from the hall screen (method 自助, audited).

    ``None`` when the delegate is already checked in (nothing is written). Refused when self check-in is
    off, the account holds no seat in the session, the account must wait, or the code is wrong or expired.
    """
    sitting = service.get_session(session, session_id)
    if not sitting.self_checkin:
        raise WrongState(gettext("Session %(number)s does not allow self check-in by phone; show your delegate card "
                                 "at the check-in desk.", number=sitting.number))
    if sitting.delegate_total is None or not sitting.venue_secret:
        raise WrongState(gettext("The roster of session %(number)s is not frozen yet, so check-in is not possible; "
                                 "try again later.", number=sitting.number))
    delegate_id = _seated_delegate(session, sitting, roster.member_for_email(session, email))
    if delegate_id is None:
        raise NotFound(gettext("You hold no voting seat in session %(number)s and cannot check in yourself; ask "
                               "the congress secretariat if in doubt.", number=sitting.number))
    if service.last_direction(session, session_id, delegate_id) == "in":
        return None
    _refuse_if_locked(session, username, now)
    code = _normalised(typed)
    if not (len(code) == DIGITS and code.isdigit() and code_matches(sitting.venue_secret, code, now)):
        failures = _count_failure(session, username, now)
        left = MAX_FAILURES - failures
        hint = (gettext("%(left)s tries left.", left=left) if left > 0 else
                gettext("Wrong %(failures)s times in a row; try again in %(minutes)s minutes.", failures=failures,
                        minutes=LOCK_SECONDS // 60))
        raise InvalidInput(gettext("The check-in code “%(code)s” is wrong or expired: enter the %(digits)s digits "
                                   "shown now on the hall screen. %(hint)s", code=code[:DIGITS + 2], digits=DIGITS,
                                   hint=hint))
    session.execute(sa.delete(CodeAttempt).where(CodeAttempt.username == username))
    return service.check_in(session, session_id, delegate_id, username, method="self")
