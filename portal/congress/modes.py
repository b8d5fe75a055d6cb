"""What the token-card and paper modes share: a poll's counters row and the checks on a poll's modes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import WrongState
from portal.congress.models import Poll, PollMode, TokenCard
from portal.texts import gettext

#: A poll may get token cards or paper ballots until it closes.
BEFORE_CLOSE = ("draft", "open")


def poll_mode(session: Session, poll_id: int, lock: bool = False) -> PollMode:
    """The poll's counters (made on first use); ``lock`` waits for other counters' updates (PostgreSQL)."""
    mode = session.get(PollMode, poll_id, with_for_update=lock or None)
    if mode is None:
        mode = PollMode(poll_id=poll_id, tokens_made=0, tokens_issued=0, paper_issued=0)
        session.add(mode)
        session.flush()
    return mode


def counters(session: Session, poll_id: int) -> PollMode:
    """The poll's counters for reading (all zero when the poll uses neither mode)."""
    return session.get(PollMode, poll_id) or PollMode(poll_id=poll_id, tokens_made=0, tokens_issued=0,
                                                      paper_issued=0)


def refuse_named(poll: Poll, what: str) -> None:
    if poll.named:
        raise WrongState(gettext("“%(title)s” is a named vote: only the delegate in person can vote, on their "
                                 "phone; %(what)s cannot be used.", title=poll.title, what=what))


def token_reconcile(session: Session, poll_id: int) -> tuple[int, int]:
    """(发出, 收回) of a poll's token cards: handed out, and cards that have cast their ballot."""
    used = session.scalar(sa.select(sa.func.count()).select_from(TokenCard)
                          .where(TokenCard.poll_id == poll_id, TokenCard.used.is_(True))) or 0
    return counters(session, poll_id).tokens_issued, used
