"""Resolutions (决议) from the congress's passed votes, written through the register service.

An item poll (``议题表决``) that has been counted holds, per 议题, whether it passed; each passed 议题 may
become one 决议 in the ``resolutions`` register, numbered ``届-次-J序号`` and named after the session as the
motions name it (``第五届职代会第二次会议``). The service given acts with the user's rights, so a user
without ``create`` on resolutions is refused by the register service. Nothing here reads a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.congress.errors import CongressError, InvalidInput, NotFound, WrongState
from portal.congress.models import Congress, CongressSession, Poll
from portal.domain.china_time import china_date
from portal.records.service import RegisterService
from portal.texts import gettext

RESOLUTIONS = "resolutions"
TASKS = "resolution_tasks"
INSPECTIONS = "resolution_inspections"
# the session names written into the motions and resolutions registers are Chinese
DIGITS = "零一二三四五六七八九"  # i18n: data
#: The short name of each session type, as the motions' 会次 is written.
SHORT_TYPES = {"职代会": "职代会", "会员代表大会": "会员代表大会", "职工大会": "职工大会"}  # i18n: data


class AlreadyMade(CongressError):
    status = 409


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (the numbers of 届 and 次); others as digits."""
    if 0 <= number < 10:
        return DIGITS[number]
    if 10 <= number < 100:
        tens, ones = divmod(number, 10)
        return f"{'' if tens == 1 else DIGITS[tens]}十{DIGITS[ones] if ones else ''}"  # i18n: data
    return str(number)


def session_name(session: Any, sitting: CongressSession) -> str:
    """``第五届职代会第二次会议``: the congress's term and the sitting's number, as the motions write 会次."""
    congress = session.get(Congress, sitting.congress_id)
    term = chinese_number(congress.term_no) if congress is not None else "?"
    kind = SHORT_TYPES.get(sitting.session_type, sitting.session_type)
    return f"第{term}届{kind}第{chinese_number(sitting.number)}次会议"  # i18n: data


@dataclass(frozen=True)
class PassedItem:
    """One 议题 of a counted item poll that passed, and the resolution made from it (if any)."""

    poll_id: int
    item_no: int
    title: str
    resolution_id: int | None


def passed_items(session: Any, models: Any, poll: Poll) -> list[PassedItem]:
    """The passed 议题 of ``poll`` (1-based numbers), each with the resolution already made from it."""
    result = poll.result_dict()
    if poll.kind != "item" or not result or result.get("void"):
        return []
    model = models[RESOLUTIONS]
    made = dict(session.execute(sa.select(model.item_no, model.id).where(model.poll_no == poll.id)).tuples().all())
    return [PassedItem(poll.id, number, str(item["title"]), made.get(number))
            for number, item in enumerate(result.get("items") or [], start=1) if item.get("passed")]


def next_number(system: RegisterService, prefix: str) -> str:
    """The next free ``prefix`` + ``J01``, ``J02``… among all resolutions (system rights: numbers are global)."""
    model = system.model
    taken = set(system.session.scalars(sa.select(model.resolution_no).where(
        model.resolution_no.like(f"{prefix}J%"))))
    number = 1
    while f"{prefix}J{number:02d}" in taken:
        number += 1
    return f"{prefix}J{number:02d}"


def make_resolution(service: RegisterService, system: RegisterService, poll_id: int, item_no: int,
                    org_unit_id: int | None) -> Any:
    """The 决议 of 议题 ``item_no`` of ``poll_id``, written with ``service``'s rights; the caller commits.

    Refused (Chinese, naming the fix) for a poll not found, not counted, an 议题 that did not pass, or one
    whose resolution exists already; ``RecordForbidden``/``RecordErrors`` come from the register service.
    """
    session = service.session
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise NotFound(gettext("No vote numbered %(id)s; open it again from the presidium page.", id=poll_id))
    if poll.kind != "item":
        raise InvalidInput(gettext("“%(title)s” is an election and makes no resolution; make resolutions from "
                                   "item votes.", title=poll.title))
    if not poll.result:
        raise WrongState(gettext("“%(title)s” has no count yet; close the vote and count it before making a "
                                 "resolution.", title=poll.title))
    items = {item.item_no: item for item in passed_items(session, service.models, poll)}
    if item_no not in items:
        raise InvalidInput(gettext("Item %(item)s of “%(title)s” did not pass (or does not exist); no resolution "
                                   "can be made.", item=item_no, title=poll.title))
    item = items[item_no]
    if item.resolution_id is not None:
        made = session.get(service.model, item.resolution_id)
        raise AlreadyMade(gettext("Item “%(title)s” already has resolution %(number)s; it cannot be made twice.",
                                  title=item.title, number=made.resolution_no if made else ""))
    sitting = session.get(CongressSession, poll.session_id)
    congress = session.get(Congress, sitting.congress_id) if sitting is not None else None
    if sitting is None or congress is None:
        raise NotFound(gettext("The session of “%(title)s” was not found; open it again from the list of "
                               "sessions.", title=poll.title))
    name = session_name(session, sitting)
    org_model = service.models["org_units"]
    if org_unit_id is None:  # an account without a union: the top of the tree
        org_unit_id = session.scalar(sa.select(org_model.id).where(org_model.parent_id.is_(None))
                                     .order_by(org_model.id).limit(1))
    adopted = china_date(poll.closed_at) if poll.closed_at else sitting.held_on
    values = {"resolution_no": next_number(system, f"{congress.term_no}-{sitting.number}-"),
              "session": name, "title": item.title[:200], "text": f"{name}表决通过：{item.title}。",  # i18n: data
              "adopted_on": adopted,
              "poll_no": poll.id, "item_no": item_no, "status": "落实中",  # i18n: data
              "org_unit": session.get(org_model, org_unit_id) if org_unit_id else None}
    return service.save(values)
