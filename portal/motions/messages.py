"""In-portal messages (站内消息): one row per addressee, read on the home page; no e-mail is sent.

A message is addressed to a member (the account whose e-mail is that member's register e-mail reads
it), names the register row it is about and is marked read by its addressee only. The motions module
writes them when a motion moves (``portal.motions.hooks``); the table is not a register, like the
audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import Mapped, mapped_column

from portal.security import audit

#: Longest message text kept.
TEXT_MAX = 1000
#: Messages shown on the home page.
SHOWN = 20


class PortalMessage(Model):
    """One message to one member."""

    __tablename__ = "portal_messages"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    #: The addressee (a row of the members register; a plain column, the registers live on another metadata).
    member_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    register: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    record_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    text: Mapped[str] = mapped_column(sa.String(TEXT_MAX), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


def send(connection: Any, members: Iterable[int], register: str, record_id: int, text: str) -> int:
    """Write one message to each of ``members`` (once each) about ``record_id``; returns how many."""
    rows = [{"member_id": member_id, "at": audit.now_utc(), "register": register, "record_id": record_id,
             "text": text[:TEXT_MAX]} for member_id in dict.fromkeys(members) if member_id]
    if rows:
        connection.execute(PortalMessage.__table__.insert(), rows)
    return len(rows)


def inbox(session: Any, member_id: int, limit: int = SHOWN) -> list[PortalMessage]:
    """The member's messages: unread first, newest first within each."""
    return list(session.scalars(sa.select(PortalMessage).where(PortalMessage.member_id == member_id).order_by(
        PortalMessage.read_at.is_not(None), PortalMessage.id.desc()).limit(limit)))


def unread(session: Any, member_id: int) -> int:
    """How many of the member's messages are unread."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(PortalMessage).where(
        PortalMessage.member_id == member_id, PortalMessage.read_at.is_(None))) or 0)


def mark_read(session: Any, member_id: int, message_id: int | None = None) -> int:
    """Mark one message (or, with ``None``, all) of ``member_id`` read; another member's message is not
    touched. Returns how many changed; the caller commits."""
    table = PortalMessage.__table__
    query = table.update().where(table.c.member_id == member_id, table.c.read_at.is_(None))
    if message_id is not None:
        query = query.where(table.c.id == message_id)
    return int(session.execute(query.values(read_at=audit.now_utc())).rowcount or 0)
