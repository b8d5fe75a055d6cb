"""Token cards (表决卡), the paper analogue: staff print a stack of cards for a poll, each a random token
in a QR code; a delegate draws one from the shuffled stack at check-in, and the card, opened on any
phone, casts one ballot without a login.

What the tables hold: per card only the SHA-256 of its token and whether it has voted (no serial, no
delegate, no time), and per poll a count of cards handed out (``PollMode.tokens_issued``), raised by a
step of its own that names nobody. So no table says who drew which card, even while the poll is open.
A card's ballot goes into ``congress_ballot`` like a phone's and is sealed with it at close.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import InvalidInput, NotFound, WrongState, rolls_back_on_refusal
from portal.congress.models import Ballot, Poll, TokenCard
from portal.congress.modes import BEFORE_CLOSE, poll_mode, refuse_named
from portal.congress.service import audit_step
from portal.congress.voting import STATE_NAMES, ballot_choices, get_poll, receipt_code
from portal.texts import gettext

#: The most cards one press prints (a stack for the largest hall, plus spares).
MAX_BATCH = 3000


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@rolls_back_on_refusal
def make_cards(session: Session, poll_id: int, count: int, actor: str) -> list[str]:
    """``count`` new cards for a poll, returned once to be printed (the tables keep only their digests).

    The rows are written in an order of their own, so neither the print order nor the table's order
    says anything about which card is where in the stack.
    """
    poll = get_poll(session, poll_id, lock="update")
    refuse_named(poll, gettext("voting cards"))
    if poll.state not in BEFORE_CLOSE:
        raise WrongState(gettext("“%(title)s” is %(state)s; voting cards can only be made before the vote closes.",
                                 title=poll.title, state=STATE_NAMES[poll.state]))
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(gettext("The number to make must be between 1 and %(max)s (you entered %(count)s).",
                                   max=MAX_BATCH, count=count))
    tokens = [secrets.token_urlsafe(16) for _ in range(count)]
    stored = [{"digest": digest(token), "poll_id": poll_id, "used": False} for token in tokens]
    random.SystemRandom().shuffle(stored)
    session.execute(sa.insert(TokenCard), stored)
    mode = poll_mode(session, poll_id, lock=True)
    mode.tokens_made += count
    audit_step(session, actor, f"为“{poll.title}”制作表决卡 {count} 张（共 {mode.tokens_made} 张）", poll_id,  # i18n: data
               "congress_poll")
    session.commit()
    random.SystemRandom().shuffle(tokens)
    return tokens


@rolls_back_on_refusal
def issue(session: Session, poll_id: int, count: int, actor: str) -> int:
    """Staff hand out ``count`` cards (a delegate draws from the stack): only the count is kept."""
    poll = get_poll(session, poll_id)
    if poll.state not in BEFORE_CLOSE:
        raise WrongState(gettext("“%(title)s” is %(state)s; voting cards cannot be handed out after the vote "
                                 "closes.", title=poll.title, state=STATE_NAMES[poll.state]))
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(gettext("The number to hand out must be between 1 and %(max)s (you entered %(count)s).",
                                   max=MAX_BATCH, count=count))
    mode = poll_mode(session, poll_id, lock=True)
    if mode.tokens_issued + count > mode.tokens_made:
        raise WrongState(gettext("Only %(made)s voting cards were made for “%(title)s” and %(issued)s are handed "
                                 "out; %(count)s more cannot be handed out. Make more cards first.",
                                 title=poll.title, made=mode.tokens_made, issued=mode.tokens_issued, count=count))
    mode.tokens_issued += count
    audit_step(session, actor, f"发出“{poll.title}”的表决卡 {count} 张（累计 {mode.tokens_issued} 张）", poll_id,  # i18n: data
               "congress_poll")
    session.commit()
    return mode.tokens_issued


def card_poll(session: Session, token: str) -> Poll:
    """The poll of a card; a made-up or mistyped token is refused."""
    poll_id = session.scalar(sa.select(TokenCard.poll_id).where(TokenCard.digest == digest(token.strip())))
    if poll_id is None:
        raise NotFound(gettext("This voting card is not recognised: scan the QR code on the card again, or ask "
                               "the congress secretariat for another card."))
    return get_poll(session, poll_id)


def card_used(session: Session, token: str) -> bool:
    return bool(session.scalar(sa.select(TokenCard.used).where(TokenCard.digest == digest(token.strip()))))


def _refuse_used(poll: Poll) -> None:
    raise WrongState(gettext("This voting card has already voted; each card votes only once (“%(title)s”). Ask "
                             "a teller if in doubt.", title=poll.title))


@rolls_back_on_refusal
def cast_card(session: Session, token: str, choices: dict[str, Any]) -> str:
    """Cast the card's ballot and return the receipt; a second use of the card is refused."""
    poll = card_poll(session, token)
    poll = get_poll(session, poll.id, lock="share")
    if poll.state != "open":
        raise WrongState(gettext("“%(title)s” is %(state)s, so no vote can be cast; wait for the presidium to open "
                                 "the vote, then scan the card again.", title=poll.title,
                                 state=STATE_NAMES[poll.state]))
    stored = ballot_choices(poll, choices)
    spent = session.execute(sa.update(TokenCard).where(TokenCard.digest == digest(token.strip()),
                                                       TokenCard.used.is_(False)).values(used=True))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        _refuse_used(poll)
    receipt = receipt_code()
    session.add(Ballot(poll_id=poll.id, choices=json.dumps(stored, ensure_ascii=False), receipt=receipt))
    session.commit()
    return receipt


def check_unused(session: Session, token: str) -> Poll:
    """The card's open poll before its ballot is shown; a spent card is refused."""
    poll = card_poll(session, token)
    if card_used(session, token):
        _refuse_used(poll)
    return poll
