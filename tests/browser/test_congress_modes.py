"""The congress's ballot modes in a real browser: an election where a delegate writes a name in on the phone
(390×844), paper ballots are printed and handed out, and after the close two tellers key in an over-marked
paper ballot (a mismatch first, which blocks the count and the publication, then corrected); the result,
phones and paper together, is published. Screenshots: ``test-artifacts/browser/<database>-modes-<step>.png``."""

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
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TITLE = "补选工会委员会委员"


def prepare(app: Any, tag: str = "") -> dict[str, Any]:
    """A frozen session of three delegates, all checked in; one has a phone account; staff, chair, two tellers."""
    from portal.congress import models, service
    from portal.demo import Writer
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name="第二纺织厂第三届职工代表大会", term_no=3 + len(tag), term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db.session.add(congress)
        db.session.flush()
        sitting = models.CongressSession(congress_id=congress.id, number=1 + len(tag), held_on=date(2026, 4, 8),
                                         place="职工之家", session_type="职代会")
        db.session.add(sitting)
        db.session.commit()
        members = Writer().models["members"]
        member_ids = add_members(3)
        db.session.execute(sa.update(members).where(members.id == member_ids[0]).values(email=f"modes{tag}@factory.example"))
        db.session.commit()
        delegates = [service.add_delegate(db.session, congress.id, member_id, "秘书处") for member_id in member_ids]
        service.freeze_roster(db.session, sitting.id, "秘书处")
        for delegate in delegates:
            service.check_in(db.session, sitting.id, delegate.id, "秘书处")
        for username, role in (("staff", "congress_secretariat"), ("chair", "congress_presidium"),
                               ("teller1", "congress_teller"), ("teller2", "congress_teller")):
            create_user(f"md{tag}_{username}", PASSWORD, role)
        create_user(f"md{tag}_voter", PASSWORD, "delegate", email=f"modes{tag}@factory.example")
        return {"session_id": sitting.id}


def desk_page(browser: Any, network: NetworkLog, server: LiveServer, username: str) -> Any:
    page = watch(new_context(browser, network, viewport=DESK).new_page(), network)
    log_in(page, server, username, PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def key_paper(page: Any, marks: tuple[str, ...]) -> None:
    form = page.locator(".congress-paper-entry")
    form.get_by_label("选票编号").fill("1")
    for name in marks:
        form.get_by_label(name, exact=True).check()
    form.get_by_role("button", name="录入这张选票").click()
    expect(page.locator(".alert-success")).to_contain_text("第 0001 号纸质选票已录入")


def test_write_in_on_a_phone_and_an_over_marked_paper_ballot_keyed_by_two_tellers(
        live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    server = live_server
    sid = prepare(server.app)["session_id"]
    shot = server.screenshot_path

    chair = desk_page(browser, network, server, "md_chair")
    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.select_option("#poll-kind", "election")
    chair.fill("#poll-title", TITLE)
    chair.fill("#poll-options", "张一\n李二\n王三")
    chair.fill("#poll-seats", "1")
    chair.click(".congress-new-poll [type=submit]")
    chair.locator(f'tr:has-text("{TITLE}")').get_by_role("button", name="开启表决").click()
    expect(chair.locator(f'tr:has-text("{TITLE}") .congress-turnout')).to_contain_text("已投票 0 人")

    staff = desk_page(browser, network, server, "md_staff")
    staff.goto(f"{server.url}/congress/{sid}/ballots")
    row = staff.locator(f'tr:has-text("{TITLE}")')
    row.locator(".congress-issue-paper").get_by_label("发出张数").fill("2")
    row.get_by_role("button", name="登记发出纸质选票").click()
    expect(staff.locator(".alert-success")).to_contain_text("累计发出 2 张")
    expect(row.locator('[data-figure="paper-issued"]')).to_have_text("2")
    staff.screenshot(path=str(shot("modes-01-ballots")), full_page=True)
    poll_id = row.get_attribute("data-poll")
    staff.goto(f"{server.url}/congress/poll/{poll_id}/paper-ballots?first=1&count=2")
    expect(staff.locator(".paper-serial").first).to_contain_text("编号 0001")
    expect(staff.locator(".paper-invalid").first).to_contain_text("多选无效")
    staff.screenshot(path=str(shot("modes-02-paper-ballots")), full_page=True)

    phone = watch(new_context(browser, network, **PHONE).new_page(), network)
    log_in(phone, server, "md_voter", PASSWORD)
    phone.goto(f"{server.url}/congress/vote")
    expect(phone.locator(".phone-ballot h1")).to_have_text(TITLE)
    phone.get_by_label("另选他人 1").fill("赵四")
    expect(phone.locator("[data-count]")).to_have_text("已选 1 人（最多 1 人）。")
    phone.screenshot(path=str(shot("modes-03-phone-write-in")), full_page=True)
    phone.get_by_role("button", name="下一步：核对选择").click()
    expect(phone.locator(".phone-summary")).to_contain_text("另选他人：赵四")
    phone.get_by_role("button", name="确认投票").click()
    expect(phone.locator("[data-receipt]")).to_have_text(re.compile(r"^[2-9A-Z]{5}-[2-9A-Z]{5}$"))
    phone.screenshot(path=str(shot("modes-04-phone-receipt")), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.context.close()

    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.get_by_role("button", name="结束表决并计票").click()
    expect(chair.locator(".alert-success")).to_contain_text("纸质选票由两位计票人分别录入、核对一致后计票")
    expect(chair.locator(".congress-poll-state")).to_have_text("已封存")

    first = desk_page(browser, network, server, "md_teller1")
    first.goto(f"{server.url}/congress/{sid}/teller")
    key_paper(first, ("张一", "李二"))  # the ballot as marked: two names for one seat
    second = desk_page(browser, network, server, "md_teller2")
    second.goto(f"{server.url}/congress/{sid}/teller")
    key_paper(second, ("张一",))  # misread: one name only
    expect(second.locator(".congress-mismatch")).to_contain_text("0001")
    expect(second.locator(".congress-publish")).to_have_count(0)  # nothing to publish while they differ
    expect(second.locator(".congress-publish-blocked")).to_contain_text("两次录入一致并计票后才能公布")
    second.get_by_role("button", name="核对并计票").click()
    expect(second.locator(".congress-error")).to_contain_text("两次录入不一致的选票编号：0001")
    second.screenshot(path=str(shot("modes-05-teller-mismatch")), full_page=True)

    second.goto(f"{server.url}/congress/{sid}/teller")
    key_paper(second, ("张一", "李二"))  # re-checked against the paper ballot and corrected
    expect(second.locator(".congress-mismatch")).to_have_count(0)
    second.get_by_role("button", name="核对并计票").click()
    result = second.locator(".congress-result")
    expect(result).to_contain_text("发出 3 张，收回 2 张，有效 1 张，无效 1 张")
    expect(result).to_contain_text("赵四：1 票（另选他人）")
    expect(result).to_contain_text("纸质选票：发出 2 张，收回 1 张")
    second.fill(f"#tellers-{poll_id}", "钱监票、孙计票")
    second.get_by_role("button", name="公布结果").click()
    expect(second.locator(".alert-success")).to_contain_text("结果已公布")
    second.screenshot(path=str(shot("modes-06-teller-published")), full_page=True)
    second.goto(f"{server.url}/congress/poll/{poll_id}/announcement")
    expect(second.locator(".notice-table")).to_contain_text("钱监票、孙计票")
    second.screenshot(path=str(shot("modes-07-announcement")), full_page=True)

    assert network.blocked == [] and network.page_errors == []
    assert [line.split(" ")[:2] for line in network.bad_responses] == [["409", "POST"]]


def test_a_token_card_votes_once_on_a_phone_without_a_login(live_server: LiveServer, browser: Any,
                                                            network: NetworkLog) -> None:
    server = live_server
    sid = prepare(server.app, "c")["session_id"]
    shot = server.screenshot_path
    chair = desk_page(browser, network, server, "mdc_chair")
    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.fill("#poll-title", "关于职工食堂改造方案的表决")
    chair.fill("#poll-options", "职工食堂改造方案")
    chair.click(".congress-new-poll [type=submit]")
    chair.get_by_role("button", name="开启表决").click()

    staff = desk_page(browser, network, server, "mdc_staff")
    staff.goto(f"{server.url}/congress/{sid}/ballots")
    staff.get_by_label("制作张数").fill("8")
    staff.get_by_role("button", name="制作并打印表决卡").click()
    expect(staff.locator(".token-card")).to_have_count(8)
    staff.screenshot(path=str(shot("modes-08-token-cards")), full_page=True)
    token = staff.locator(".token-code").first.inner_text()
    staff.goto(f"{server.url}/congress/{sid}/ballots")
    staff.get_by_role("button", name="发出 1 张表决卡").click()
    expect(staff.locator('[data-figure="cards-issued"]')).to_have_text("1")

    phone = watch(new_context(browser, network, **PHONE).new_page(), network)  # nobody signs in
    phone.goto(f"{server.url}/congress/t/{token}")
    expect(phone.locator(".phone-note")).to_contain_text("不记录哪张卡发给了谁")
    phone.locator('input[name="item-0"][value="赞成"]').check()
    phone.screenshot(path=str(shot("modes-09-card-ballot")), full_page=True)
    phone.get_by_role("button", name="下一步：核对选择").click()
    phone.get_by_role("button", name="确认投票").click()
    expect(phone.locator("[data-receipt]")).to_have_text(re.compile(r"^[2-9A-Z]{5}-[2-9A-Z]{5}$"))
    phone.goto(f"{server.url}/congress/t/{token}")
    expect(phone.locator(".phone-error")).to_contain_text("这张表决卡已经投过票，每张卡只能投一次")
    phone.screenshot(path=str(shot("modes-10-card-used")), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.get_by_role("button", name="结束表决并计票").click()
    result = chair.locator(".congress-result")
    expect(result).to_contain_text("表决卡：发出 1 张，收回 1 张")
    expect(result).to_contain_text("赞成 1 票，反对 0 票，弃权 0 票")
    assert network.blocked == [] and network.page_errors == []
    assert [line.split(" ")[:2] for line in network.bad_responses] == [["409", "GET"]]
