"""The hall screen (大屏) and the tellers in a real browser: the chair's projector at 1366 px follows a ballot
within two seconds, shows the counts as bars after the close (also at 1920×1080), a teller publishes, and the
announcement prints. Screenshots: ``test-artifacts/browser/<database>-hall-<step>.png``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch

pytestmark = pytest.mark.browser

PASSWORD = "Congress-hall-2026"
TITLE = "关于工资调整方案的表决"
TELLERS = "张监票、李计票"


def prepare_open_vote(app: Any) -> dict[str, Any]:
    """Three delegates, all checked in, an item vote open on two 议题; a chair and a teller account."""
    from portal.congress import models, service, voting
    from portal.extensions import db
    from portal.security.accounts import create_user
    from tests.congress.conftest import add_members

    with app.app_context():
        congress = models.Congress(name="第二纺织厂第三届职工代表大会", term_no=3, term_start=date(2025, 1, 1),
                                   term_end=date(2029, 12, 31))
        db.session.add(congress)
        db.session.flush()
        sitting = models.CongressSession(congress_id=congress.id, number=1, held_on=date(2026, 4, 8),
                                         place="职工之家", session_type="职代会")
        db.session.add(sitting)
        db.session.commit()
        delegates = [service.add_delegate(db.session, congress.id, member_id, "秘书处")
                     for member_id in add_members(3)]
        service.freeze_roster(db.session, sitting.id, "秘书处")
        for delegate in delegates:
            service.check_in(db.session, sitting.id, delegate.id, "秘书处")
        poll = voting.create_poll(db.session, sitting.id, "item", TITLE, ["工资调整方案", "劳动保护条款"], "主席团")
        voting.open_poll(db.session, poll.id, "主席团")
        create_user("hall_chair", PASSWORD, "congress_presidium")
        create_user("hall_teller", PASSWORD, "congress_teller")
        return {"session_id": sitting.id, "poll_id": poll.id, "delegates": [d.id for d in delegates],
                "names": [service.delegate_name(db.session, d) for d in delegates]}


def cast(app: Any, poll_id: int, delegate_id: int, first: str) -> None:
    from portal.congress import voting
    from portal.extensions import db

    with app.app_context():
        voting.cast(db.session, poll_id, delegate_id, {"items": [first, "赞成"]})


def test_the_hall_screen_follows_the_ballots_and_shows_the_counts_after_the_close(
        live_server: LiveServer, browser: Any, network: NetworkLog) -> None:
    server = live_server
    vote = prepare_open_vote(server.app)
    sid, poll_id = vote["session_id"], vote["poll_id"]
    shot = server.screenshot_path

    hall = watch(new_context(browser, network, viewport={"width": 1366, "height": 768}).new_page(), network)
    log_in(hall, server, "hall_chair", PASSWORD)
    hall.goto(f"{server.url}/congress/{sid}/hall")
    expect(hall.locator('[data-hall-figure="present"]')).to_have_text("3")
    turnout = hall.locator(f'[data-hall-poll="{poll_id}"] .hall-turnout')
    expect(turnout).to_have_text("已投票 0 人")
    cast(server.app, poll_id, vote["delegates"][0], "赞成")
    expect(turnout).to_have_text("已投票 1 人", timeout=2000)
    cast(server.app, poll_id, vote["delegates"][1], "反对")
    expect(turnout).to_have_text("已投票 2 人", timeout=2000)
    expect(hall.locator(".hall-chart")).to_have_count(0)
    hall.screenshot(path=str(shot("hall-01-open-1366")))

    chair = watch(new_context(browser, network, viewport={"width": 1366, "height": 900}).new_page(), network)
    log_in(chair, server, "hall_chair", PASSWORD)
    chair.goto(f"{server.url}/congress/{sid}/chair")
    chair.on("dialog", lambda dialog: dialog.accept())
    chair.get_by_role("button", name="结束表决并计票").click()
    expect(chair.locator(".congress-poll-state")).to_have_text("已封存")

    card = hall.locator(f'[data-hall-poll="{poll_id}"]')
    expect(card.locator(".hall-chart")).to_have_count(2, timeout=2000)
    expect(card.locator(".hall-item").first).to_contain_text("工资调整方案：未通过")
    expect(card.locator(".hall-item").first.locator(".hall-bar-row").first).to_contain_text("赞成1 票")
    expect(card).not_to_contain_text("已投票")
    for name in vote["names"]:
        expect(hall.locator("body")).not_to_contain_text(name)
    assert hall.evaluate("document.documentElement.scrollWidth") <= 1366
    hall.screenshot(path=str(shot("hall-02-result-1366")), full_page=True)
    hall.set_viewport_size({"width": 1920, "height": 1080})
    hall.screenshot(path=str(shot("hall-03-result-1920")), full_page=True)

    teller = watch(new_context(browser, network, viewport={"width": 1366, "height": 900}).new_page(), network)
    log_in(teller, server, "hall_teller", PASSWORD)
    teller.goto(f"{server.url}/congress/{sid}/teller")
    teller.on("dialog", lambda dialog: dialog.accept())
    teller.fill(f"#tellers-{poll_id}", TELLERS)
    teller.screenshot(path=str(shot("hall-04a-teller")), full_page=True)
    teller.get_by_role("button", name="公布结果").click()
    expect(teller.locator(".alert-success")).to_contain_text(f"“{TITLE}”的结果已公布")
    teller.screenshot(path=str(shot("hall-04b-teller-published")), full_page=True)
    expect(card).to_contain_text("已公布", timeout=2000)
    teller.get_by_role("link", name="结果公告").click()
    expect(teller.locator("h1")).to_have_text("决议公告")
    expect(teller.locator(".notice-subtitle")).to_have_text(TITLE)
    expect(teller.locator(".notice-table")).to_contain_text(TELLERS)
    expect(teller.locator(".notice-table")).to_contain_text("应到 3 人；开启时实到 3 人，结束时实到 3 人")
    teller.screenshot(path=str(shot("hall-05-announcement")), full_page=True)
    teller.emulate_media(media="print")
    expect(teller.locator(".notice-tools")).to_be_hidden()
    teller.pdf(path=str(shot("hall-06-announcement").with_suffix(".pdf")), format="A4")

    assert network.blocked == [] and network.page_errors == [] and network.console_errors == []
    assert network.bad_responses == []
