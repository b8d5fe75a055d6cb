"""Named (记名) votes: only where the session type's rules allow them (``SessionRules.named_votes_allowed``,
off by default), and then each choice is also kept with the delegate, for the record of the vote."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import WrongState
from portal.congress.models import CongressSession, Delegate, NamedChoice, Poll
from portal.congress.service import audit_step, get_session, members, session_rules
from portal.texts import gettext


def check_allowed(sitting: CongressSession) -> None:
    """Refuse a named vote in a session whose type does not allow one."""
    if not session_rules(sitting).named_votes_allowed:
        raise WrongState(gettext("The rules of a %(type)s do not allow a named vote: important matters are voted "
                                 "by secret ballot. For a named vote, the congress secretariat must first allow "
                                 "it in the session rules.", type=sitting.session_type))


def record(session: Session, poll: Poll, delegate_id: int, stored: dict[str, Any]) -> None:
    """Keep a named vote's choice with the delegate (added to the cast's transaction; a no-op when secret)."""
    if poll.named:
        session.add(NamedChoice(poll_id=poll.id, delegate_id=delegate_id,
                                choices=json.dumps(stored, ensure_ascii=False)))


def choice_text(poll: Poll, stored: dict[str, Any]) -> str:
    """A delegate's choices as the result announcement (an official Chinese document) lists them."""
    if poll.kind == "item":
        return "；".join(f"{title}：{choice}" for title, choice in zip(poll.option_list(), stored["items"]))  # i18n: data
    names = [*stored.get("marks", []), *(f"{name}（另选）" for name in stored.get("write_ins", []))]  # i18n: data
    return "、".join(names) or "未选任何人"  # i18n: data


def roll(session: Session, poll: Poll) -> list[tuple[str, str]]:
    """A named vote's record: each delegate's name and choice, by name."""
    if not poll.named:
        return []
    rows = session.execute(sa.select(members.c.name, NamedChoice.choices)
                           .join(Delegate, Delegate.id == NamedChoice.delegate_id)
                           .join(members, members.c.id == Delegate.member_id)
                           .where(NamedChoice.poll_id == poll.id).order_by(members.c.name)).tuples().all()
    return [(name, choice_text(poll, json.loads(text))) for name, text in rows]


def make_named(session: Session, poll: Poll, actor: str) -> None:
    """Mark a draft poll as a named vote (in the caller's transaction), if the session type allows it."""
    if poll.state != "draft":
        raise WrongState(gettext("“%(title)s” is already open and can no longer become a named vote.",
                                 title=poll.title))
    check_allowed(get_session(session, poll.session_id))
    poll.named = True
    audit_step(session, actor, f"“{poll.title}”设为记名表决", poll.id, "congress_poll")  # i18n: data
