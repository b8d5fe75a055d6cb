"""portal.congress.paper: printed ballots with serials, two tellers keying each, a mismatch blocking the count
and the publication, and paper counted together with phones (an over-marked paper ballot as invalid)."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from portal.congress import paper, publication, service, voting
from portal.congress.errors import InvalidInput, WrongState
from portal.congress.paper_state import paper_state
from portal.congress.results import result_lines

from .conftest import STAFF, Sitting
from .test_views import account, text

CHAIR = "主席团老李"
FIRST, SECOND = "计票人甲", "计票人乙"


def election_with_paper(db: Any, sitting: Sitting, paper_out: int = 2) -> int:
    """An election for one seat: voter 0 votes on the phone for a write-in, ``paper_out`` paper ballots handed out."""
    for delegate_id in sitting.voters:
        service.check_in(db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(db, sitting.session_id, "election", "补选工会委员", ["张一", "李二", "王三"], CHAIR,
                              seats=1)
    voting.open_poll(db, poll.id, CHAIR)
    paper.issue(db, poll.id, paper_out, STAFF)
    voting.cast(db, poll.id, sitting.voters[0], {"marks": [], "write_ins": ["赵四"]})
    voting.close_poll(db, poll.id, CHAIR)
    return poll.id


def both(db: Any, poll_id: int, serial: int, choices: dict[str, Any]) -> None:
    paper.key_in(db, poll_id, serial, choices, FIRST)
    paper.key_in(db, poll_id, serial, choices, SECOND)


def test_a_mismatch_blocks_the_count_and_the_publication_until_corrected(
        congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = election_with_paper(congress_db, sitting)
    both(congress_db, poll_id, 1, {"marks": ["张一"], "write_ins": []})
    paper.key_in(congress_db, poll_id, 2, {"marks": ["张一", "李二"], "write_ins": []}, FIRST)
    with pytest.raises(WrongState, match="只录入了一次的选票编号：0002"):
        voting.tally(congress_db, poll_id, FIRST)
    paper.key_in(congress_db, poll_id, 2, {"marks": ["张一"], "write_ins": []}, SECOND)  # the second teller misreads
    state = paper_state(congress_db, poll_id)
    assert (state.mismatched, state.single, len(state.agreed)) == (["0002"], [], 1)
    with pytest.raises(WrongState, match="两次录入不一致的选票编号：0002"):
        voting.tally(congress_db, poll_id, FIRST)
    with pytest.raises(WrongState, match="两次录入不一致的选票编号：0002"):
        publication.publish(congress_db, poll_id, FIRST, "张监票、李计票")
    with pytest.raises(WrongState, match="已由两位计票人录入，不能再录入第三份"):
        paper.key_in(congress_db, poll_id, 2, {"marks": ["张一"], "write_ins": []}, "第三人")
    paper.key_in(congress_db, poll_id, 2, {"marks": ["李二", "张一"], "write_ins": []}, SECOND)  # corrected
    result = voting.tally(congress_db, poll_id, FIRST)
    election = result["election"]
    # phone: write-in 赵四; paper 0001: 张一; paper 0002: over-marked (two names, one seat) → invalid
    assert (election["valid"], election["invalid"]) == (2, 1)
    assert election["votes"] == {"张一": 1, "赵四": 1, "李二": 0, "王三": 0}
    assert result["channels"] == {"electronic": {"issued": 1, "returned": 1}, "paper": {"issued": 2, "returned": 2}}
    assert "纸质选票：发出 2 张，收回 2 张" in result_lines(result)["channels"]
    with pytest.raises(WrongState, match="已计票"):
        paper.key_in(congress_db, poll_id, 3, {"marks": ["张一"], "write_ins": []}, FIRST)
    publication.publish(congress_db, poll_id, FIRST, "张监票、李计票")


def test_more_paper_back_than_handed_out_voids_the_election(congress_db: Any,
                                                            make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = election_with_paper(congress_db, sitting, paper_out=1)
    both(congress_db, poll_id, 1, {"marks": ["张一"], "write_ins": []})
    both(congress_db, poll_id, 2, {"marks": ["张一"], "write_ins": []})
    election = voting.tally(congress_db, poll_id, FIRST)["election"]
    assert election["void"] and election["reason"] == "收回选票 3 张，多于发出的 2 张，本次选举无效，须重新选举。"


def test_keying_is_refused_before_the_close_and_without_paper(congress_db: Any,
                                                              make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(congress_db, sitting.session_id, "item", "两项议题", ["集体合同草案", "工资调整方案"], CHAIR)
    voting.open_poll(congress_db, poll.id, CHAIR)
    with pytest.raises(WrongState, match="纸质选票在表决结束后、计票前录入"):
        paper.key_in(congress_db, poll.id, 1, {"items": ["赞成", "赞成"]}, FIRST)
    paper.issue(congress_db, poll.id, 1, STAFF)
    voting.close_poll(congress_db, poll.id, CHAIR)
    with pytest.raises(InvalidInput, match="每项都要录入赞成、反对、弃权或无效"):
        paper.key_in(congress_db, poll.id, 1, {"items": ["赞成"]}, FIRST)
    with pytest.raises(InvalidInput, match="选票编号须在 1 到"):
        paper.key_in(congress_db, poll.id, 0, {"items": ["赞成", "赞成"]}, FIRST)
    both(congress_db, poll.id, 7, {"items": ["赞成", "无效"]})
    items = voting.tally(congress_db, poll.id, FIRST)["items"]
    assert (items[0]["yes"], items[0]["invalid"], items[1]["cast"], items[1]["invalid"]) == (1, 0, 0, 1)


@pytest.fixture()
def staff(app: Any) -> Any:
    return account(app, "cg_staff", "congress_secretariat")


def test_printed_ballots_carry_serials_the_write_in_column_and_the_notice(
        app: Any, congress_db: Any, staff: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll = voting.create_poll(congress_db, sitting.session_id, "election", "补选工会委员", ["张一", "李二", "王三"], CHAIR,
                              seats=2)
    page = staff.get(f"/congress/poll/{poll.id}/paper-ballots?first=9&count=3")
    body = text(page)
    assert page.status_code == 200
    assert re.findall(r"编号 <strong>(\d+)</strong>", body) == ["0009", "0010", "0011"]
    assert body.count("另选他人<br>") == 6 and body.count("多选无效") == 3 and "无记名投票" in body
    assert "congress-ballot.css" in body and not re.search(r'(src|href)="https?://', body)
    css = app.test_client().get("/static/congress-ballot.css")
    assert "size: A5" in text(css) and "url(" not in text(css)
    css.close()
    refused = staff.get(f"/congress/poll/{poll.id}/paper-ballots?first=1&count=abc")
    assert refused.status_code == 422 and "打印张数“abc”不是整数" in text(refused)
    ballots = staff.get(f"/congress/{sitting.session_id}/ballots")
    assert ballots.status_code == 200 and "补选工会委员" in text(ballots)


def test_the_tellers_page_names_the_serials_to_recheck(app: Any, congress_db: Any,
                                                       make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = election_with_paper(congress_db, sitting, paper_out=1)
    first = account(app, "cg_teller", "congress_teller")
    second = account(app, "cg_teller2", "congress_teller")
    sid = sitting.session_id
    assert first.post(f"/congress/poll/{poll_id}/paper", data={"serial": "3", "mark": ["张一", "王三"]}
                      ).status_code == 303
    assert second.post(f"/congress/poll/{poll_id}/paper", data={"serial": "3", "mark": ["张一"]}).status_code == 303
    page = text(first.get(f"/congress/{sid}/teller"))
    assert "两次录入不一致，请取出原票复核：<strong>0003</strong> 号" in page
    blocked = first.post(f"/congress/poll/{poll_id}/publish", data={"tellers": "张监票、李计票"})
    assert blocked.status_code == 409 and "两次录入不一致的选票编号：0003" in text(blocked)
    counted = first.post(f"/congress/poll/{poll_id}/count")
    assert counted.status_code == 409 and "0003" in text(counted)
    bad = first.post(f"/congress/poll/{poll_id}/paper", data={"serial": "三", "mark": ["张一"]})
    assert bad.status_code == 422 and "选票编号“三”不是整数" in text(bad)
    assert second.post(f"/congress/poll/{poll_id}/paper", data={"serial": "3", "mark": ["张一", "王三"]}
                       ).status_code == 303
    assert first.post(f"/congress/poll/{poll_id}/count").status_code == 303
    page = text(first.get(f"/congress/{sid}/teller"))
    assert "有效 1 张，无效 1 张" in page and "纸质选票：发出 1 张，收回 1 张" in page
    assert first.post(f"/congress/poll/{poll_id}/publish", data={"tellers": "张监票、李计票"}).status_code == 303
