"""The congress's tables, on Flask-AppBuilder's metadata beside the jobs and the audit trail.

Secrecy lives in the shape of two tables: ``congress_participation`` says WHO took part in a poll
(its primary key is the double-vote guard) and ``congress_ballot`` says WHAT was chosen, with a random
key and no delegate, time or sequence. ``service.seal_poll`` rewrites the ballots in random order
after the poll closes, so neither row order nor system columns pair the two.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from portal.texts import lazy_pgettext

#: Delegate roles; only 代表 count for the quorum and the pass rules and may vote.
ROLES = ("代表", "特邀", "列席")  # i18n: data
VOTING_ROLE = "代表"  # i18n: data
#: A check-in event: arrival, departure (中途离场) or leave of absence (请假, with a reason).
#: These names are written into the Chinese audit trail and the result announcement.
DIRECTION_NAMES = {"in": "签到", "out": "离场", "lv": "请假"}  # i18n: data
CHECKIN_METHODS = {"scan": "扫码", "search": "查找", "manual": "补签", "self": "自助"}  # i18n: data
POLL_KINDS = {"item": "议题表决", "election": "选举"}  # i18n: data
#: draft → open → closed → sealed → published (a sealed poll's ballots no longer follow arrival order;
#: the tellers publish the counted result of a sealed poll).
POLL_STATES = ("draft", "open", "closed", "sealed", "published")
#: The register the delegates come from (a plain column: the registers live on another metadata).
MEMBERS_TABLE = "members"


def random_id() -> str:
    return secrets.token_hex(16)


def venue_secret() -> str:
    """A new session's key for its rotating venue code."""
    return secrets.token_hex(32)


class Congress(Model):
    """One 届 of the congress, with its term."""

    __tablename__ = "congress"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    term_no: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    term_start: Mapped[date] = mapped_column(sa.Date, nullable=False)
    term_end: Mapped[date] = mapped_column(sa.Date, nullable=False)


class CongressSession(Model):
    """One 次 (sitting) of a congress; ``delegate_total`` is frozen with the roster before any vote."""

    __tablename__ = "congress_session"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    congress_id: Mapped[int] = mapped_column(sa.ForeignKey("congress.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    held_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    place: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    #: 职代会, 会员代表大会 or 职工大会 (rules.SESSION_TYPES); picks the counting rules.
    session_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    delegate_total: Mapped[int | None] = mapped_column(sa.Integer)
    frozen_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    frozen_by: Mapped[str | None] = mapped_column(sa.String(128))
    #: Keys the rotating venue code on the hall screen (``venue``); made with the session.
    venue_secret: Mapped[str | None] = mapped_column(sa.String(64), default=venue_secret)
    #: Whether delegates may check themselves in by phone with the venue code (the staff's toggle).
    self_checkin: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    __table_args__ = (sa.UniqueConstraint("congress_id", "number"),)


class Delegate(Model):
    """A member sitting in a congress for its term (常任制), with delegation, constituency and role."""

    __tablename__ = "congress_delegate"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    congress_id: Mapped[int] = mapped_column(sa.ForeignKey("congress.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    delegation: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    constituency: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    #: 代表, 特邀 or 列席 (ROLES)
    role: Mapped[str] = mapped_column(sa.String(10), nullable=False, default=VOTING_ROLE)
    __table_args__ = (sa.UniqueConstraint("congress_id", "member_id"),)


class Seat(Model):
    """The frozen roster: the voting delegates of one session (their count is ``delegate_total``)."""

    __tablename__ = "congress_seat"
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_session.id"), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_delegate.id"), primary_key=True)


class CheckIn(Model):
    """One arrival or departure (中途离场) of a delegate; the latest event per delegate says who is present."""

    __tablename__ = "congress_checkin"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_session.id"), nullable=False, index=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_delegate.id"), nullable=False, index=True)
    #: in, out or lv (DIRECTION_NAMES)
    direction: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    #: scan, search or manual (CHECKIN_METHODS); manual needs a reason
    method: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    by: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)


class CodeAttempt(Model):
    """Wrong venue codes typed by one account in a row; too many and the account waits (``venue``)."""

    __tablename__ = "congress_code_attempt"
    username: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    last_failed: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)


class Poll(Model):
    """A vote on one or more 议题 (one ballot), or an election; its result is stored once, never overwritten."""

    __tablename__ = "congress_poll"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_session.id"), nullable=False, index=True)
    #: item or election (POLL_KINDS)
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: JSON list: the 议题 of an item poll, or the candidates of an election.
    options: Mapped[str] = mapped_column(sa.Text, nullable=False, default="[]")
    seats: Mapped[int | None] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="draft")
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    opened_by: Mapped[str | None] = mapped_column(sa.String(128))
    present_at_open: Mapped[int | None] = mapped_column(sa.Integer)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    closed_by: Mapped[str | None] = mapped_column(sa.String(128))
    present_at_close: Mapped[int | None] = mapped_column(sa.Integer)
    sealed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    sealed_by: Mapped[str | None] = mapped_column(sa.String(128))
    #: JSON: the tally with the figures it was computed from (rules.ItemResult / ElectionResult).
    result: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    published_by: Mapped[str | None] = mapped_column(sa.String(128))
    #: The 监票人 named on the announcement, as the publishing teller entered them (``张三、李四``).
    tellers: Mapped[str | None] = mapped_column(sa.String(200))
    #: A 记名 vote (only where the session type allows it): each choice is also kept with the delegate
    #: (``NamedChoice``), and the ballot says so.
    named: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    def option_list(self) -> list[str]:
        return list(json.loads(self.options or "[]"))

    def result_dict(self) -> dict[str, Any]:
        return json.loads(self.result) if self.result else {}


class Participation(Model):
    """That a delegate took part in a poll: the primary key refuses a second ballot. No choice, no receipt."""

    __tablename__ = "congress_participation"
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_delegate.id"), primary_key=True)


class Ballot(Model):
    """What one ballot chose: random key, the choices and the receipt code; no delegate, time or sequence."""

    __tablename__ = "congress_ballot"
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), nullable=False, index=True)
    #: JSON: ``{"items": [赞成|反对|弃权, ...]}`` or ``{"marks": [...], "write_ins": [...]}``.
    choices: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: Shown to the voter once; proves the ballot was counted, not how.
    receipt: Mapped[str] = mapped_column(sa.String(16), nullable=False, unique=True)


# --- the other ballot modes (``tokens``, ``paper``) and named votes (``named``) ---------------------

#: How a ballot reached the count: on a delegate's phone, by a token card, or on paper.
CHANNELS = {"electronic": lazy_pgettext("ballot channel", "Phone votes"),
            "token": lazy_pgettext("ballot channel", "Voting cards"),
            "paper": lazy_pgettext("ballot channel", "Paper ballots")}


class PollMode(Model):
    """A poll's ballot modes and the counts of cards and paper ballots handed out (发出); never to whom.

    A row of its own, so the counters never lock the poll row that every cast reads.
    """

    __tablename__ = "congress_poll_mode"
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), primary_key=True)
    tokens_made: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    tokens_issued: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    paper_issued: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")


class TokenCard(Model):
    """One token card of a poll: the SHA-256 of its random token (the card itself holds the token), and
    whether it has cast its ballot. No serial, no delegate, no time: nothing says who drew it."""

    __tablename__ = "congress_token"
    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), nullable=False, index=True)
    used: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())


class PaperEntry(Model):
    """One teller's keying of one paper ballot (by its printed serial); two tellers key each ballot."""

    __tablename__ = "congress_paper_entry"
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), primary_key=True)
    serial: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    entered_by: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    #: JSON as in ``Ballot.choices``; an election's marks may exceed the seats (an invalid ballot).
    choices: Mapped[str] = mapped_column(sa.Text, nullable=False)


class NamedChoice(Model):
    """A 记名 vote's choice with the delegate's name: only for polls whose ``PollMode.named`` is set."""

    __tablename__ = "congress_named_choice"
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_poll.id"), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("congress_delegate.id"), primary_key=True)
    choices: Mapped[str] = mapped_column(sa.Text, nullable=False)
