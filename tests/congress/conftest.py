"""A congress with members from the members register, a session and its delegates; emptied after each test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from portal.congress import models, service
from portal.congress.attachments import InspectionAttachment
from portal.domain.idcard import make_id_card

STAFF = "秘书处小王"
#: Children first, so the foreign keys hold while the tables are emptied.
CONGRESS_TABLES = (InspectionAttachment, models.CodeAttempt, models.NamedChoice, models.PaperEntry, models.TokenCard, models.PollMode,
                   models.Ballot, models.Participation, models.Poll, models.CheckIn, models.Seat,
                   models.CongressSession, models.Delegate, models.Congress)


@dataclass
class Sitting:
    session_id: int
    congress_id: int
    #: Voting delegates (role 代表), in the order they were added.
    voters: list[int]
    #: Delegates without a vote (特邀, 列席).
    guests: list[int]


def add_members(count: int) -> list[int]:
    """``count`` members of one union (inserted directly: the register's own rules are not under test)."""
    from portal.demo import Writer
    from portal.extensions import db

    writer = Writer()
    org_units, members = writer.models["org_units"], writer.models["members"]
    org_id = db.session.scalar(sa.select(org_units.id).where(org_units.code == "CG"))
    if org_id is None:
        writer.insert("org_units", [{"code": "CG", "name": "大会测试工会", "unit_type": "基层工会"}])
        org_id = db.session.scalar(sa.select(org_units.id).where(org_units.code == "CG"))
    first = db.session.scalar(sa.select(sa.func.count()).select_from(members)) or 0
    rows = [{"name": f"代表{first + index:03d}", "org_unit_id": org_id, "status": "在籍",
             "id_card": make_id_card("110101", date(1970 + (first + index) // 900, 1, 1), (first + index) % 900)}
            for index in range(count)]
    writer.insert("members", rows)
    db.session.commit()
    names = [row["name"] for row in rows]
    found = dict(db.session.execute(sa.select(members.name, members.id).where(members.name.in_(names))).tuples().all())
    return [found[name] for name in names]


@pytest.fixture()
def congress_db(app: Any, clean: None) -> Iterator[Any]:
    """An app context whose congress tables are emptied afterwards (the registers by ``clean``)."""
    from portal.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()
        for model in CONGRESS_TABLES:
            db.session.execute(sa.delete(model))
        db.session.commit()


@pytest.fixture()
def make_sitting(congress_db: Any) -> Callable[..., Sitting]:
    def make(voters: int, guests: int = 0, session_type: str = "职代会", freeze: bool = True) -> Sitting:
        db_session = congress_db
        congress = models.Congress(name="第一机械厂职工代表大会", term_no=5, term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db_session.add(congress)
        db_session.flush()
        sitting = models.CongressSession(congress_id=congress.id, number=1, held_on=date(2026, 3, 20),
                                         place="厂部大礼堂", session_type=session_type)
        db_session.add(sitting)
        db_session.commit()
        member_ids = add_members(voters + guests)
        roles = ["代表"] * voters + [("特邀", "列席")[index % 2] for index in range(guests)]
        delegates = [service.add_delegate(db_session, congress.id, member_id, STAFF, role=role,
                                          delegation=f"第{index % 3 + 1}代表团", constituency=f"第{index % 5 + 1}选区")
                     for index, (member_id, role) in enumerate(zip(member_ids, roles))]
        if freeze:
            service.freeze_roster(db_session, sitting.id, STAFF)
        return Sitting(session_id=sitting.id, congress_id=congress.id,
                       voters=[d.id for d in delegates if d.role == "代表"],
                       guests=[d.id for d in delegates if d.role != "代表"])

    return make
