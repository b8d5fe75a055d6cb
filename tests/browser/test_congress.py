"""The congress in a real browser: staff check delegates in to the quorum (card scan and search), the chair is
refused below it and then opens a vote, two delegates vote on phones (360×740), the chair closes and reads the
result. Screenshots: ``test-artifacts/browser/<database>-congress-<step>.png`` (1366 px and 360 px wide)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Congress-pass-2026"
DESK = {"width": 1366, "height": 900}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TITLE = "关于集体合同草案的表决"


def prepare_congress(app: Any) -> dict[str, Any]:
    """A frozen session of three voting delegates, two of them with accounts, and the staff and chair accounts."""
    from portal.congress import models, service
    from portal.demo import Writer
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name="第一机械厂第五届职工代表大会", term_no=5, term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db.session.add(congress)
        db.session.flush()
        sitting = models.CongressSession(congress_id=congress.id, number=2, held_on=date(2026, 3, 20),
                                         place="厂部大礼堂", session_type="职代会")
        db.session.add(sitting)
        db.session.commit()
        members = Writer().models["members"]
        delegates = []
        for index, member_id in enumerate(add_members(3)):
            db.session.execute(sa.update(members).where(members.id == member_id)
                               .values(email=f"voter{index}@factory.example"))
            db.session.commit()
            delegates.append(service.add_delegate(db.session, congress.id, member_id, "秘书处", delegation="第一代表团"))
        service.freeze_roster(db.session, sitting.id, "秘书处")
        for username, role in (("cg_staff", "congress_secretariat"), ("cg_chair", "congress_presidium")):
            create_user(username, PASSWORD, role)
        for index in range(2):
            create_user(f"cg_voter{index}", PASSWORD, "delegate", email=f"voter{index}@factory.example")
        names = [service.delegate_name(db.session, delegate) for delegate in delegates]
        return {"session_id": sitting.id, "delegates": [d.id for d in delegates], "names": names}


def desk_page(browser: Any, network: NetworkLog, server: LiveServer, username: str) -> Any:
    page = watch(new_context(browser, network, viewport=DESK).new_page(), network)
    log_in(page, server, username, PASSWORD)
    return page


def test_check_in_to_quorum_vote_on_phones_and_read_the_result(live_server: LiveServer, browser: Any,
                                                               network: NetworkLog) -> None:
    from portal.congress.cards import card_code

    server = live_server
    congress = prepare_congress(server.app)
    sid, names = congress["session_id"], congress["names"]
    shot = server.screenshot_path

    chair = desk_page(browser, network, server, "cg_chair")
    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.fill("#poll-title", TITLE)
    chair.fill("#poll-options", "集体合同草案\n2026 年工资调整方案")
    chair.click(".congress-new-poll [type=submit]")
    expect(chair.locator(".congress-polls")).to_contain_text(TITLE)
    chair.get_by_role("button", name="开启表决").click()
    expect(chair.locator(".congress-error")).to_contain_text("应到 3 人，实到 0 人，未达到不少于应到人数的三分之二所需的 2 人")
    chair.screenshot(path=str(shot("congress-01-chair-refused")), full_page=True)

    staff = desk_page(browser, network, server, "cg_staff")
    staff.goto(f"{server.url}/congress/{sid}/checkin")
    expect(staff.locator('[data-figure="total"]')).to_have_text("3")
    staff.locator("#card-code").type(card_code(server.app.config["SECRET_KEY"], congress["delegates"][0]) + "\n")
    expect(staff.locator(".alert-success")).to_contain_text(f"{names[0]} 签到成功")
    staff.fill("#search-name", names[1])
    staff.click(".congress-search [type=submit]")
    staff.locator(f'tr[data-delegate="{congress["delegates"][1]}"] button[value=search]').click()
    expect(staff.locator('[data-figure="present"]')).to_have_text("2")
    expect(staff.locator('[data-figure="quorum"]')).to_contain_text("达到不少于应到人数的三分之二")
    staff.goto(f"{server.url}/congress/{sid}/checkin")
    staff.screenshot(path=str(shot("congress-02-checkin")), full_page=True)
    staff.goto(f"{server.url}/congress/")
    expect(staff.locator(".congress-sessions")).to_contain_text("第一机械厂第五届职工代表大会")
    staff.screenshot(path=str(shot("congress-02a-sessions")), full_page=True)
    staff.goto(f"{server.url}/congress/{sid}/delegates")
    expect(staff.locator(".congress-delegates")).to_contain_text(names[2])
    staff.screenshot(path=str(shot("congress-02b-delegates")), full_page=True)

    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.get_by_role("button", name="开启表决").click()
    expect(chair.locator(".congress-turnout")).to_contain_text("已投票 0 人")

    for index, choices in enumerate((("赞成", "赞成"), ("反对", "弃权"))):
        phone = watch(new_context(browser, network, **PHONE).new_page(), network)
        log_in(phone, server, f"cg_voter{index}", PASSWORD)
        phone.goto(f"{server.url}/congress/vote")
        expect(phone.locator(".phone-ballot h1")).to_have_text(TITLE)
        for item, choice in enumerate(choices):
            phone.locator(f'input[name="item-{item}"][value="{choice}"]').check()
        if index == 0:
            phone.screenshot(path=str(shot("congress-03-phone-ballot")), full_page=True)
        phone.get_by_role("button", name="下一步：核对选择").click()
        expect(phone.locator(".phone-summary")).to_contain_text(f"集体合同草案：{choices[0]}")
        if index == 0:
            phone.screenshot(path=str(shot("congress-04-phone-confirm")), full_page=True)
        phone.get_by_role("button", name="确认投票").click()
        expect(phone.locator("[data-receipt]")).to_have_text(re.compile(r"^[2-9A-Z]{5}-[2-9A-Z]{5}$"))
        if index == 0:
            phone.screenshot(path=str(shot("congress-05-phone-receipt")), full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out sideways
        phone.goto(f"{server.url}/congress/vote")
        expect(phone.locator(".phone-done")).to_contain_text("您已投票")
        phone.context.close()

    chair.goto(f"{server.url}/congress/{sid}/chair")
    expect(chair.locator(".congress-turnout")).to_contain_text("已投票 2 人")
    chair.on("dialog", lambda dialog: dialog.accept())
    chair.get_by_role("button", name="结束表决并计票").click()
    result = chair.locator(".congress-result")
    expect(result).to_contain_text("赞成 1 票，反对 1 票，弃权 0 票")
    expect(result).to_contain_text("以全体代表 3 人为基数，赞成须超过半数（至少 2 票）：未通过")
    expect(result).to_contain_text("参照：以实到代表 2 人为基数")
    expect(chair.locator(".congress-poll-state")).to_have_text("已封存")
    chair.screenshot(path=str(shot("congress-06-chair-result")), full_page=True)

    # the refused opening is the only answer above 400, and the browser's only complaint
    assert network.blocked == [] and network.page_errors == [] and len(network.console_errors) == 1
    assert [line.split(" ")[:2] for line in network.bad_responses] == [["409", "POST"]]

    # An election: the phone counts the names as they are marked and the server refuses an over-marked ballot.
    chair.select_option("#poll-kind", "election")
    chair.fill("#poll-title", "补选工会委员")
    chair.fill("#poll-options", "张一\n李二\n王三")
    chair.fill("#poll-seats", "1")
    chair.click(".congress-new-poll [type=submit]")
    chair.locator('tr:has-text("补选工会委员")').get_by_role("button", name="开启表决").click()
    expect(chair.locator('tr:has-text("补选工会委员") .congress-turnout')).to_contain_text("已投票 0 人")
    phone = watch(new_context(browser, network, **PHONE).new_page(), network)
    log_in(phone, server, "cg_voter0", PASSWORD)
    phone.goto(f"{server.url}/congress/vote")
    phone.get_by_label("张一").check()
    phone.get_by_label("另选他人 1").fill("赵四")
    expect(phone.locator("[data-count]")).to_contain_text("已选 2 人，超过应选的 1 人，多选的选票无效")
    phone.screenshot(path=str(shot("congress-07-phone-election")), full_page=True)
    phone.get_by_role("button", name="下一步：核对选择").click()
    expect(phone.locator(".phone-error")).to_contain_text("应选 1 人，您选了 2 人；多选的选票无效")
    phone.screenshot(path=str(shot("congress-08-phone-over-marked")), full_page=True)
    expect(phone.get_by_label("张一")).to_be_checked()  # the refused ballot comes back as sent, to be corrected
    phone.get_by_label("张一").uncheck()
    phone.get_by_role("button", name="下一步：核对选择").click()
    expect(phone.locator(".phone-summary")).to_contain_text("另选他人：赵四")
    phone.get_by_role("button", name="返回修改").click()
    expect(phone.get_by_label("另选他人 1")).to_have_value("赵四")
    expect(phone.locator("[data-count]")).to_have_text("已选 1 人（最多 1 人）。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.context.close()
