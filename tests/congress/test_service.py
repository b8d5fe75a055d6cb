"""portal.congress.service: delegates, the frozen roster, check-in and attendance."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa

from portal.congress import service
from portal.congress.errors import InvalidInput, NotFound, WrongState
from portal.congress.models import CheckIn, CongressSession, Seat
from portal.security.audit import AuditEntry

from .conftest import STAFF, Sitting, add_members


def test_the_roster_freezes_only_voting_delegates_once(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=5, guests=2)
    frozen = congress_db.get(CongressSession, sitting.session_id)
    assert frozen.delegate_total == 5 and frozen.frozen_by == STAFF
    seats = congress_db.scalars(sa.select(Seat.delegate_id).where(Seat.session_id == sitting.session_id)).all()
    assert sorted(seats) == sorted(sitting.voters)
    with pytest.raises(WrongState, match="已于 .* 冻结（应到 5 人），不能再次冻结"):
        service.freeze_roster(congress_db, sitting.session_id, STAFF)
    # A delegate added after the freeze does not change what the rules divide by.
    service.add_delegate(congress_db, sitting.congress_id, add_members(1)[0], STAFF)
    assert service.attendance(congress_db, sitting.session_id).total == 5


def test_a_delegate_must_be_a_known_member_once_with_a_known_role(congress_db: Any,
                                                                  make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=1)
    with pytest.raises(NotFound, match="会员登记表中没有编号为 999999 的会员"):
        service.add_delegate(congress_db, sitting.congress_id, 999999, STAFF)
    member_id = add_members(1)[0]
    with pytest.raises(InvalidInput, match="代表身份“旁听”无法识别"):
        service.add_delegate(congress_db, sitting.congress_id, member_id, STAFF, role="旁听")
    service.add_delegate(congress_db, sitting.congress_id, member_id, STAFF)
    with pytest.raises(WrongState, match="已是本届大会的代表"):
        service.add_delegate(congress_db, sitting.congress_id, member_id, STAFF)


def test_check_in_out_and_back_counts_only_voting_delegates(congress_db: Any,
                                                            make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=4, guests=2)
    sid = sitting.session_id
    for delegate_id in sitting.voters[:3] + sitting.guests:
        service.check_in(congress_db, sid, delegate_id, STAFF, method="scan")
    assert service.attendance(congress_db, sid).as_dict() == {"total": 4, "present": 3}
    service.check_out(congress_db, sid, sitting.voters[0], STAFF)  # 中途离场
    assert service.attendance(congress_db, sid).present == 2
    service.check_in(congress_db, sid, sitting.voters[0], STAFF, method="search")
    assert service.attendance(congress_db, sid).present == 3
    with pytest.raises(WrongState, match="代表000 已签到，无需重复签到"):
        service.check_in(congress_db, sid, sitting.voters[0], STAFF)
    with pytest.raises(WrongState, match="尚未签到或已离场"):
        service.check_out(congress_db, sid, sitting.voters[3], STAFF)
    events = congress_db.scalars(sa.select(CheckIn).where(CheckIn.delegate_id == sitting.voters[0])
                                 .order_by(CheckIn.id)).all()
    assert [(e.direction, e.method, e.by) for e in events] == [("in", "scan", STAFF), ("out", "scan", STAFF),
                                                              ("in", "search", STAFF)]


def test_a_manual_check_in_needs_a_reason_and_is_audited(congress_db: Any,
                                                         make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2)
    with pytest.raises(InvalidInput, match="为 代表000 补签时请填写补签原因"):
        service.check_in(congress_db, sitting.session_id, sitting.voters[0], STAFF, method="manual", reason="  ")
    with pytest.raises(InvalidInput, match="签到方式“刷脸”无法识别"):
        service.check_in(congress_db, sitting.session_id, sitting.voters[0], STAFF, method="刷脸")
    service.check_in(congress_db, sitting.session_id, sitting.voters[0], STAFF, method="manual", reason="代表证遗失")
    entry = congress_db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "congress")
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.username == STAFF and entry.detail == "代表000签到（补签：代表证遗失）"


def test_check_in_waits_for_the_frozen_roster_and_the_right_congress(congress_db: Any,
                                                                     make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=2, freeze=False)
    with pytest.raises(WrongState, match="代表名单还没有冻结"):
        service.check_in(congress_db, sitting.session_id, sitting.voters[0], STAFF)
    service.freeze_roster(congress_db, sitting.session_id, STAFF)
    with pytest.raises(NotFound, match="没有编号为 424242 的代表"):
        service.check_in(congress_db, sitting.session_id, 424242, STAFF)
    with pytest.raises(NotFound, match="找不到编号为 424242 的大会会次"):
        service.attendance(congress_db, 424242)


def test_leave_needs_a_reason_counts_apart_and_ends_with_an_arrival(congress_db: Any,
                                                                    make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    sid, first, second = sitting.session_id, *sitting.voters[:2]
    with pytest.raises(InvalidInput, match="为 代表000 登记请假时请填写请假原因"):
        service.mark_leave(congress_db, sid, first, STAFF, reason="")
    service.mark_leave(congress_db, sid, first, STAFF, reason="出差")
    with pytest.raises(WrongState, match="代表000 已登记请假，不能登记请假；无需重复登记"):
        service.mark_leave(congress_db, sid, first, STAFF, reason="出差")
    service.check_in(congress_db, sid, second, STAFF)
    with pytest.raises(WrongState, match="代表001 已签到在场，不能登记请假；请先登记离场"):
        service.mark_leave(congress_db, sid, second, STAFF, reason="身体不适")
    now = service.attendance(congress_db, sid)
    assert (now.total, now.present, now.on_leave) == (3, 1, 1)
    service.check_in(congress_db, sid, first, STAFF, method="search")  # came after all
    now = service.attendance(congress_db, sid)
    assert (now.present, now.on_leave) == (2, 0)
