"""portal.congress.resolutions: a passed 议题 of a counted vote becomes one 决议, through the register service."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from portal.congress import service, voting
from portal.congress.errors import InvalidInput, WrongState
from portal.congress.resolutions import AlreadyMade, chinese_number, make_resolution, passed_items, session_name
from portal.extensions import db
from portal.records.service import RecordErrors, RegisterService
from portal.security.audit import acting_as

from .conftest import STAFF, Sitting

CHAIR = "主席团小李"


def counted_vote(session: Any, sitting: Sitting, votes: list[list[str]], title: str = "集体合同草案表决") -> int:
    """A vote on two 议题 with one ballot per entry of ``votes``, closed and counted."""
    for delegate_id in sitting.voters:
        service.check_in(session, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(session, sitting.session_id, "item", title, ["集体合同草案", "工资调整方案"], CHAIR)
    voting.open_poll(session, poll.id, CHAIR)
    for delegate_id, items in zip(sitting.voters, votes):
        voting.cast(session, poll.id, delegate_id, {"items": items})
    voting.close_poll(session, poll.id, CHAIR)
    voting.tally(session, poll.id, CHAIR)
    return int(poll.id)


def services(app: Any, username: str | None = None) -> tuple[RegisterService, RegisterService]:
    from portal.security.current import access_for_username

    state = app.extensions["portal"]
    spec = state.registry.get("resolutions")
    system = RegisterService(spec, state.registry, state.models, lambda: db.session, lambda: "zh")
    if username is None:
        return system, system
    access = access_for_username(username)
    return RegisterService(spec, state.registry, state.models, lambda: db.session, lambda: "zh",
                           lambda: access), system


def test_chinese_numbers_name_the_session_as_the_motions_do(congress_db: Any,
                                                            make_sitting: Callable[..., Sitting]) -> None:
    assert [chinese_number(n) for n in (1, 2, 10, 12, 20, 25)] == ["一", "二", "十", "十二", "二十", "二十五"]
    sitting = make_sitting(voters=3)
    assert session_name(congress_db, service.get_session(congress_db, sitting.session_id)) == "第五届职代会第一次会议"


def test_a_passed_item_becomes_one_resolution_numbered_by_term_and_session(
        app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=4)
    poll_id = counted_vote(congress_db, sitting, [["赞成", "反对"]] * 3 + [["赞成", "赞成"]])
    poll = voting.get_poll(congress_db, poll_id)
    assert [(item.item_no, item.title, item.resolution_id) for item in
            passed_items(congress_db, app.extensions["portal"].models, poll)] == [(1, "集体合同草案", None)]
    mine, system = services(app)
    with acting_as(CHAIR):
        record = make_resolution(mine, system, poll_id, 1, None)
    db.session.commit()
    assert record.resolution_no == "5-1-J01" and record.title == "集体合同草案"
    assert record.session == "第五届职代会第一次会议" and record.status == "落实中"
    assert (record.poll_no, record.item_no) == (poll_id, 1) and record.org_unit is not None
    with pytest.raises(AlreadyMade, match="已生成决议 5-1-J01，不能重复生成"):
        make_resolution(mine, system, poll_id, 1, None)
    with pytest.raises(InvalidInput, match="第 2 项议题未获通过"):
        make_resolution(mine, system, poll_id, 2, None)


def test_an_uncounted_vote_or_a_user_without_create_is_refused(
        app: Any, congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    from portal.security.accounts import create_user

    sitting = make_sitting(voters=3)
    poll = voting.create_poll(congress_db, sitting.session_id, "item", "草案", ["甲"], CHAIR)
    mine, system = services(app)
    with pytest.raises(WrongState, match="还没有计票结果"):
        make_resolution(mine, system, poll.id, 1, None)
    counted = counted_vote(congress_db, sitting, [["赞成", "赞成"]] * 3, title="第二次表决")
    create_user("res_teller_only", "Congress-pass-2026", "congress_teller", org_code="CG")
    teller, _ = services(app, "res_teller_only")
    with pytest.raises(RecordErrors, match="您没有新增职代会决议的权限"):
        make_resolution(teller, system, counted, 1, None)
    db.session.rollback()
