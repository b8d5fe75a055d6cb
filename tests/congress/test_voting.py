"""portal.congress.voting: the quorum gate, one ballot per delegate, close, seal and tally."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.congress import service, voting
from portal.congress.errors import AlreadyVoted, InvalidInput, QuorumNotMet, WrongState
from portal.congress.models import Ballot, Participation, Poll

from .conftest import STAFF, Sitting

CHAIR = "主席团老李"
ITEMS = ["集体合同草案", "工资调整方案"]


def present(db: Any, sitting: Sitting, count: int) -> None:
    for delegate_id in sitting.voters[:count]:
        service.check_in(db, sitting.session_id, delegate_id, STAFF)


def item_poll(db: Any, sitting: Sitting, title: str = "第一项表决") -> Poll:
    return voting.create_poll(db, sitting.session_id, "item", title, ITEMS, CHAIR)


def test_a_vote_does_not_open_below_two_thirds(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=30, guests=3)
    present(congress_db, sitting, 19)
    for guest in sitting.guests:  # 特邀 and 列席 do not count
        service.check_in(congress_db, sitting.session_id, guest, STAFF)
    poll = item_poll(congress_db, sitting)
    with pytest.raises(QuorumNotMet, match="应到 30 人，实到 19 人，未达到不少于应到人数的三分之二所需的 20 人，还差 1 人"):
        voting.open_poll(congress_db, poll.id, CHAIR)
    assert congress_db.get(Poll, poll.id).state == "draft"
    service.check_in(congress_db, sitting.session_id, sitting.voters[19], STAFF)
    opened = voting.open_poll(congress_db, poll.id, CHAIR)
    assert (opened.state, opened.present_at_open, opened.opened_by) == ("open", 20, CHAIR)


def test_the_session_type_picks_the_quorum_rule(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=6, session_type="会员代表大会")  # 5c: more than two thirds present
    present(congress_db, sitting, 4)
    poll = item_poll(congress_db, sitting)
    with pytest.raises(QuorumNotMet, match="实到 4 人，未达到超过应到人数的三分之二所需的 5 人"):
        voting.open_poll(congress_db, poll.id, CHAIR)
    service.check_in(congress_db, sitting.session_id, sitting.voters[4], STAFF)
    assert voting.open_poll(congress_db, poll.id, CHAIR).present_at_open == 5


def test_one_ballot_per_delegate_with_a_receipt(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3, guests=1)
    present(congress_db, sitting, 3)
    poll = voting.open_poll(congress_db, item_poll(congress_db, sitting).id, CHAIR)
    receipt = voting.cast(congress_db, poll.id, sitting.voters[0], {"items": ["赞成", "反对"]})
    with pytest.raises(AlreadyVoted, match="您已经对“第一项表决”投过票"):
        voting.cast(congress_db, poll.id, sitting.voters[0], {"items": ["反对", "反对"]})
    with pytest.raises(InvalidInput, match="2 个议题每项都要选择"):
        voting.cast(congress_db, poll.id, sitting.voters[1], {"items": ["赞成"]})
    with pytest.raises(WrongState, match="不是本次会议有表决权的代表"):
        voting.cast(congress_db, poll.id, sitting.guests[0], {"items": ["赞成", "赞成"]})
    service.check_out(congress_db, sitting.session_id, sitting.voters[2], STAFF)
    with pytest.raises(WrongState, match="尚未签到或已离场"):
        voting.cast(congress_db, poll.id, sitting.voters[2], {"items": ["赞成", "赞成"]})
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
    assert congress_db.scalar(sa.select(Ballot.receipt)) == receipt
    assert [c.name for c in Participation.__table__.columns] == ["poll_id", "delegate_id"]


def test_close_seal_and_tally_against_all_delegates(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=10)
    present(congress_db, sitting, 8)
    poll = voting.open_poll(congress_db, item_poll(congress_db, sitting).id, CHAIR)
    # Item 1: 5 yes of 8 cast is a majority of those voting but not of the 10 delegates; item 2: 6 yes passes.
    votes = [["赞成", "赞成"]] * 5 + [["反对", "赞成"]] * 1 + [["弃权", "反对"]] * 2
    receipts = [voting.cast(congress_db, poll.id, d, {"items": v}) for d, v in zip(sitting.voters, votes)]
    with pytest.raises(WrongState, match="当前投票中"):
        voting.tally(congress_db, poll.id, CHAIR)
    service.check_out(congress_db, sitting.session_id, sitting.voters[0], STAFF)
    closed = voting.close_poll(congress_db, poll.id, CHAIR)
    assert (closed.state, closed.present_at_close, closed.sealed_by) == ("sealed", 7, CHAIR)
    with pytest.raises(WrongState, match="当前已封存"):
        voting.cast(congress_db, poll.id, sitting.voters[7], {"items": ["赞成", "赞成"]})
    result = voting.tally(congress_db, poll.id, CHAIR)
    first, second = result["items"]
    assert (first["yes"], first["no"], first["abstain"], first["threshold"], first["passed"]) == (5, 1, 2, 6, False)
    assert first["passes_on"] == {"delegates": False, "present": True, "cast": True}
    assert (second["yes"], second["passed"]) == (6, True)
    assert (result["delegates"], result["present_at_open"], result["present_at_close"]) == (10, 8, 7)
    assert voting.receipts(congress_db, poll.id) == sorted(receipts)
    # The stored result is kept: counting again (even after someone edits a ballot) returns it unchanged.
    congress_db.execute(sa.update(Ballot).values(choices=json.dumps({"items": ["反对", "反对"]})))
    congress_db.commit()
    assert voting.tally(congress_db, poll.id, CHAIR) == result


def test_an_election_with_a_write_in(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=9)
    present(congress_db, sitting, 9)
    few = voting.create_poll(congress_db, sitting.session_id, "election", "增补委员", ["甲", "乙"], CHAIR, seats=2)
    with pytest.raises(WrongState, match="候选人只有 2 人，差额选举至少需要 3 名候选人"):
        voting.open_poll(congress_db, few.id, CHAIR)
    poll = voting.create_poll(congress_db, sitting.session_id, "election", "选举工会委员", ["甲", "乙", "丙"], CHAIR,
                              seats=2)
    voting.open_poll(congress_db, poll.id, CHAIR)
    with pytest.raises(InvalidInput, match="应选 2 人，您选了 3 人；多选的选票无效"):
        voting.cast(congress_db, poll.id, sitting.voters[0], {"marks": ["甲", "乙"], "write_ins": ["丁"]})
    with pytest.raises(InvalidInput, match="“戊”不是“选举工会委员”的候选人"):
        voting.cast(congress_db, poll.id, sitting.voters[0], {"marks": ["戊"]})
    ballots = [{"marks": ["甲", "乙"]}] * 4 + [{"marks": ["甲"], "write_ins": ["丁"]}] * 2 + \
              [{"marks": [], "write_ins": ["丁"]}] * 3
    for delegate_id, ballot in zip(sitting.voters, ballots):
        voting.cast(congress_db, poll.id, delegate_id, ballot)
    voting.close_poll(congress_db, poll.id, CHAIR)
    counted = voting.tally(congress_db, poll.id, CHAIR)["election"]
    assert counted["votes"] == {"甲": 6, "丁": 5, "乙": 4, "丙": 0} and counted["threshold"] == 5
    assert counted["elected"] == ["甲", "丁"] and counted["write_ins"] == ["丁"]
    assert (counted["issued"], counted["returned"], counted["invalid"], counted["void"]) == (9, 9, 0, False)


def test_concurrent_ballots_of_one_delegate_count_once(app: Any, congress_db: Any,
                                                       make_sitting: Callable[..., Sitting]) -> None:
    from portal.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; concurrent casts are a PostgreSQL question")
    sitting = make_sitting(voters=3)
    present(congress_db, sitting, 3)
    poll_id = voting.open_poll(congress_db, item_poll(congress_db, sitting).id, CHAIR).id
    attempts, engine = 12, db.engine
    start = threading.Barrier(attempts, timeout=120)  # a guard against a hang, not a timing
    outcomes: list[str] = []

    def attempt() -> None:
        with Session(engine) as own:
            start.wait()
            try:
                outcomes.append(voting.cast(own, poll_id, sitting.voters[0], {"items": ["赞成", "赞成"]}))
            except AlreadyVoted:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == attempts and outcomes.count("refused") == attempts - 1
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Participation)) == 1


def test_a_refused_step_releases_the_poll_it_locked(app: Any, congress_db: Any,
                                                    make_sitting: Callable[..., Sitting]) -> None:
    from portal.extensions import db

    sitting = make_sitting(voters=3)
    present(congress_db, sitting, 3)
    poll_id = voting.open_poll(congress_db, item_poll(congress_db, sitting).id, CHAIR).id
    with pytest.raises(WrongState, match="当前投票中，此操作只能在草稿时进行"):
        voting.open_poll(congress_db, poll_id, CHAIR)
    with Session(db.engine) as chair_screen:  # NOWAIT: fails at once if the refused step still held the row
        locked = chair_screen.execute(sa.select(Poll.id).where(Poll.id == poll_id).with_for_update(nowait=True))
        assert locked.scalar() == poll_id
