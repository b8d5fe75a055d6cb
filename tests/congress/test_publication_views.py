"""portal.congress.publication_views: the tellers publish, the hall screen's figures, the announcement."""

from __future__ import annotations

import io
import json
import re
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from python_calamine import CalamineWorkbook

from portal.congress import service, voting
from portal.congress.models import Poll
from portal.domain.china_time import china_date
from portal.security.audit import AuditEntry

from .conftest import STAFF, Sitting
from .test_views import RECEIPT, account, delegate_client, text

TELLERS = "张监票、李计票"


@pytest.fixture()
def staff(app: Any) -> Any:
    return account(app, "cg_staff", "congress_secretariat")


@pytest.fixture()
def chair(app: Any) -> Any:
    return account(app, "cg_chair", "congress_presidium")


@pytest.fixture()
def teller(app: Any) -> Any:
    return account(app, "cg_teller", "congress_teller")


def open_vote(db: Any, sitting: Sitting, title: str = "集体合同草案表决") -> int:
    """Every voter present, and an item vote on two 议题 opened."""
    for delegate_id in sitting.voters:
        service.check_in(db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(db, sitting.session_id, "item", title, ["集体合同草案", "工资调整方案"], STAFF)
    voting.open_poll(db, poll.id, STAFF)
    return poll.id


def cast(db: Any, poll_id: int, delegate_id: int, first: str) -> str:
    return voting.cast(db, poll_id, delegate_id, {"items": [first, "弃权"]})


def closed_vote(db: Any, sitting: Sitting, chair: Any, choices: tuple[str, ...]) -> tuple[int, list[str]]:
    """A vote cast by the first voters with ``choices``, closed, sealed and counted by the chair."""
    poll_id = open_vote(db, sitting)
    receipts = [cast(db, poll_id, delegate_id, choice) for delegate_id, choice in zip(sitting.voters, choices)]
    assert chair.post(f"/congress/poll/{poll_id}/close").status_code == 303
    return poll_id, receipts


def test_a_teller_publishes_a_sealed_result_with_the_tellers_names(app: Any, congress_db: Any, chair: Any,
                                                                   teller: Any, make_sitting: Callable[..., Sitting]
                                                                   ) -> None:
    sitting = make_sitting(voters=3)
    sid = sitting.session_id
    poll_id, receipts = closed_vote(congress_db, sitting, chair, ("赞成", "赞成", "反对"))
    page = text(teller.get(f"/congress/{sid}/teller"))
    assert "集体合同草案表决" in page and "已封存" in page and "赞成 2 票，反对 1 票，弃权 0 票" in page
    assert teller.get(f"/congress/poll/{poll_id}/publish").status_code == 405
    assert chair.post(f"/congress/poll/{poll_id}/publish", data={"tellers": TELLERS}).status_code == 403
    nameless = teller.post(f"/congress/poll/{poll_id}/publish", data={"tellers": " ，"})
    assert nameless.status_code == 422 and "公布“集体合同草案表决”的结果前请填写监票人姓名" in text(nameless)
    published = teller.post(f"/congress/poll/{poll_id}/publish", data={"tellers": "张监票，李计票 张监票"})
    assert published.status_code == 303
    assert "“集体合同草案表决”的结果已公布" in text(teller.get(published.location))
    assert congress_db.scalar(sa.select(Poll.tellers).where(Poll.id == poll_id)) == TELLERS
    assert "已公布" in text(chair.get(f"/congress/{sid}/chair"))
    entry = congress_db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "congress")
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.username == "cg_teller"
    assert entry.detail == f"公布“集体合同草案表决”的结果（监票人：{TELLERS}）"
    again = teller.post(f"/congress/poll/{poll_id}/publish", data={"tellers": TELLERS})
    assert again.status_code == 409 and "当前已公布，只有已封存并计票的结果才能公布" in text(again)
    # nothing in the audit trail names a receipt
    details = congress_db.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "congress")).all()
    assert not any(receipt in detail for receipt in receipts for detail in details)


def test_an_open_poll_cannot_be_published(app: Any, congress_db: Any, teller: Any,
                                          make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = open_vote(congress_db, sitting)
    refused = teller.post(f"/congress/poll/{poll_id}/publish", data={"tellers": TELLERS})
    assert refused.status_code == 409 and "当前投票中，只有已封存并计票的结果才能公布" in text(refused)
    assert "还没有已结束的表决" in text(teller.get(f"/congress/{sitting.session_id}/teller"))


def test_the_hall_figures_show_turnout_while_open_counts_after_the_seal_never_names(
        app: Any, congress_db: Any, staff: Any, chair: Any, teller: Any,
        make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=4)
    sid = sitting.session_id
    url = f"/congress/{sid}/hall.json"
    assert staff.get(f"/congress/{sid}/hall").status_code == 200
    for outsider in (teller, delegate_client(app, congress_db, sitting, 0)):
        assert outsider.get(url).status_code == 403
        assert outsider.get(f"/congress/{sid}/hall").status_code == 403
    poll_id = open_vote(congress_db, sitting)
    first = staff.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.get_json()["present"] == 4 and first.get_json()["polls"][0]["turnout"] == 0
    unchanged = staff.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    receipts = [cast(congress_db, poll_id, sitting.voters[0], "赞成")]
    after_ballot = chair.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after_ballot.status_code == 200
    [open_poll] = after_ballot.get_json()["polls"]
    assert open_poll["turnout"] == 1 and "result" not in open_poll
    receipts.append(cast(congress_db, poll_id, sitting.voters[1], "反对"))
    receipts.append(cast(congress_db, poll_id, sitting.voters[2], "赞成"))
    assert chair.post(f"/congress/poll/{poll_id}/close").status_code == 303
    sealed = chair.get(url, headers={"If-None-Match": after_ballot.headers["ETag"]})
    [counted] = sealed.get_json()["polls"]
    assert "turnout" not in counted and counted["state"] == "已封存"
    assert counted["result"]["items"][0]["bars"] == [["赞成", 2], ["反对", 1], ["弃权", 0]]
    assert counted["result"]["items"][0]["threshold"] == 3 and counted["result"]["items"][0]["verdict"] == "未通过"
    body = sealed.get_data(as_text=True)
    assert not re.search(r"代表\d{3}", body) and not RECEIPT.search(body)
    assert not any(receipt in body for receipt in receipts)


def test_the_announcement_page_and_xlsx_carry_the_figures_and_the_tellers(
        app: Any, congress_db: Any, chair: Any, teller: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    voter = delegate_client(app, congress_db, sitting, 0)
    poll_id, _ = closed_vote(congress_db, sitting, chair, ("赞成", "赞成", "反对"))
    url = f"/congress/poll/{poll_id}/announcement"
    early = voter.get(url)
    assert early.status_code == 403 and "结果尚未公布" in text(early)
    assert voter.get(url + ".xlsx").status_code == 403
    draft = text(teller.get(url))
    assert "结果尚未公布：此稿仅供监票人和主席团核对" in draft
    assert teller.post(f"/congress/poll/{poll_id}/publish", data={"tellers": TELLERS}).status_code == 303
    page = text(voter.get(url))
    assert "<h1>决议公告</h1>" in page and "集体合同草案表决" in page and "尚未公布" not in page
    assert "应到 3 人；开启时实到 3 人，结束时实到 3 人" in page and "发出 3 张，收回 3 张" in page
    assert "赞成 2 票，反对 1 票，弃权 0 票；通过" in page
    assert "以全体代表 3 人为基数，赞成须超过半数（至少 2 票）：通过" in page
    assert f"<th>监票人</th><td>{TELLERS}</td>" in page and "@page { size: A4" not in page
    published_on = china_date(congress_db.scalar(sa.select(Poll.published_at).where(Poll.id == poll_id))).isoformat()
    assert f"<th>公布日期</th><td>{published_on}</td>" in page
    sheet = voter.get(url + ".xlsx")
    assert sheet.status_code == 200 and sheet.headers["Content-Disposition"].endswith(f"announcement-{poll_id}.xlsx")
    with CalamineWorkbook.from_filelike(io.BytesIO(sheet.get_data())) as book:
        rows = book.get_sheet_by_index(0).to_python()
    cells = {row[0]: row[1] for row in rows if row and row[0]}
    assert rows[0][0] == "决议公告：集体合同草案表决"
    assert cells["出席情况"] == "应到 3 人；开启时实到 3 人，结束时实到 3 人"
    assert cells["集体合同草案"] == "赞成 2 票，反对 1 票，弃权 0 票；通过"
    assert cells["监票人"] == TELLERS and cells["公布日期"] == published_on


def test_an_announcement_waits_for_the_count(app: Any, congress_db: Any, chair: Any,
                                             make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    poll_id = open_vote(congress_db, sitting)
    refused = chair.get(f"/congress/poll/{poll_id}/announcement")
    assert refused.status_code == 409 and "当前投票中，计票后才有结果公告" in text(refused)
    assert json.loads(chair.get(f"/congress/{sitting.session_id}/hall.json").get_data())["polls"][0]["turnout"] == 0


def test_an_election_on_the_hall_screen_shows_votes_per_candidate_and_the_elected(
        app: Any, congress_db: Any, chair: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=5)
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(congress_db, sitting.session_id, "election", "补选工会委员", ["张一", "李二", "王三"],
                              STAFF, seats=1)
    voting.open_poll(congress_db, poll.id, STAFF)
    for delegate_id, marks, write_ins in zip(sitting.voters, (["张一"], ["张一"], ["张一"], ["李二"], []),
                                             ([], [], [], [], ["赵四"])):
        voting.cast(congress_db, poll.id, delegate_id, {"marks": marks, "write_ins": write_ins})
    assert chair.post(f"/congress/poll/{poll.id}/close").status_code == 303
    [counted] = chair.get(f"/congress/{sitting.session_id}/hall.json").get_json()["polls"]
    assert dict(counted["result"]["bars"]) == {"张一": 3, "李二": 1, "王三": 0, "赵四": 1}
    assert counted["result"]["elected"] == ["张一"] and counted["result"]["threshold"] == 3
    notice = text(chair.get(f"/congress/poll/{poll.id}/announcement"))
    assert "<h1>选举结果公告</h1>" in notice and "<th>当选</th><td>张一</td>" in notice
    assert "赵四：1 票（另选他人）" in notice
