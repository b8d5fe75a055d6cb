"""Paper ballots: printed with serial numbers, handed out (a count per poll, never to whom), and after
the close keyed in by two tellers independently, serial by serial.

A serial counts once both tellers' entries agree; while any two entries of a serial differ (or a
serial has been keyed by one teller only), the poll is not counted and cannot be published, and the
tellers' page names the serials to re-check. An election's paper ballot may carry more marks than
seats: it is keyed as marked and counted as invalid (多选无效). An item left blank or marked twice is
keyed as 无效 and counts for no side.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import InvalidInput, WrongState, rolls_back_on_refusal
from portal.congress.models import PaperEntry, Poll
from portal.congress.modes import BEFORE_CLOSE, counters, poll_mode, refuse_named
from portal.congress.paper_state import INVALID, serial_text
from portal.congress.rules import ITEM_CHOICES
from portal.congress.service import audit_step
from portal.congress.voting import STATE_NAMES, get_poll
from portal.texts import gettext

PAPER_ITEM_CHOICES = (*ITEM_CHOICES, INVALID)
MAX_SERIAL = 99999
#: The most ballots one print run makes.
MAX_PRINT = 2000


def check_print(poll: Poll, first: int, count: int) -> list[str]:
    """The serials of a print run (refused for a named vote or silly numbers)."""
    refuse_named(poll, gettext("paper ballots"))
    if not 1 <= count <= MAX_PRINT or first < 1 or first + count - 1 > MAX_SERIAL:
        raise InvalidInput(gettext("The number of sheets must be between 1 and %(sheets)s, and the first serial "
                                   "number between 1 and %(serial)s.", sheets=MAX_PRINT, serial=MAX_SERIAL))
    return [serial_text(serial) for serial in range(first, first + count)]


@rolls_back_on_refusal
def issue(session: Session, poll_id: int, count: int, actor: str) -> int:
    """Staff hand out ``count`` paper ballots: only the count is kept (发出)."""
    poll = get_poll(session, poll_id)
    refuse_named(poll, gettext("paper ballots"))
    if poll.state not in BEFORE_CLOSE:
        raise WrongState(gettext("“%(title)s” is %(state)s; paper ballots cannot be handed out after the vote "
                                 "closes.", title=poll.title, state=STATE_NAMES[poll.state]))
    if not 1 <= count <= MAX_PRINT:
        raise InvalidInput(gettext("The number to hand out must be between 1 and %(max)s (you entered %(count)s).",
                                   max=MAX_PRINT, count=count))
    mode = poll_mode(session, poll_id, lock=True)
    mode.paper_issued += count
    audit_step(session, actor, f"发出“{poll.title}”的纸质选票 {count} 张（累计 {mode.paper_issued} 张）", poll_id,  # i18n: data
               "congress_poll")
    session.commit()
    return mode.paper_issued


def paper_choices(poll: Poll, choices: dict[str, Any]) -> dict[str, Any]:
    """A paper ballot as keyed: like a phone's, but an over-marked election ballot is kept (to count invalid)."""
    options = poll.option_list()
    if poll.kind == "item":
        items = list(choices.get("items") or [])
        if len(items) != len(options) or any(choice not in PAPER_ITEM_CHOICES for choice in items):
            raise InvalidInput(gettext("“%(title)s”: each of the %(count)s items needs one of For, Against, Abstain or "
                                       "Invalid (blank, more than one mark).", title=poll.title, count=len(options)))
        return {"items": items}
    marks = [name for name in options if name in set(choices.get("marks") or [])]
    write_ins = [str(name).strip()[:30] for name in choices.get("write_ins") or [] if str(name).strip()]
    return {"marks": marks, "write_ins": write_ins}


@rolls_back_on_refusal
def key_in(session: Session, poll_id: int, serial: int, choices: dict[str, Any], actor: str) -> None:
    """One teller's entry of a paper ballot; the same teller keying a serial again corrects their entry."""
    poll = get_poll(session, poll_id, lock="update")
    if poll.state not in ("closed", "sealed") or poll.result:
        if poll.result:
            raise WrongState(gettext("“%(title)s” is %(state)s and counted; paper ballots are keyed in after the "
                                     "vote closes and before the count.", title=poll.title,
                                     state=STATE_NAMES[poll.state]))
        raise WrongState(gettext("“%(title)s” is %(state)s; paper ballots are keyed in after the vote closes and "
                                 "before the count.", title=poll.title, state=STATE_NAMES[poll.state]))
    if counters(session, poll_id).paper_issued == 0:
        raise WrongState(gettext("No paper ballots were handed out for “%(title)s”; nothing to key in.",
                                 title=poll.title))
    if not 1 <= serial <= MAX_SERIAL:
        raise InvalidInput(gettext("The ballot serial number must be between 1 and %(max)s (you entered %(serial)s).",
                                   max=MAX_SERIAL, serial=serial))
    stored = json.dumps(paper_choices(poll, choices), ensure_ascii=False)
    others = session.scalars(sa.select(PaperEntry.entered_by).where(
        PaperEntry.poll_id == poll_id, PaperEntry.serial == serial, PaperEntry.entered_by != actor)).all()
    mine = session.get(PaperEntry, (poll_id, serial, actor))
    if mine is None and len(others) >= 2:
        raise WrongState(gettext("Ballot %(serial)s is already keyed in by two tellers and cannot be keyed a "
                                 "third time; to correct it, the teller who keyed it keys it again.",
                                 serial=serial_text(serial)))
    if mine is None:
        session.add(PaperEntry(poll_id=poll_id, serial=serial, entered_by=actor, choices=stored))
    else:
        mine.choices = stored
    audit_step(session, actor, f"录入“{poll.title}”第 {serial_text(serial)} 号纸质选票", poll_id,  # i18n: data
               "congress_poll")
    session.commit()
