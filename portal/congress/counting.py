"""The count of one poll over every way its ballots came in: phones, token cards and agreed paper
ballots, each reconciled 发出 / 收回, all counted together. ``voting.tally`` stores what this returns.

发出 per mode: phones = delegates who took part (each wrote one ballot); cards = the count handed out;
paper = the count handed out. 收回: phone ballots, spent cards, agreed paper serials. More returned
than issued voids the poll (an election by ``rules.count_election``, an item vote here).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress import paper_state as paper
from portal.congress.modes import counters, token_reconcile
from portal.congress.models import Ballot, CongressSession, Participation, Poll
from portal.congress.rules import ElectionBallot, SessionRules, count_election, count_item
from portal.texts import pgettext


def void_reason(returned: int, issued: int, kind: str) -> str:
    # stored with the result: stays in Chinese
    what = "表决" if kind == "item" else "选举"  # i18n: data
    return f"收回选票 {returned} 张，多于发出的 {issued} 张，本次{what}无效，须重新{what}。"  # i18n: data


def channels(session: Session, poll: Poll, paper_ballots: int) -> dict[str, dict[str, int]]:
    """发出 and 收回 per mode (modes the poll did not use are left out, phones always shown)."""
    stored = session.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.poll_id == poll.id)) or 0
    voters = session.scalar(sa.select(sa.func.count()).select_from(Participation)
                            .where(Participation.poll_id == poll.id)) or 0
    cards_issued, cards_used = token_reconcile(session, poll.id)
    shown = {"electronic": {"issued": voters, "returned": stored - cards_used}}
    if cards_issued or cards_used:
        shown["token"] = {"issued": cards_issued, "returned": cards_used}
    paper_issued = counters(session, poll.id).paper_issued
    if paper_issued or paper_ballots:
        shown["paper"] = {"issued": paper_issued, "returned": paper_ballots}
    return shown


def count_poll(session: Session, poll: Poll, sitting: CongressSession, rules: SessionRules) -> dict[str, Any]:
    """The result of a closed and sealed poll (refused while paper entries disagree)."""
    agreed = paper.require_ready(session, poll, pgettext("paper ballots step", "count the votes")).agreed
    ballots = [json.loads(text) for text in session.scalars(sa.select(Ballot.choices).where(Ballot.poll_id == poll.id))]
    ballots += agreed
    by_mode = channels(session, poll, len(agreed))
    issued = sum(mode["issued"] for mode in by_mode.values())
    returned = len(ballots)
    total = sitting.delegate_total or 0
    result: dict[str, Any] = {"kind": poll.kind, "title": poll.title, "delegates": total,
                              "present_at_open": poll.present_at_open, "present_at_close": poll.present_at_close,
                              "issued": issued, "returned": returned, "session_type": sitting.session_type,
                              "named": poll.named, "channels": by_mode}
    if poll.kind == "item":
        void = returned > issued
        result["items"] = []
        for index, title in enumerate(poll.option_list()):
            marks = [ballot["items"][index] for ballot in ballots]
            counted = count_item([mark for mark in marks if mark != paper.INVALID], total, poll.present_at_open or 0,
                                 rules).as_dict()
            counted["invalid"] = sum(mark == paper.INVALID for mark in marks)
            if void:
                counted["passed"] = False
            result["items"].append({"title": title, **counted})
        if void:
            result["void"] = void_reason(returned, issued, "item")
    else:
        election = count_election([ElectionBallot(b["marks"], b["write_ins"]) for b in ballots], poll.option_list(),
                                  poll.seats or 0, entitled=total, issued=issued, returned=returned, rules=rules)
        result["election"] = election.as_dict()
    return result

