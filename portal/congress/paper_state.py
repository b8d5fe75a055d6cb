"""The state of a poll's paper ballots as the two tellers keyed them (see ``paper``): which serials
agree, which differ, which have one entry only. Reads only; imports no step, so the count can use it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress.errors import WrongState
from portal.congress.models import PaperEntry, Poll
from portal.congress.modes import counters
from portal.texts import gettext

#: An item left blank or marked for more than one side on a paper ballot.
INVALID = "无效"  # i18n: data


def serial_text(serial: int) -> str:
    return f"{serial:04d}"


@dataclass
class PaperState:
    """The state of a poll's paper ballots: agreed ballots and the serials still to re-check."""

    issued: int = 0
    agreed: list[dict[str, Any]] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    single: list[str] = field(default_factory=list)
    #: Serials each teller has keyed: {username: count}.
    keyed: dict[str, int] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.mismatched and not self.single

    def problem(self) -> str:
        parts = []
        if self.mismatched:
            parts.append(gettext("Ballots keyed differently twice: %(serials)s; take out the original ballots, "
                                 "re-check them and have the tellers correct their entries",
                                 serials=gettext(", ").join(self.mismatched)))
        if self.single:
            parts.append(gettext("Ballots keyed only once: %(serials)s; another teller must key them again",
                                 serials=gettext(", ").join(self.single)))
        if len(parts) == 2:
            return gettext("%(first)s; %(second)s.", first=parts[0], second=parts[1])
        return gettext("%(text)s.", text=parts[0]) if parts else ""


def paper_state(session: Session, poll_id: int) -> PaperState:
    """Group the entries by serial: two equal entries agree, two different ones are a mismatch."""
    state = PaperState(issued=counters(session, poll_id).paper_issued)
    entries: dict[int, list[tuple[str, str]]] = {}
    for serial, who, choices in session.execute(
            sa.select(PaperEntry.serial, PaperEntry.entered_by, PaperEntry.choices)
            .where(PaperEntry.poll_id == poll_id).order_by(PaperEntry.serial)).tuples():
        entries.setdefault(serial, []).append((who, choices))
        state.keyed[who] = state.keyed.get(who, 0) + 1
    for serial, keyed in entries.items():
        if len(keyed) < 2:
            state.single.append(serial_text(serial))
        elif json.loads(keyed[0][1]) != json.loads(keyed[1][1]):
            state.mismatched.append(serial_text(serial))
        else:
            state.agreed.append(json.loads(keyed[0][1]))
    return state


def require_ready(session: Session, poll: Poll, step: str) -> PaperState:
    """The agreed paper ballots; refused (naming the serials) while any serial is unresolved."""
    state = paper_state(session, poll.id)
    if not state.ready:
        raise WrongState(gettext("“%(title)s”: the paper ballots do not agree yet, so you cannot %(step)s. "
                                 "%(problem)s", title=poll.title, step=step, problem=state.problem()))
    return state
