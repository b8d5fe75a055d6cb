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
    refuse_named(poll, "表决卡")
    if poll.state not in BEFORE_CLOSE:
        raise WrongState(f"“{poll.title}”当前{STATE_NAMES[poll.state]}，只能在表决结束前制作表决卡。")
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(f"制作张数须在 1 到 {MAX_BATCH} 之间（您填写的是 {count}）。")
    tokens = [secrets.token_urlsafe(16) for _ in range(count)]
    stored = [{"digest": digest(token), "poll_id": poll_id, "used": False} for token in tokens]
    random.SystemRandom().shuffle(stored)
    session.execute(sa.insert(TokenCard), stored)
    mode = poll_mode(session, poll_id, lock=True)
    mode.tokens_made += count
    audit_step(session, actor, f"为“{poll.title}”制作表决卡 {count} 张（共 {mode.tokens_made} 张）", poll_id,
               "congress_poll")
    session.commit()
    random.SystemRandom().shuffle(tokens)
    return tokens


@rolls_back_on_refusal
def issue(session: Session, poll_id: int, count: int, actor: str) -> int:
    """Staff hand out ``count`` cards (a delegate draws from the stack): only the count is kept."""
    poll = get_poll(session, poll_id)
    if poll.state not in BEFORE_CLOSE:
        raise WrongState(f"“{poll.title}”当前{STATE_NAMES[poll.state]}，表决结束后不能再发出表决卡。")
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(f"发出张数须在 1 到 {MAX_BATCH} 之间（您填写的是 {count}）。")
    mode = poll_mode(session, poll_id, lock=True)
    if mode.tokens_issued + count > mode.tokens_made:
        raise WrongState(f"“{poll.title}”只制作了 {mode.tokens_made} 张表决卡，已发出 {mode.tokens_issued} 张，"
                         f"不能再发出 {count} 张；请先制作表决卡。")
    mode.tokens_issued += count
    audit_step(session, actor, f"发出“{poll.title}”的表决卡 {count} 张（累计 {mode.tokens_issued} 张）", poll_id,
               "congress_poll")
    session.commit()
    return mode.tokens_issued


def card_poll(session: Session, token: str) -> Poll:
    """The poll of a card; a made-up or mistyped token is refused."""
    poll_id = session.scalar(sa.select(TokenCard.poll_id).where(TokenCard.digest == digest(token.strip())))
    if poll_id is None:
        raise NotFound("这张表决卡无法识别：请重新扫描卡上的二维码，或向大会秘书处换一张卡。")
    return get_poll(session, poll_id)


def card_used(session: Session, token: str) -> bool:
    return bool(session.scalar(sa.select(TokenCard.used).where(TokenCard.digest == digest(token.strip()))))


def _refuse_used(poll: Poll) -> None:
    raise WrongState(f"这张表决卡已经投过票，每张卡只能投一次（“{poll.title}”）。如有疑问请联系监票人。")


@rolls_back_on_refusal
def cast_card(session: Session, token: str, choices: dict[str, Any]) -> str:
    """Cast the card's ballot and return the receipt; a second use of the card is refused."""
    poll = card_poll(session, token)
    poll = get_poll(session, poll.id, lock="share")
    if poll.state != "open":
        raise WrongState(f"“{poll.title}”当前{STATE_NAMES[poll.state]}，不能投票；请等主席团开启表决后再扫卡。")
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
