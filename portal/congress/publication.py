"""After the count: the tellers publish a sealed result, the hall screen's figures, the announcement.

``publish`` is the tellers' step (state sealed → published, audited with the teller's name and the
监票人 named on the announcement; nothing about any ballot). ``hall_figures`` is what the hall screen
polls: attendance always, the turnout (a count) while a poll is open, the counts only once the poll
is sealed. ``announcement`` is the printable notice, one list of lines for the page and the xlsx.
No function here reads a ballot row: the figures come from the stored tally.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import InvalidInput, WrongState, rolls_back_on_refusal
from portal.congress.models import POLL_KINDS, Congress, Participation, Poll, TokenCard
from portal.congress.named import roll
from portal.congress.paper_state import require_ready
from portal.congress.results import result_lines
from portal.congress.service import attendance, audit_step, get_session
from portal.congress.voting import STATE_NAMES, get_poll
from portal.domain.china_time import china_date
from portal.security import audit
from portal.texts import DEFAULT_LOCALE, gettext, in_locale, pgettext

#: Polls a teller sees: closed ones (to seal), sealed ones (to publish), published ones (to print).
AFTER_CLOSE = ("closed", "sealed", "published")
#: Polls whose counts may be shown (on the hall screen, to the teller and the chair).
COUNTED = ("sealed", "published")
TELLER_SEPARATORS = re.compile(r"[、,，;；\s]+")  # i18n: data


def teller_names(text: str) -> list[str]:
    """``张三、李四`` (or commas, spaces) as names, in order, each once."""
    names: list[str] = []
    for name in TELLER_SEPARATORS.split(text or ""):
        if name and name not in names:
            names.append(name)
    return names


def closed_polls(session: Session, session_id: int) -> list[Poll]:
    """The session's polls after their close, in the order they were created."""
    get_session(session, session_id)
    return list(session.scalars(sa.select(Poll).where(Poll.session_id == session_id, Poll.state.in_(AFTER_CLOSE))
                                .order_by(Poll.id)))


@rolls_back_on_refusal
def publish(session: Session, poll_id: int, actor: str, tellers: str) -> Poll:
    """Publish a sealed and counted poll with the 监票人 names; a published result stays as it is."""
    poll = get_poll(session, poll_id, lock="update")
    if poll.state == "sealed" and not poll.result:
        require_ready(session, poll, pgettext("paper ballots step", "publish the result"))
        raise WrongState(gettext("The paper ballots of “%(title)s” agree; press “Check and count” first, then "
                                 "publish the result.", title=poll.title))
    if poll.state != "sealed" or not poll.result:
        raise WrongState(gettext("Vote “%(title)s” is %(state)s; only a sealed and counted result can be "
                                 "published.", title=poll.title, state=STATE_NAMES[poll.state]))
    names = teller_names(tellers)
    if not names:
        raise InvalidInput(gettext("Enter the tellers' names before publishing the result of “%(title)s” (separate "
                                   "several with commas, e.g. Zhang San, Li Si).", title=poll.title))
    joined = "、".join(names)  # i18n: data
    if len(joined) > 200:
        raise InvalidInput(gettext("The tellers' names are %(length)s characters long, over the limit of 200; "
                                   "enter only the tellers' names.", length=len(joined)))
    poll.state, poll.published_at, poll.published_by, poll.tellers = "published", audit.now_utc(), actor, joined
    audit_step(session, actor, f"公布“{poll.title}”的结果（监票人：{joined}）", poll.id, "congress_poll")  # i18n: data
    session.commit()
    return poll


def _chart(poll: Poll) -> dict[str, Any]:
    """A counted poll as bars: per 议题 赞成/反对/弃权, or votes per name of an election. Counts only."""
    result = poll.result_dict()
    shown: dict[str, Any] = {"kind": poll.kind, "delegates": result["delegates"], "returned": result["returned"]}
    if poll.kind == "item":
        shown["items"] = [{"title": item["title"], "bars": [[pgettext("ballot choice", "For"), item["yes"]],
                                                            [pgettext("ballot choice", "Against"), item["no"]],
                                                            [pgettext("ballot choice", "Abstain"), item["abstain"]]],
                           "threshold": item["threshold"],
                           "verdict": pgettext("vote verdict", "Passed") if item["passed"]
                           else pgettext("vote verdict", "Not passed"),
                           "passed": item["passed"]} for item in result["items"]]
        return shown
    election = result["election"]
    shown["void"] = election["reason"] if election["void"] else ""
    shown["bars"] = [[name, count] for name, count in election["votes"].items()]
    shown["threshold"] = election.get("threshold")
    shown["elected"] = list(election["elected"])
    return shown


def hall_figures(session: Session, session_id: int) -> dict[str, Any]:
    """The hall screen's figures: attendance; per poll its state, the turnout while open, the counts once sealed."""
    sitting = get_session(session, session_id)
    now = attendance(session, session_id)
    polls = list(session.scalars(sa.select(Poll).where(Poll.session_id == session_id, Poll.state != "draft")
                                 .order_by(Poll.id)))
    open_ids = [poll.id for poll in polls if poll.state == "open"]
    turnout = dict(session.execute(
        sa.select(Participation.poll_id, sa.func.count()).where(Participation.poll_id.in_(open_ids))
        .group_by(Participation.poll_id)).tuples().all()) if open_ids else {}
    cards = dict(session.execute(
        sa.select(TokenCard.poll_id, sa.func.count()).where(TokenCard.poll_id.in_(open_ids), TokenCard.used.is_(True))
        .group_by(TokenCard.poll_id)).tuples().all()) if open_ids else {}
    shown = []
    for poll in polls:
        entry: dict[str, Any] = {"id": poll.id, "title": poll.title, "kind": POLL_KINDS[poll.kind],
                                 "state": str(STATE_NAMES[poll.state])}
        if poll.state == "open":
            entry["turnout"] = turnout.get(poll.id, 0) + cards.get(poll.id, 0)  # phones and token cards
        elif poll.state in COUNTED and poll.result:
            entry["result"] = _chart(poll)
        shown.append(entry)
    return {"session": gettext("Session %(number)s · %(date)s · %(place)s", number=sitting.number,
                               date=sitting.held_on, place=sitting.place),
            "total": now.total, "present": now.present, "on_leave": now.on_leave,
            "absent": max(now.total - now.present - now.on_leave, 0), "polls": shown}


def announcement(session: Session, poll: Poll) -> dict[str, Any]:
    """The 决议 / 选举结果公告 of a counted poll: heading, the lines of the result, tellers and date."""
    if poll.state not in COUNTED or not poll.result:
        raise WrongState(gettext("Vote “%(title)s” is %(state)s; the announcement exists once it is counted.",
                                 title=poll.title, state=STATE_NAMES[poll.state]))
    sitting = get_session(session, poll.session_id)
    congress = session.get(Congress, sitting.congress_id)
    result = poll.result_dict()
    # the announcement is an official Chinese document, whatever the reader's language
    with in_locale(DEFAULT_LOCALE):
        lines = result_lines(result)
    kind = "决议" if poll.kind == "item" else "选举结果"  # i18n: data
    rows: list[tuple[str, str]] = [
        ("会议", f"{congress.name if congress else ''}第 {sitting.number} 次会议（{sitting.session_type}）"),  # i18n: data
        ("时间地点", f"{sitting.held_on} · {sitting.place}"),  # i18n: data
        ("表决事项", f"{poll.title}（{POLL_KINDS[poll.kind]}，{'记名' if poll.named else '无记名'}投票）"),  # i18n: data
        ("出席情况", f"应到 {result['delegates']} 人；开启时实到 {result['present_at_open']} 人，"  # i18n: data
                     f"结束时实到 {result['present_at_close']} 人"),  # i18n: data
        ("选票", f"发出 {result['issued']} 张，收回 {result['returned']} 张"),  # i18n: data
    ]
    rows += [("", line) for line in lines["channels"]]
    if lines["void"]:
        rows.append(("表决无效", lines["void"]))  # i18n: data
    for item in lines.get("items", []):
        rows.append((item["title"], f"{item['counts']}；{item['verdict']}"))  # i18n: data
        rows += [("", line) for line in item["bases"]]
    if "election" in lines:
        election = lines["election"]
        if election["void"]:
            rows.append(("选举无效", election["void"]))  # i18n: data
        else:
            rows.append(("有效选票", election["ballots"]))  # i18n: data
            rows += [("得票", line) for line in election["votes"]]  # i18n: data
            rows += [("", line) for line in election["bases"]]
            rows.append(("当选", election["elected"]))  # i18n: data
            if election["runoff"]:
                rows.append(("另行选举", election["runoff"]))  # i18n: data
    published = china_date(poll.published_at).isoformat() if poll.published_at else "（尚未公布）"  # i18n: data
    rows += [("记名表决", f"{name}：{choice}") for name, choice in roll(session, poll)]  # i18n: data
    rows += [("监票人", poll.tellers or "（尚未公布）"), ("公布日期", published)]  # i18n: data
    return {"heading": f"{kind}公告", "subtitle": poll.title, "rows": rows, "published": poll.state == "published",  # i18n: data
            "date": published, "sitting": sitting, "congress": congress}
