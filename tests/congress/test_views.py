"""portal.congress.views: the check-in, chair and phone screens, their refusals and their secrecy."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from portal.congress import service
from portal.congress.cards import card_code
from portal.congress.models import CheckIn, Congress, CongressSession, Delegate, Participation, Poll
from tests.conftest import login

from .conftest import STAFF, Sitting, add_members

PASSWORD = "Congress-pass-2026"
RECEIPT = re.compile(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")


class OwnContextClient(FlaskClient):
    """Each request in an app context of its own, as in production. The congress fixtures hold one
    open for the test, and Flask would reuse it, so ``g`` (and the signed-in user Flask-Login keeps
    in it) would leak from one client's request to the next."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        held = []
        while (context := _cv_app.get(None)) is not None:
            context.pop()
            held.append(context)
        try:
            return super().open(*args, **kwargs)
        finally:
            for context in reversed(held):
                context.push()


def account(app: Any, username: str, role: str, email: str | None = None, org_code: str | None = None) -> Any:
    """A signed-in test client for ``username`` (the account is made once per database)."""
    from portal.extensions import db
    from portal.security.accounts import create_user

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        if user is None:
            create_user(username, PASSWORD, role, email=email, org_code=org_code)
        elif email and user.email != email:
            user.email = email
            db.session.commit()
    client = OwnContextClient(app, app.response_class, use_cookies=True)
    assert login(client, username, PASSWORD).status_code == 302
    return client


def give_email(db: Any, delegate_id: int, email: str) -> None:
    """Record ``email`` on the delegate's member row (the link between an account and a delegate)."""
    from portal.demo import Writer

    members = Writer().models["members"]
    member_id = service.get_delegate(db, delegate_id).member_id
    db.execute(sa.update(members).where(members.id == member_id).values(email=email))
    db.commit()


def text(response: Any) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def staff(app: Any) -> Any:
    return account(app, "cg_staff", "congress_secretariat")


@pytest.fixture()
def chair(app: Any) -> Any:
    return account(app, "cg_chair", "congress_presidium")


def delegate_client(app: Any, db: Any, sitting: Sitting, index: int) -> Any:
    email = f"delegate{index}@factory.example"
    give_email(db, sitting.voters[index], email)
    return account(app, f"cg_delegate{index}", "delegate", email)


def test_every_state_change_refuses_get(app: Any, congress_db: Any, staff: Any, chair: Any,
                                        make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    voter = delegate_client(app, congress_db, sitting, 0)
    posts = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("CongressView.")
             and "POST" in rule.methods]
    assert {rule.endpoint.split(".")[1] for rule in posts} == {"scan", "mark", "create_poll", "open_poll",
                                                              "close_poll", "confirm", "edit", "cast", "new_congress",
                                                              "self_checkin", "self_checkin_toggle",
                                                              "new_session", "seat", "freeze", "publish",
                                                              "make_cards", "issue", "card_confirm", "card_cast",
                                                              "key_paper", "count_paper", "import_delegates",
                                                              "import_commit", "make_resolution"}
    teller = account(app, "cg_teller", "congress_teller")
    for rule in posts:
        url = (rule.rule.replace("<int:session_id>", str(sitting.session_id)).replace("<int:poll_id>", "1")
               .replace("<token>", "not-a-card"))
        for client in (staff, chair, voter, teller):
            assert client.get(url).status_code == 405, url


def test_each_screen_answers_only_its_role(app: Any, congress_db: Any, staff: Any, chair: Any,
                                           make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    sid = sitting.session_id
    voter = delegate_client(app, congress_db, sitting, 0)
    viewer = account(app, "cg_viewer", "viewer")
    screens = {f"/congress/{sid}/checkin": staff, f"/congress/{sid}/chair": chair, "/congress/vote": voter}
    for url, allowed in screens.items():
        for client in (staff, chair, voter, viewer):
            assert client.get(url).status_code == (200 if client is allowed else 403), url
    for client in (staff, chair, voter):
        assert client.get("/congress/").status_code == 200
    assert viewer.get("/congress/").status_code == 403
    # the steps too, not only the screens
    assert voter.post(f"/congress/{sid}/mark", data={"action": "search", "delegate_id": sitting.voters[0]}
                      ).status_code == 403
    assert staff.post(f"/congress/{sid}/polls", data={"kind": "item", "title": "越权", "options": "甲"}
                      ).status_code == 403
    assert chair.post("/congress/vote/1/cast", data={"item-0": "赞成"}).status_code == 403
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Poll)) == 0


def test_staff_check_in_by_card_search_manual_leave_and_departure(app: Any, congress_db: Any, staff: Any,
                                                                  make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=4)
    sid, first, second, third = sitting.session_id, *sitting.voters[:3]
    page = text(staff.get(f"/congress/{sid}/checkin"))
    assert "代表000" in page and 'data-figure="total">4<' in page and 'data-figure="present">0<' in page
    scanned = staff.post(f"/congress/{sid}/scan", data={"code": card_code(app.config["SECRET_KEY"], first).lower()})
    assert scanned.status_code == 303
    assert "代表000 签到成功" in text(staff.get(scanned.location))
    forged = staff.post(f"/congress/{sid}/scan", data={"code": f"DB{second}-00000000"})
    assert forged.status_code == 422 and "无法识别，请重新扫码" in text(forged)
    again = staff.post(f"/congress/{sid}/scan", data={"code": card_code(app.config["SECRET_KEY"], first)})
    assert again.status_code == 409 and "代表000 已签到，无需重复签到" in text(again)
    no_reason = staff.post(f"/congress/{sid}/mark", data={"action": "manual", "delegate_id": second, "reason": " "})
    assert no_reason.status_code == 422 and "为 代表001 补签时请填写补签原因" in text(no_reason)
    assert staff.post(f"/congress/{sid}/mark", data={"action": "manual", "delegate_id": second,
                                                     "reason": "代表证遗失"}).status_code == 303
    assert staff.post(f"/congress/{sid}/mark", data={"action": "leave", "delegate_id": third,
                                                     "reason": "出差"}).status_code == 303
    assert staff.post(f"/congress/{sid}/mark", data={"action": "out", "delegate_id": first}).status_code == 303
    assert service.attendance(congress_db, sid).as_dict() == {"total": 4, "present": 1}
    assert staff.get(f"/congress/{sid}/attendance").get_json() == {
        "total": 4, "present": 1, "on_leave": 1, "absent": 2, "quorum_met": False,
        "quorum": "应到 4 人，实到 1 人，未达到不少于应到人数的三分之二所需的 3 人，还差 2 人，不能开启表决；请继续签到后再试。"}
    assert "已为 代表000 登记离场" in text(staff.get(f"/congress/{sid}/checkin"))
    found = text(staff.get(f"/congress/{sid}/checkin?q=001"))
    assert "代表001" in found and "代表000" not in found and "已签到" in found
    events = congress_db.scalars(sa.select(CheckIn.method).where(CheckIn.session_id == sid).order_by(CheckIn.id))
    assert list(events) == ["scan", "manual", "manual", "search"]
    assert "找不到编号为 424242 的大会会次" in text(staff.get("/congress/424242/checkin"))


def open_item_vote(chair: Any, db: Any, sitting: Sitting, title: str = "集体合同草案表决") -> int:
    created = chair.post(f"/congress/{sitting.session_id}/polls",
                         data={"kind": "item", "title": title, "options": "集体合同草案\n工资调整方案\n"})
    assert created.status_code == 303
    poll_id = db.scalar(sa.select(Poll.id).where(Poll.title == title))
    return int(poll_id)


def test_chair_is_refused_below_quorum_sees_turnout_then_both_bases(app: Any, congress_db: Any, chair: Any,
                                                                   make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=6)
    sid = sitting.session_id
    poll_id = open_item_vote(chair, congress_db, sitting)
    for delegate_id in sitting.voters[:3]:
        service.check_in(congress_db, sid, delegate_id, STAFF)
    refused = chair.post(f"/congress/poll/{poll_id}/open")
    assert refused.status_code == 409
    assert "不能开启“集体合同草案表决”：应到 6 人，实到 3 人，未达到不少于应到人数的三分之二所需的 4 人，还差 1 人" in text(refused)
    service.check_in(congress_db, sid, sitting.voters[3], STAFF)
    assert chair.post(f"/congress/poll/{poll_id}/open").status_code == 303
    voters = [delegate_client(app, congress_db, sitting, index) for index in range(4)]
    for voter, choice in zip(voters, ["赞成", "赞成", "赞成", "反对"]):
        assert voter.post(f"/congress/vote/{poll_id}/cast", data={"item-0": choice, "item-1": "弃权"}
                          ).status_code == 200
    during = text(chair.get(f"/congress/{sid}/chair"))
    assert "已投票 4 人" in during and "赞成 3 票" not in during
    bad_seats = chair.post(f"/congress/{sid}/polls", data={"kind": "election", "title": "补选", "options": "甲",
                                                          "seats": "两"})
    assert bad_seats.status_code == 422 and "应选人数“两”不是整数" in text(bad_seats)
    assert chair.post(f"/congress/poll/{poll_id}/close").status_code == 303
    after = text(chair.get(f"/congress/{sid}/chair"))
    assert "已封存" in after and "已投票" not in after
    assert "应到 6 人；开启时实到 4 人，结束时实到 4 人；发出 4 张，收回 4 张" in after
    assert "赞成 3 票，反对 1 票，弃权 0 票" in after
    assert "以全体代表 6 人为基数，赞成须超过半数（至少 4 票）：未通过" in after
    assert "参照：以实到代表 4 人为基数（至少 3 票）：过半" in after
    closed_again = chair.post(f"/congress/poll/{poll_id}/close")
    assert closed_again.status_code == 409 and "当前已封存，此操作只能在投票中时进行" in text(closed_again)


def test_a_delegate_votes_once_on_their_own_ballot_and_gets_a_receipt(app: Any, congress_db: Any, chair: Any,
                                                                      make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    sid = sitting.session_id
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sid, delegate_id, STAFF)
    voter = delegate_client(app, congress_db, sitting, 1)
    assert "现在没有进行中的表决" in text(voter.get("/congress/vote"))
    poll_id = open_item_vote(chair, congress_db, sitting)
    chair.post(f"/congress/poll/{poll_id}/open")
    ballot = text(voter.get("/congress/vote"))
    assert "集体合同草案表决" in ballot and 'name="item-1" value="弃权"' in ballot
    incomplete = voter.post(f"/congress/vote/{poll_id}/confirm", data={"item-0": "赞成"})
    assert incomplete.status_code == 422 and "每项都要选择赞成、反对或弃权之一" in text(incomplete)
    confirm = voter.post(f"/congress/vote/{poll_id}/confirm", data={"item-0": "赞成", "item-1": "反对"})
    assert confirm.status_code == 200 and "工资调整方案：<strong>反对</strong>" in text(confirm)
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0  # confirming writes nothing
    # a delegate number in the form is ignored: the ballot is always the account's own
    cast = voter.post(f"/congress/vote/{poll_id}/cast",
                      data={"item-0": "赞成", "item-1": "反对", "delegate_id": sitting.voters[0]})
    assert cast.status_code == 200 and RECEIPT.search(text(cast))
    assert congress_db.scalars(sa.select(Participation.delegate_id)).all() == [sitting.voters[1]]
    twice = voter.post(f"/congress/vote/{poll_id}/cast", data={"item-0": "反对", "item-1": "反对"})
    assert twice.status_code == 409 and "您已经对“集体合同草案表决”投过票" in text(twice)
    assert "您已投票" in text(voter.get("/congress/vote"))
    service.check_out(congress_db, sid, sitting.voters[2], STAFF)
    gone = delegate_client(app, congress_db, sitting, 2)
    refused = gone.post(f"/congress/vote/{poll_id}/cast", data={"item-0": "赞成", "item-1": "赞成"})
    assert refused.status_code == 409 and "您尚未签到或已离场" in text(refused)
    stranger = account(app, "cg_stranger", "delegate", "nobody@factory.example")
    unknown = stranger.get("/congress/vote")
    assert unknown.status_code == 404 and "您的账号没有对应的代表" in text(unknown)


def test_an_over_marked_election_ballot_is_refused_and_a_write_in_confirmed(
        app: Any, congress_db: Any, chair: Any, make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    chair.post(f"/congress/{sitting.session_id}/polls",
               data={"kind": "election", "title": "补选工会委员", "options": "张一\n李二\n王三", "seats": "2"})
    poll_id = int(congress_db.scalar(sa.select(Poll.id).where(Poll.title == "补选工会委员")))
    assert chair.post(f"/congress/poll/{poll_id}/open").status_code == 303
    voter = delegate_client(app, congress_db, sitting, 0)
    assert 'data-seats="2"' in text(voter.get("/congress/vote"))
    over = voter.post(f"/congress/vote/{poll_id}/confirm", data={"mark": ["张一", "李二"], "write_in": ["赵四", ""]})
    assert over.status_code == 422 and "应选 2 人，您选了 3 人；多选的选票无效" in text(over)
    # the refused ballot comes back as it was sent, to be corrected rather than filled in again
    assert re.search(r'value="张一"\s+checked', text(over)) and re.search(r'value="李二"\s+checked', text(over))
    assert not re.search(r'value="王三"\s+checked', text(over)) and 'value="赵四"' in text(over)
    confirm = voter.post(f"/congress/vote/{poll_id}/confirm", data={"mark": ["张一"], "write_in": ["赵四", ""]})
    assert "另选他人：<strong>赵四</strong>" in text(confirm)
    back = text(voter.post(f"/congress/vote/{poll_id}/edit", data={"mark": ["张一"], "write_in": ["赵四"]}))
    assert re.search(r'value="张一"\s+checked', back) and not re.search(r'value="李二"\s+checked', back)
    assert 'value="赵四"' in back
    assert congress_db.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0


def test_no_screen_shows_who_chose_what(app: Any, congress_db: Any, staff: Any, chair: Any,
                                        make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    sid = sitting.session_id
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sid, delegate_id, STAFF)
    poll_id = open_item_vote(chair, congress_db, sitting)
    chair.post(f"/congress/poll/{poll_id}/open")
    receipts = []
    for index, choice in enumerate(["赞成", "反对", "弃权"]):
        cast = delegate_client(app, congress_db, sitting, index).post(
            f"/congress/vote/{poll_id}/cast", data={"item-0": choice, "item-1": choice})
        receipts += RECEIPT.findall(text(cast))
    assert len(receipts) == 3
    chair.post(f"/congress/poll/{poll_id}/close")
    pages = [text(staff.get(f"/congress/{sid}/checkin")), text(chair.get(f"/congress/{sid}/chair")),
             text(staff.get("/congress/")), str(staff.get(f"/congress/{sid}/attendance").get_json())]
    for page in pages:
        assert not any(receipt in page for receipt in receipts)
    roster_page = pages[0]
    assert "赞成" not in roster_page and "反对" not in roster_page and "已投票" not in roster_page
    # the chair sees the counts only, and no name of a delegate
    assert "赞成 1 票，反对 1 票，弃权 1 票" in pages[1] and "代表000" not in pages[1]


def test_staff_set_up_a_congress_a_session_its_delegates_and_freeze_the_roster(app: Any, congress_db: Any, staff: Any,
                                                                               chair: Any) -> None:
    term = {"name": "第一机械厂第五届职工代表大会", "term_no": "5", "term_start": "2025-01-01", "term_end": "2029-12-31"}
    bad_date = staff.post("/congress/new", data={**term, "term_start": "2025年1月"})
    assert bad_date.status_code == 422 and "任期开始日期“2025年1月”不是日期，请按 2026-03-20 的格式填写" in text(bad_date)
    assert chair.post("/congress/new", data=term).status_code == 403
    assert staff.post("/congress/new", data=term).status_code == 303
    congress_id = congress_db.scalar(sa.select(Congress.id))
    meeting = {"congress_id": congress_id, "number": "1", "held_on": "2026-03-20", "place": "厂部大礼堂",
               "session_type": "职代会"}
    wrong_type = staff.post("/congress/sessions", data={**meeting, "session_type": "大会"})
    assert wrong_type.status_code == 422 and "会议类型“大会”无法识别，请选择：职代会、会员代表大会、职工大会" in text(wrong_type)
    created = staff.post("/congress/sessions", data=meeting)
    session_id = congress_db.scalar(sa.select(CongressSession.id))
    assert created.status_code == 303 and created.location.endswith(f"/congress/{session_id}/delegates")
    twice = staff.post("/congress/sessions", data=meeting)
    assert twice.status_code == 409 and "已有第 1 次会议" in text(twice)

    voter, guest = add_members(2)
    outside = text(staff.get(f"/congress/{session_id}/delegates?q=代表"))  # staff of no unit: members stay hidden
    assert f'name="member_id" value="{voter}"' not in outside and "或不在您的管理范围内" in outside
    staff = account(app, "cg_staff_cg", "congress_secretariat", org_code="CG")  # staff of the members' union
    found = text(staff.get(f"/congress/{session_id}/delegates?q=代表"))
    assert f'name="member_id" value="{voter}"' in found
    for member_id, role in ((voter, "代表"), (guest, "列席")):
        assert staff.post(f"/congress/{session_id}/seat", data={"member_id": member_id, "role": role,
                                                                "delegation": "第一代表团"}).status_code == 303
    again = staff.post(f"/congress/{session_id}/seat", data={"member_id": voter, "role": "代表"})
    assert again.status_code == 409 and "已是本届大会的代表" in text(again)
    delegate_id = congress_db.scalar(sa.select(Delegate.id).where(Delegate.member_id == voter))
    assert card_code(app.config["SECRET_KEY"], delegate_id) in text(staff.get(f"/congress/{session_id}/delegates"))
    frozen = staff.post(f"/congress/{session_id}/freeze")
    assert frozen.status_code == 303 and frozen.location.endswith(f"/congress/{session_id}/checkin")
    assert service.attendance(congress_db, session_id).total == 1  # only 代表 count, not 列席
    refrozen = staff.post(f"/congress/{session_id}/freeze")
    assert refrozen.status_code == 409 and "不能再次冻结" in text(refrozen)
    assert "名单已于" in text(staff.get(f"/congress/{session_id}/delegates"))
